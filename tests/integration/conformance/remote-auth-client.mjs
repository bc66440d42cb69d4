// The MCP conformance suite's client (`conformance client --command "node THIS" --suite auth`),
// with Moat as the OAuth client: it starts `moat proxy --remote-auth` against the scenario's
// server URL, plays the browser (the scenario's authorization endpoint redirects at once), and
// sends MCP requests through the proxy with the TypeScript SDK client, which knows nothing of
// OAuth. A pre-registered client comes from MCP_CONFORMANCE_CONTEXT.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const serverUrl = process.argv[2];
const moatBin = process.env.MOAT_BIN;
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');

const freePort = () => new Promise((resolve) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

const port = await freePort();
const callbackPort = await freePort();
const args = ['proxy', 'conformance', '--target-uri', serverUrl, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
  '--remote-auth-callback-port', String(callbackPort)];
if (context.client_id) args.push('--remote-auth-client-id', context.client_id);
// The document a real deployment would host; the suite's server knows this URL.
else args.push('--remote-auth-client-metadata-url', 'https://conformance-test.local/client-metadata.json');
const env = { ...process.env, MOAT_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'moat-conformance-auth-')) };
if (context.client_secret) env.MOAT_REMOTE_AUTH_CLIENT_SECRET = context.client_secret;
const proxy = spawn(moatBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
proxy.stdout.on('data', (c) => { output += c; process.stderr.write(c); });
proxy.stderr.on('data', (c) => { output += c; process.stderr.write(c); });
const exited = new Promise((resolve) => proxy.on('exit', resolve));

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

// The browser: the scenario's authorization endpoint answers with a redirect to the callback.
let logins = 0;
async function completeLogin() {
  const url = await waitFor(() => [...output.matchAll(/in your browser:\n\s+(\S+)/g)][logins]?.[1]);
  logins++;
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (location) await fetch(new URL(location, url));
}

let failed = false;
try {
  await completeLogin();
  await waitFor(() => /moat: listening on/.test(output));
  const client = new Client({ name: 'moat-remote-auth-conformance', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  const { tools } = await client.listTools();
  for (const tool of tools) {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await client.callTool({ name: tool.name, arguments: {} });
        break;
      } catch (error) {
        // 403 insufficient_scope: moat logs in again with more scope; complete it and retry.
        const status = error.code ?? 0;
        if (status !== 403 && status !== 503) throw error;
        if (status === 403) await completeLogin();
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }
  await client.close();
} catch (error) {
  console.error(`driver: ${error.stack ?? error}`);
  failed = true;
} finally {
  proxy.kill('SIGTERM');
  await exited;
}
process.exit(failed ? 1 : 0);
