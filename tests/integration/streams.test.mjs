// A long-lived SSE stream is one long request and holds a worker while it is open. With the pool
// sized for them, 200 open GET streams must not starve a short request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { initializeMessage, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';

let sample, moat;
const OPEN_STREAMS = 200;
const agent = new Agent({ connections: OPEN_STREAMS * 2 + 16 });

before(async () => {
  sample = await startSampleServer('http');
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, threads: 320}
log: {level: warn}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
  await agent.close();
});

async function session() {
  const init = await fetch(`${moat.base}/sample/mcp`, {
    method: 'POST', dispatcher: agent,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initializeMessage()),
  });
  await init.text();
  return { 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
}

test(`${OPEN_STREAMS} open GET streams do not delay a tools/call`, async () => {
  const controller = new AbortController();
  const streams = [];
  for (let batch = 0; batch < OPEN_STREAMS / 20; ++batch) {
    streams.push(...await Promise.all(Array.from({ length: 20 }, async () => {
      const headers = await session();
      return fetch(`${moat.base}/sample/mcp`, { dispatcher: agent, signal: controller.signal, headers: { ...headers, Accept: 'text/event-stream' } });
    })));
  }
  assert.equal(streams.filter((s) => s.status === 200).length, OPEN_STREAMS);

  const headers = await session();
  const started = Date.now();
  const call = await postJson(`${moat.base}/sample/mcp`,
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'not starved' } } }, headers);
  const text = await call.text();
  const elapsed = Date.now() - started;
  assert.equal(call.status, 200);
  assert.match(text, /not starved/);
  // A starved pool would queue the call behind streams that never end; generous bound for noisy machines.
  assert.ok(elapsed < 5000, `tools/call took ${elapsed} ms with ${OPEN_STREAMS} streams open`);
  controller.abort();
});
