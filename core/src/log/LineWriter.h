// Log lines leave the process through one writer thread, so a destination that stops taking
// them (a pipe nobody reads, a stuck terminal, a full disk) never blocks a request: lines wait
// in a bounded queue, past it they are dropped and counted, and once the destination takes
// lines again one line says how many were lost.
#pragma once

#include <cstdint>
#include <string>

namespace moat::log {

// Queues one formatted line (ending in a newline) for stderr; false when it was dropped.
bool enqueueLine(std::string line);
// Waits up to timeoutMs for the queued lines to be written; runs at exit too.
void flushLines(int timeoutMs = 1000);
// Lines dropped since the start because the queue was full.
uint64_t droppedLines();

}  // namespace moat::log
