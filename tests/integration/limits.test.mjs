// Slow and abusive clients against the real gateway: connections whose heads never finish and
// connections left idle hold no worker, so a real MCP SDK client is served while hundreds of
// them are held (with only 8 workers); heads and bodies that trickle are cut off at their
// deadlines with 408; a client over its connection cap gets 429 with Retry-After. Every refusal
// carries a JSON-RPC error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { initializeMessage, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
let sample, moat;

before(async () => {
  sample = await startSampleServer('http');
  moat = await startMoat(`
listen:
  address: 127.0.0.1
  port: {{PORT}}
  threads: 8
  request_head_timeout: 1500ms
  request_body_timeout: 1500ms
log: {level: warn}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
});

// Opens a connection from `localAddress`, sends `text`, and resolves with everything the
// gateway sent until it closed the connection (or `waitMs` passed).
function rawExchange(port, text, { localAddress = '127.0.0.1', trickle = null, waitMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    let timer = null;
    socket.on('connect', () => {
      socket.write(text);
      if (trickle) timer = setInterval(() => { if (socket.writable) socket.write(trickle); }, 100);
    });
    socket.on('data', (data) => { answer += data.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => { clearInterval(timer); resolve(answer); });
    setTimeout(() => socket.destroy(), waitMs);
  });
}

const jsonBody = (answer) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

function startAttacker(port, slow, idle, perAddress) {
  const child = spawn(process.execPath, [path.join(here, 'hold-connections.mjs'), '--port', String(port), '--slow', String(slow),
    '--idle', String(idle), '--per-address', String(perAddress)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const waitFor = async (pattern) => {
    for (let i = 0; i < 600; ++i) {
      const match = pattern.exec(output);
      if (match) { output = output.slice(match.index + match[0].length); return match[0]; }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the attacker never printed ${pattern}`);
  };
  return {
    ready: () => waitFor(/ready\n/),
    status: async () => { child.stdin.write('\n'); return JSON.parse(await waitFor(/\{.*\}\n/)); },
    stop: () => stop(child),
  };
}

