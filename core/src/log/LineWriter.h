// Log lines never block a request: a line is written at once while the destination takes it,
// and otherwise (a pipe nobody reads, a stuck terminal) waits in a bounded queue for one writer
// thread; past the queue lines are dropped and counted, and once the destination takes lines
// again one line says how many were lost.
#pragma once

#include <cstdint>
#include <string>

namespace moat::log {

// Writes or queues one formatted line (ending in a newline) for stderr; false when dropped.
bool enqueueLine(std::string line);
// Waits up to timeoutMs for the queued lines to be written; runs at exit too.
void flushLines(int timeoutMs = 1000);
// Lines dropped since the start because the queue was full.
uint64_t droppedLines();

}  // namespace moat::log
