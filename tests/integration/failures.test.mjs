// Bad input and broken neighbours: every failure is a JSON-RPC error with a status that says
// what happened, never a hang, a dropped connection or a dead gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, initializeMessage, moatBin, postJson, sampleServer, start, startMoat, startSampleServer, stop } from './helpers.mjs';

let sample, moat, silentServer, deadPort, flakyServer;
let flakyRequests = 0;
const sockets = new Set();

before(async () => {
  sample = await startSampleServer('http');
  deadPort = await freePort();
  // Accepts connections and never answers: the upstream that hangs.
  silentServer = net.createServer((socket) => { sockets.add(socket); socket.on('error', () => {}); });
  await new Promise((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  // Answers its first request normally on a keep-alive connection, then takes every later
  // request on that connection and drops it without an answer.
  flakyServer = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString();
      while (seen.includes('\r\n\r\n')) {
        const headEnd = seen.indexOf('\r\n\r\n') + 4;
        const length = Number(/content-length: (\d+)/i.exec(seen.slice(0, headEnd))?.[1] ?? 0);
        if (seen.length < headEnd + length) return;
        seen = seen.slice(headEnd + length);
        flakyRequests += 1;
        if (flakyRequests === 1) {
          const body = '{"jsonrpc":"2.0","id":1,"result":{}}';
          socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
        } else {
          socket.destroy();
        }
      }
    });
  });
  await new Promise((resolve) => flakyServer.listen(0, '127.0.0.1', resolve));
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, body_limit: 64KiB}
servers:
  sample:
    upstream: {url: "${sample.url}"}
  dead:
    upstream: {url: "http://127.0.0.1:${deadPort}/mcp"}
  silent:
    upstream: {url: "http://127.0.0.1:${silentServer.address().port}/mcp", timeout: 1s}
  flaky:
    upstream: {url: "http://127.0.0.1:${flakyServer.address().port}/mcp"}
  throwing:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: throwing