describe('with 8 workers', () => {
  test('an MCP client is served while 300 slow-header and 300 idle connections are held', async () => {
    const attacker = startAttacker(moat.port, 300, 300, 150);
    try {
      await attacker.ready();
      await new Promise((r) => setTimeout(r, 500));
      const held = await attacker.status();
      assert.ok(held.slow_held >= 250 && held.idle_held >= 250, `the attacker holds ${JSON.stringify(held)}`);

      const client = new Client({ name: 'limits-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/sample/mcp`)));
      const result = await client.callTool({ name: 'echo', arguments: { message: 'served under attack' } });
      assert.match(JSON.stringify(result.content), /served under attack/);
      await client.close();
      // Still held while the client was served: the gateway did not simply drop them.
      const during = await attacker.status();
      assert.ok(during.idle_held >= 250, `idle connections held during the call: ${JSON.stringify(during)}`);
    } finally {
      await attacker.stop();
    }
  });

  test('a head that keeps trickling gets 408 with a JSON-RPC error at request_head_timeout', async () => {
    const started = Date.now();
    const answer = await rawExchange(moat.port, 'POST /sample/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', { trickle: 'X-a: b\r\n' });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal(jsonBody(answer).error.code, -32011);
    assert.ok(Date.now() - started < 8000, 'cut off near the head deadline, not at a per-read timeout');
  });

  test('a body that keeps trickling gets 408 with a JSON-RPC error at request_body_timeout', async () => {
    const head = 'POST /sample/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Accept: application/json, text/event-stream\r\nContent-Length: 5000\r\n\r\n{';
    const answer = await rawExchange(moat.port, head, { trickle: ' ' });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal(jsonBody(answer).error.code, -32011);
    assert.match(jsonBody(answer).error.message, /request_body_timeout/);
  });
});

test('a client over max_connections_per_client gets 429 with Retry-After; another client does not', async () => {
  const capped = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, max_connections_per_client: 5}
log: {level: warn}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
  const held = [];
  try {
    for (let i = 0; i < 5; ++i) {
      const socket = net.connect({ host: '127.0.0.1', port: capped.port, localAddress: '127.0.0.77' });
      socket.on('error', () => {});
      held.push(socket);
      await new Promise((resolve) => socket.on('connect', resolve));
    }
    await new Promise((r) => setTimeout(r, 200));
    const refused = await rawExchange(capped.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', { localAddress: '127.0.0.77' });
    assert.match(refused, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
    assert.match(refused, /\r\nRetry-After: 1\r\n/);
    assert.equal(jsonBody(refused).error.code, -32012);
    const other = await rawExchange(capped.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.78' });
    assert.match(other, /^HTTP\/1\.1 200 OK\r\n/);
    // A place given up is a place another connection from that client can take.
    held.pop().destroy();
    await new Promise((r) => setTimeout(r, 200));
    const admitted = await rawExchange(capped.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.77' });
    assert.match(admitted, /^HTTP\/1\.1 200 OK\r\n/);
  } finally {
    for (const socket of held) socket.destroy();
    await stop(capped.child);
  }
});

describe('per-subject limits (auth-apikey gives each key its own subject)', () => {
  let limited;
  const keys = { alice: 'Bearer alice-key-0123456789', bob: 'Bearer bob-key-0123456789' };
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moat-limits-'));
    writeFileSync(path.join(dir, 'keys'), 'alice:alice-key-0123456789\nbob:bob-key-0123456789\n');
    limited = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, requests_per_second_per_subject: 2, burst_per_subject: 6, streams_per_session: 1, sessions_per_subject: 2}
log: {level: warn}
servers:
  sample:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: auth-apikey
        config: {keys_file: "${path.join(dir, 'keys')}", header: Authorization}
`);
  });
  after(async () => { await stop(limited?.child); });

  const url = () => `${limited.base}/sample/mcp`;
  async function initialize(authorization) {
    const response = await postJson(url(), initializeMessage(), { Authorization: authorization });
    const body = await response.text();
    return { status: response.status, session: response.headers.get('mcp-session-id'), retryAfter: response.headers.get('retry-after'), body };
  }
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  test('a third session for one identity is refused until one ends; another identity is not affected', async () => {
    const first = await initialize(keys.alice);
    const second = await initialize(keys.alice);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const third = await initialize(keys.alice);
    assert.equal(third.status, 429);
    assert.equal(third.retryAfter, '60');
    assert.equal(JSON.parse(third.body).error.code, -32012);
    assert.match(JSON.parse(third.body).error.message, /sessions_per_subject/);
    assert.equal((await initialize(keys.bob)).status, 200, 'bob has sessions of his own');
    const ended = await fetch(url(), { method: 'DELETE', headers: { Authorization: keys.alice, 'Mcp-Session-Id': first.session } });
    await ended.text();
    await wait(1500);  // the rate limit's tokens come back
    assert.equal((await initialize(keys.alice)).status, 200, 'a session ended frees a place');
  });

  test('a second GET stream on one session gets 429; once the first closes, a new one opens', async () => {
    await wait(3000);
    const { session } = await initialize(keys.bob);
    const headers = { Authorization: keys.bob, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25', Accept: 'text/event-stream' };
    const controller = new AbortController();
    const open = await fetch(url(), { headers, signal: controller.signal });
    assert.equal(open.status, 200);
    const refused = await fetch(url(), { headers });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal((await refused.json()).error.code, -32012);
    controller.abort();
    await wait(1000);
    const reopened = await fetch(url(), { headers, signal: AbortSignal.timeout(3000) }).catch((e) => e);
    assert.equal(reopened.status, 200, "the first stream's place was given back");
  });

  test('past its burst, one identity gets 429 with Retry-After while another is still served', async () => {
    await wait(3000);  // both buckets full again
    const statuses = [];
    let refused;
    for (let i = 0; i < 10; ++i) {
      const response = await postJson(url(), { jsonrpc: '2.0', id: i, method: 'ping' }, { Authorization: keys.alice });
      statuses.push(response.status);
      if (response.status === 429 && !refused) refused = { id: i, retryAfter: response.headers.get('retry-after'), body: await response.json() };
      else await response.text();
    }
    assert.ok(statuses.slice(0, 6).every((s) => s !== 429), `the burst is served: ${statuses}`);
    assert.ok(statuses.includes(429), `then refused: ${statuses}`);
    assert.ok(Number(refused.retryAfter) >= 1);
    assert.equal(refused.body.error.code, -32012);
    assert.equal(refused.body.id, refused.id, 'the error answers the refused request by its id');
    const other = await postJson(url(), { jsonrpc: '2.0', id: 99, method: 'ping' }, { Authorization: keys.bob });
    await other.text();
    assert.notEqual(other.status, 429, 'bob has a bucket of his own');
  });
});
