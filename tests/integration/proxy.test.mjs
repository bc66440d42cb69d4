// The official TypeScript SDK client uses MCP servers through the gateway exactly as if it were
// connected directly: sessions, SSE responses, the GET stream, DELETE, progress as it happens,
// server-to-client requests, header pass-through and header hygiene.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { initializeMessage, postJson, startEverythingServer, startMoat, startSampleServer, stop } from './helpers.mjs';

let everything, sample, jsonSample, moat;
const secretFile = path.join(mkdtempSync(path.join(tmpdir(), 'moat-secret-')), 'secret');

before(async () => {
  writeFileSync(secretFile, 'twelve-bytes\n');
  everything = await startEverythingServer();
  sample = await startSampleServer('http');
  jsonSample = await startSampleServer('http', ['--json-response']);
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  everything:
    upstream: {url: "${everything.url}"}
  sample:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: stage-headers
        config:
          set: {X-Tenant: acme}
  sample-with-auth:
    path: /sample-with-auth/mcp
    upstream: {url: "${sample.url}"}
    forward_client_authorization: true
  json:
    upstream: {url: "${jsonSample.url}"}
  services:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: host-services
        config: {url: "http://127.0.0.1:{{PORT}}/healthz", env: MOAT_TEST_PLUGIN_ENV, secret_file: "${secretFile}", set_credential: "handoff=credential-value"}
      - plugin: host-services
        config: {read_credential: handoff}
`, { env: { MOAT_TEST_PLUGIN_ENV: 'from-the-environment' } });
});

after(async () => {
  await stop(moat?.child);
  await stop(everything?.child);
  await stop(sample?.child);
  await stop(jsonSample?.child);
});

async function connect(path, { capabilities = {}, headers = {} } = {}) {
  const client = new Client({ name: 'moat-integration', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(moat.base + path), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

describe('streamable HTTP through the gateway', () => {
  test('initialize, session id, tools/list and tools/call against server-everything', async () => {
    const { client, transport } = await connect('/everything/mcp');
    assert.match(transport.sessionId, /.+/);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'echo'));
    const result = await client.callTool({ name: 'echo', arguments: { message: 'through the moat' } });
    assert.equal(result.content[0].text, 'Echo: through the moat');
    await client.close();
  });

  test('progress notifications arrive while the call is still running (no SSE buffering)', async () => {
    const { client } = await connect('/everything/mcp');
    const arrivals = [];
    const started = Date.now();
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 2, steps: 4 } },
      undefined,
      { onprogress: (p) => arrivals.push({ progress: p.progress, at: Date.now() - started }), timeout: 20000 });
    const finished = Date.now() - started;
    assert.equal(arrivals.length, 4, `progress events: ${JSON.stringify(arrivals)}`);
    // Buffering would deliver every event together with the result at the end.
    assert.ok(arrivals[0].at < finished - 900, `first progress at ${arrivals[0].at} ms, result at ${finished} ms`);
    assert.match(result.content[0].text, /completed/i);
    await client.close();
  });

  test('server-to-client sampling and elicitation requests round-trip through the gateway', async () => {
    const { client } = await connect('/everything/mcp', { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'test-model', role: 'assistant',
      content: { type: 'text', text: `sampled: ${request.params.messages[0].content.text}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Moat Tester' } }));
    const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 10 } });
    assert.match(JSON.stringify(sampled.content), /sampled: [^"]*hello/);
    const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    assert.match(JSON.stringify(elicited.content), /Moat Tester/);
    await client.close();
  });

  test('DELETE ends the session upstream; the old session id is then unknown', async () => {
    const { client, transport } = await connect('/sample/mcp');
    const sessionId = transport.sessionId;
    await transport.terminateSession();
    const response = await postJson(`${moat.base}/sample/mcp`, { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(response.status, 404);
    await client.close();
  });

  test('the GET stream carries server notifications to the client', async () => {
    const init = await postJson(`${moat.base}/everything/mcp`, initializeMessage());
    const sessionId = init.headers.get('mcp-session-id');
    await init.text();
    const headers = { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' };
    await (await postJson(`${moat.base}/everything/mcp`, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).text();
    const controller = new AbortController();
    const stream = await fetch(`${moat.base}/everything/mcp`, { headers: { ...headers, Accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type'), /text\/event-stream/);
    // Turning on simulated logging makes the server push notifications/message on the GET stream.
    await (await postJson(`${moat.base}/everything/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'toggle-simulated-logging', arguments: {} } }, headers)).text();
    const reader = stream.body.getReader();
    let received = '';
    const deadline = Date.now() + 15000;
    while (!received.includes('notifications/message') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString();
    }
    controller.abort();
    assert.match(received, /notifications\/message/);
  });

  test('MCP headers pass through; the client token does not, unless the route says so', async () => {
    const headers = {
      Authorization: 'Bearer client-secret-token',
      'Mcp-Param-Region': 'eu-west',
      'X-Custom': 'kept',
    };
    const { client } = await connect('/sample/mcp', { headers });
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    assert.equal(seen['mcp-param-region'], 'eu-west');
    assert.equal(seen['x-custom'], 'kept');
    assert.equal(seen['x-tenant'], 'acme', 'the stage-headers plugin ran');
    assert.equal(seen['mcp-protocol-version'], '2025-11-25');
    assert.match(seen['x-request-id'], /^[0-9a-f]{16}$/);
    assert.equal(seen.authorization, undefined, 'the client token must not reach the upstream');
    await client.close();

    const forwarding = await connect('/sample-with-auth/mcp', { headers });
    const seenWithAuth = JSON.parse((await forwarding.client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    assert.equal(seenWithAuth.authorization, 'Bearer client-secret-token');
    await forwarding.client.close();
  });

  test('2026-07-28 stateless requests reach the server with their per-request headers', async () => {
    const response = await postJson(`${moat.base}/sample/mcp`,
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'whoami', 'Mcp-Param-Unknown-Thing': 'x' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('mcp-session-id'), null, 'no session in the stateless revision');
    const reply = await response.json();
    assert.equal(reply.id, 5);
    assert.equal(reply.result.resultType, 'complete');
    const seen = JSON.parse(reply.result.content[0].text);
    assert.equal(seen['mcp-protocol-version'], '2026-07-28');
    assert.equal(seen['mcp-method'], 'tools/call');
    assert.equal(seen['mcp-name'], 'whoami');
    assert.equal(seen['mcp-param-unknown-thing'], 'x');
  });

  test('Last-Event-ID resumption replays missed events through the gateway', async () => {
    const init = await postJson(`${moat.base}/sample/mcp`, initializeMessage());
    const headers = { 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
    await init.text();
    const call = await postJson(`${moat.base}/sample/mcp`,
      { jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'test_tool_with_logging', arguments: {} } }, headers);
    const events = (await call.text()).split('\n\n').filter((e) => /^data: \{/m.test(e));
    const ids = events.map((e) => /^id: (.+)$/m.exec(e)?.[1]);
    assert.equal(events.length, 4, 'three log messages and the result');
    assert.ok(ids.every(Boolean), 'every event carries an id');
    // Pretend the stream broke after the first log message: resume from its id.
    const controller = new AbortController();
    const resumed = await fetch(`${moat.base}/sample/mcp`, {
      headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': ids[0] }, signal: controller.signal });
    assert.equal(resumed.status, 200);
    const reader = resumed.body.getReader();
    let replay = '';
    const deadline = Date.now() + 5000;
    while (!replay.includes('"id":21') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      replay += Buffer.from(value).toString();
    }
    controller.abort();
    assert.doesNotMatch(replay, /Tool execution started/, 'the event before Last-Event-ID is not replayed');
    assert.match(replay, /Tool processing data/);
    assert.match(replay, /Tool execution completed/);
    assert.match(replay, /"id":21/);
  });

  test('headers the client lists in Connection are hop-by-hop and stop at the gateway', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'whoami', arguments: {} } });
    const raw = await new Promise((resolve, reject) => {
      const socket = net.connect(moat.port, '127.0.0.1', () => socket.end(
        `POST /sample/mcp HTTP/1.1\r\nHost: 127.0.0.1:${moat.port}\r\nContent-Type: application/json\r\n` +
        'Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: whoami\r\n' +
        `Connection: close, X-Hop-Secret\r\nX-Hop-Secret: private\r\nX-End-To-End: public\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
      let data = '';
      socket.on('data', (d) => { data += d; });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 200/);
    const [head, rest] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    let payload = rest;
    if (/transfer-encoding: chunked/i.test(head)) {
      payload = '';
      for (let at = 0; ;) {
        const lineEnd = rest.indexOf('\r\n', at);
        const size = parseInt(rest.slice(at, lineEnd), 16);
        if (!size) break;
        payload += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
      }
    }
    const reply = JSON.parse(payload);
    const seen = JSON.parse(reply.result.content[0].text);
    assert.equal(seen['x-end-to-end'], 'public');
    assert.equal(seen['x-hop-secret'], undefined);
  });

  test('an upstream answering POSTs with plain JSON works the same', async () => {
    const direct = await postJson(`${moat.base}/json/mcp`, initializeMessage(3));
    assert.match(direct.headers.get('content-type'), /application\/json/);
    assert.equal((await direct.json()).id, 3);
    const { client } = await connect('/json/mcp');
    const result = await client.callTool({ name: 'echo', arguments: { message: 'json mode' } });
    assert.equal(result.content[0].text, 'json mode');
    await client.close();
  });

  test('plugins reach host services: outbound HTTP, environment, secret files, counters, credentials', async () => {
    const { client } = await connect('/services/mcp');
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    assert.equal(seen['x-fetch-status'], '200');
    assert.equal(seen['x-fetch-body'], '{"status":"ok"}');
    assert.equal(seen['x-env-value'], 'from-the-environment');
    assert.equal(seen['x-secret-length'], '12', 'the file is read and its trailing newline dropped');
    assert.equal(seen['x-credential-length'], '16', 'a credential set by one stage is read by the next');
    assert.ok(!JSON.stringify(seen).includes('credential-value'), 'credentials never travel upstream by themselves');
    await client.close();
    const metrics = await (await fetch(`${moat.diagnostics}/metrics`)).text();
    // Two stages of one plugin count separately, each labelled with its instance.
    assert.match(metrics, /^moat_host_services_calls_total\{instance="services\/host-services"\} [1-9]/m);
    assert.match(metrics, /^moat_host_services_calls_total\{instance="services\/host-services#2"\} [1-9]/m);
    assert.match(metrics, /^moat_requests_total\{route="services",method="tools\/call",code="200"\} [1-9]/m);
  });

  test('every response carries the request id, and a client-supplied one is kept', async () => {
    const response = await postJson(`${moat.base}/sample/mcp`, initializeMessage(), { 'X-Request-Id': 'trace-abc-123' });
    assert.equal(response.headers.get('x-request-id'), 'trace-abc-123');
    await response.text();
  });
});

describe('/metrics', () => {
  test("the allocator's gauges: bytes in use and bytes kept free", async () => {
    const text = await (await fetch(`${moat.diagnostics}/metrics`)).text();
    assert.match(text, /^# TYPE moat_heap_in_use_bytes gauge$/m);
    const inUse = Number(/^moat_heap_in_use_bytes (\d+)$/m.exec(text)?.[1]);
    const free = Number(/^moat_heap_free_bytes (\d+)$/m.exec(text)?.[1]);
    assert.ok(Number.isInteger(inUse) && Number.isInteger(free), text);
    // Under a sanitizer its own allocator serves the gateway, and glibc's arenas hold next to
    // nothing; with glibc's, a serving gateway holds well over a hundred kilobytes.
    if (process.env.MOAT_SANITIZED !== '1') assert.ok(inUse > 100 * 1024, `moat_heap_in_use_bytes ${inUse}`);
  });
});
