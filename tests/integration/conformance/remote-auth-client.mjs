// The MCP conformance suite's client (`conformance client --command "node THIS" --suite auth`),
// with Moat as the OAuth client: it starts `moat proxy --remote-auth` against the scenario's
// server URL, plays the browser (the scenario's authorization endpoint redirects at once), and
// sends MCP requests through the proxy with the TypeScript SDK client, which knows nothing of
// OAuth. A pre-registered client comes from MCP_CONFORMANCE_CONTEXT.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const serverUrl = process.argv[2];
const moatBin = process.env.MOAT_BIN;
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');

// The suite runs its scenarios in parallel, each with a driver of its own, so ports asked of the
// kernel and released again can collide between drivers. moat picks its own listening port
// (--port 0, read back from its output); the login callback needs a fixed one (it is in the
// registered redirect URI), taken at random below the ephemeral range, and tried again when
// another driver holds it.
const portIsFree = (port) => new Promise((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});
async function callbackPortCandidate() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await portIsFree(port)) return port;
  }
}

const env = { ...process.env, MOAT_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'moat-conformance-auth-')) };
if (context.client_secret) env.MOAT_REMOTE_AUTH_CLIENT_SECRET = context.client_secret;
let proxy;
let exited;
let output = '';
let attempt = 0;

function startMoat(callbackPort) {
  const args = ['proxy', 'conformance', '--target-uri', serverUrl, '--port', '0', '--remote-auth', '--remote-auth-skip-browser',
    '--remote-auth-callback-port', String(callbackPort)];
  if (context.client_id) args.push('--remote-auth-client-id', context.client_id);
  // The document a real deployment would host; the suite's server knows this URL.
  else args.push('--remote-auth-client-metadata-url', 'https://conformance-test.local/client-metadata.json');
  output = '';
  attempt += 1;
  proxy = spawn(moatBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // MOAT_CONFORMANCE_LOG_DIR: moat's output per scenario, for the test to read which paths it took.
  const logFile = process.env.MOAT_CONFORMANCE_LOG_DIR ? path.join(process.env.MOAT_CONFORMANCE_LOG_DIR, `moat-${process.pid}-${attempt}.log`) : null;
  const keep = (c) => { output += c; process.stderr.write(c); if (logFile) appendFileSync(logFile, c); };
  proxy.stdout.on('data', keep);
  proxy.stderr.on('data', keep);
  exited = new Promise((resolve) => proxy.on('exit', resolve));
}

async function waitFor(check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (proxy.exitCode !== null) throw new Error(`moat exited with ${proxy.exitCode}`);
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The browser: every login URL moat prints is opened as it appears (the scenario's
// authorization endpoint redirects to moat's callback at once). A step-up login is one of them.
let running = true;
const browser = (async () => {
  let opened = 0;
  let openedFor = attempt;
  while (running) {
    if (openedFor !== attempt) [opened, openedFor] = [0, attempt];  // moat started again: its output too
    for (const [, url] of [...output.matchAll(/in your browser:\n\s+(\S+)/g)].slice(opened)) {
      opened++;
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (location) await fetch(new URL(location, url));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
})();

// The MCP client knows nothing of OAuth and never retries: a 403 insufficient_scope must be
// handled inside moat (the request is held while moat logs in again, then sent once more).
let failed = false;
try {
  let port;
  for (;;) {
    startMoat(await callbackPortCandidate());
    try {
      port = (await waitFor(() => /moat: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output), 30000))[1];
      break;
    } catch (error) {
      if (attempt >= 5 || !/Address already in use/.test(output)) throw error;
      await exited;  // another driver held the callback port: try another
    }
  }
  const client = new Client({ name: 'moat-remote-auth-conformance', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  const { tools } = await client.listTools();
  for (const tool of tools) await client.callTool({ name: tool.name, arguments: {} });
  await client.close();
} catch (error) {
  console.error(`driver: ${error.stack ?? error}`);
  failed = true;
} finally {
  running = false;
  await browser.catch((error) => console.error(`browser: ${error}`));
  proxy.kill('SIGTERM');
  await exited;
}
process.exit(failed ? 1 : 0);