`);
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
  for (const s of sockets) s.destroy();
  silentServer?.close();
  flakyServer?.close();
});

async function rpcError(response) {
  const body = await response.json();
  assert.equal(body.jsonrpc, '2.0');
  assert.ok(body.error, `expected a JSON-RPC error, got ${JSON.stringify(body)}`);
  return body;
}

describe('failures', () => {
  test('a dead upstream answers 502 with a JSON-RPC error carrying the request id', async () => {
    const response = await postJson(`${moat.base}/dead/mcp`, initializeMessage(41));
    assert.equal(response.status, 502);
    const body = await rpcError(response);
    assert.equal(body.id, 41);
    assert.match(body.error.message, /refused/);
  });

  test('an upstream that never answers gets 504 within the route timeout', async () => {
    const started = Date.now();
    const response = await postJson(`${moat.base}/silent/mcp`, initializeMessage(42));
    assert.equal(response.status, 504);
    assert.equal((await rpcError(response)).id, 42);
    assert.ok(Date.now() - started < 5000, 'the 1s timeout applied');
  });

  test('a request the upstream took and then dropped is answered 502 and never sent twice', async () => {
    const first = await postJson(`${moat.base}/flaky/mcp`, { jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal(first.status, 200);
    await first.text();
    const second = await postJson(`${moat.base}/flaky/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'charge-card', arguments: {} } });
    assert.equal(second.status, 502);
    assert.equal((await rpcError(second)).id, 2);
    assert.equal(flakyRequests, 2, 'the tools/call reached the upstream exactly once');
  });

  test('a body over the limit is refused with 413, declared or streamed', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } });
    const declared = await postJson(`${moat.base}/sample/mcp`, big);
    assert.equal(declared.status, 413);
    await rpcError(declared);
    const chunked = await fetch(`${moat.base}/sample/mcp`, {
      method: 'POST', duplex: 'half', headers: { 'Content-Type': 'application/json' },
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }),
    });
    assert.equal(chunked.status, 413);
  });

  test('a foreign Origin or Host is refused with 403 (DNS rebinding)', async () => {
    const origin = await postJson(`${moat.base}/sample/mcp`, initializeMessage(), { Origin: 'https://evil.example' });
    assert.equal(origin.status, 403);
    assert.match((await rpcError(origin)).error.message, /Origin/);
    const host = await new Promise((resolve, reject) => {
      const socket = net.connect(moat.port, '127.0.0.1', () => {
        socket.end('POST /sample/mcp HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
      });
      let data = '';
      socket.on('data', (d) => { data += d; });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(host, /^HTTP\/1\.1 403/);
    const local = await postJson(`${moat.base}/sample/mcp`, initializeMessage(), { Origin: `http://localhost:${moat.port}` });
    assert.equal(local.status, 200);
    await local.text();
  });

  test('a plugin that throws fails only its request; the gateway keeps serving', async () => {
    const init = await postJson(`${moat.base}/throwing/mcp`, initializeMessage());
    assert.equal(init.status, 200);
    const sessionId = init.headers.get('mcp-session-id');
    await init.text();
    const headers = { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' };
    const call = await postJson(`${moat.base}/throwing/mcp`,
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } }, headers);
    assert.equal(call.status, 500);
    const body = await rpcError(call);
    assert.equal(body.id, 7);
    assert.match(body.error.message, /fixture exploded on tools\/call/);
    const list = await postJson(`${moat.base}/throwing/mcp`, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, headers);
    assert.equal(list.status, 200);
    assert.match(await list.text(), /test_simple_text/);
  });

  test('an unknown path is a 404 JSON-RPC error; an unsupported method is 405', async () => {
    const missing = await postJson(`${moat.base}/nowhere/mcp`, initializeMessage());
    assert.equal(missing.status, 404);
    await rpcError(missing);
    const put = await fetch(`${moat.base}/sample/mcp`, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
  });

  test('the gateway log never contains a token', async () => {
    const response = await postJson(`${moat.base}/dead/mcp?access_token=query-secret-value`, initializeMessage(),
      { Authorization: 'Bearer header-secret-value' });
    await response.text();
    // The access line is written after the reply; wait for it.
    const requestId = response.headers.get('x-request-id');
    for (let i = 0; i < 40 && !moat.child.output.text.includes(`[access] POST /dead/mcp?access_token=*** request_id=${requestId}`); ++i)
      await new Promise((r) => setTimeout(r, 50));
    const leaked = moat.child.output.text.split('\n').filter((line) => line.includes('secret-value'));
    assert.deepEqual(leaked, []);
    assert.match(moat.child.output.text, /access_token=\*\*\*/);
  });

  test('SIGTERM with open streams exits cleanly within a few seconds', async () => {
    const own = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, shutdown_grace: 1s}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
    // The upstream allows one GET stream per session, so each stream gets its own session.
    const openStream = async () => {
      const init = await postJson(`${own.base}/sample/mcp`, initializeMessage());
      const headers = { 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25', Accept: 'text/event-stream' };
      await init.text();
      return fetch(`${own.base}/sample/mcp`, { headers });
    };
    const streams = await Promise.all([1, 2, 3].map(openStream));
    streams.forEach((s) => assert.equal(s.status, 200));
    const started = Date.now();
    const exited = new Promise((resolve) => own.child.once('exit', (code) => resolve(code)));
    own.child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.match(own.child.output.text, /stopped/);
  });

  test('an upstream killed mid-stream: the call in flight and the open stream end with an answer; after its restart a new session works', async () => {
    const port = await freePort();
    const startUpstream = () => start('node', [sampleServer, '--transport', 'http', '--port', String(port)], { ready: /listening on/ });
    let upstream = await startUpstream();
    const own = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  sample: {upstream: {url: "http://127.0.0.1:${port}/mcp"}}
`);
    try {
      const init = await postJson(`${own.base}/sample/mcp`, initializeMessage());
      const headers = { 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
      await init.text();
      const stream = await fetch(`${own.base}/sample/mcp`, { headers: { ...headers, Accept: 'text/event-stream' } });
      assert.equal(stream.status, 200);
      const call = postJson(`${own.base}/sample/mcp`,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 20000 } } }, headers);
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = Date.now();
      await stop(upstream, 'SIGKILL');

      // The call's answer: a JSON-RPC error for id 7, as JSON or as the SSE stream's last event.
      const answered = await call;
      const text = await answered.text();
      const message = JSON.parse(answered.headers.get('content-type').includes('text/event-stream')
        ? text.split('\n').filter((l) => l.startsWith('data:')).at(-1).slice(5) : text);
      assert.equal(message.id, 7);
      assert.ok(message.error, `a JSON-RPC error, got ${text}`);
      // The GET stream ends instead of hanging.
      const rest = await stream.text();
      assert.ok(Date.now() - killedAt < 5000, `both ended ${Date.now() - killedAt} ms after the kill`);
      assert.equal(typeof rest, 'string');

      upstream = await startUpstream();
      const stale = await postJson(`${own.base}/sample/mcp`, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, headers);
      assert.equal(stale.status, 404, 'the restarted server does not know the old session: the client initializes again');
      await stale.text();
      const again = await postJson(`${own.base}/sample/mcp`, initializeMessage(9));
      assert.equal(again.status, 200);
      assert.match(await again.text(), /"id":9/);
      assert.equal((await fetch(`${own.base}/healthz`)).status, 200);
    } finally {
      await stop(own.child);
      await stop(upstream);
    }
  });

  test('a log destination that stops taking lines (a pipe nobody reads, /dev/full) blocks no request; lost lines are counted and reported', async () => {
    const port = await freePort();
    const diagnosticsPort = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'moat-log-'));
    const file = path.join(dir, 'moat.yaml');
    writeFileSync(file, `
listen: {address: 127.0.0.1, port: ${port}, requests_per_second_per_subject: 0}
diagnostics: {port: ${diagnosticsPort}}
log: {level: debug}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
    const serve = (stderr) => new Promise((resolve, reject) => {
      const child = spawn(moatBin, ['serve', '--config', file], { stdio: ['ignore', 'pipe', stderr] });
      child.stdout.on('data', (d) => { if (/listening on/.test(d.toString())) resolve(child); });
      child.on('exit', (code) => reject(new Error(`moat exited with ${code}`)));
    });
    // Every access line carries the path and the query's names, so each request logs ~4 KB.
    const noisyUrl = `http://127.0.0.1:${port}/sample/mcp?${'n'.repeat(4000)}=1`;
    const burst = async (count) => {
      for (let i = 0; i < count; i += 20) {
        const answers = await Promise.all(Array.from({ length: 20 }, (_, j) =>
          fetch(noisyUrl, { method: 'POST', body: JSON.stringify(initializeMessage(i + j)), signal: AbortSignal.timeout(10000),
            headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } })));
        for (const answer of answers) { assert.equal(answer.status, 200); await answer.text(); }
      }
    };

    const unread = await serve('pipe');
    try {
      unread.stderr.pause();  // once the pipe and node's buffer fill, every write to it would block
      await burst(600);
      const metrics = await (await fetch(`http://127.0.0.1:${diagnosticsPort}/metrics`)).text();
      const dropped = Number(/^moat_log_lines_dropped_total (\d+)$/m.exec(metrics)[1]);
      assert.ok(dropped > 0, 'lines past the queue were dropped, not waited for');
      let log = '';
      unread.stderr.on('data', (d) => { log += d.toString(); });
      unread.stderr.resume();
      for (let i = 0; i < 100 && !/log lines were dropped/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(log, new RegExp(`log lines were dropped: the log destination did not take them in time dropped=${dropped}`));
    } finally {
      await stop(unread);
    }

    const full = openSync('/dev/full', 'w');
    const onFullDisk = await serve(full);
    closeSync(full);
    try {
      await burst(100);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      await stop(onFullDisk);
    }
  });
});
