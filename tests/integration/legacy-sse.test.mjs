// A server that only speaks the legacy HTTP+SSE transport, used by a streamable-HTTP client
// through the gateway: requests, notifications on the GET stream, server-to-client requests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { initializeMessage, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';

let legacy, moat;

before(async () => {
  legacy = await startSampleServer('sse');
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  legacy:
    upstream: {url: "${legacy.url}", transport: sse, timeout: 10s}
`);
});

after(async () => {
  await stop(moat?.child);
  await stop(legacy?.child);
});

describe('legacy SSE upstream', () => {
  test('initialize, tools/list and tools/call', async () => {
    const client = new Client({ name: 'moat-legacy', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`${moat.base}/legacy/mcp`));
    await client.connect(transport);
    assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'echo'));
    const result = await client.callTool({ name: 'echo', arguments: { message: 'over legacy sse' } });
    assert.equal(result.content[0].text, 'over legacy sse');
    await client.close();
  });

  test('notifications reach the client on its GET stream and sampling round-trips', async () => {
    const client = new Client({ name: 'moat-legacy', version: '1' }, { capabilities: { sampling: {} } });
    const logs = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params.data); });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'm', role: 'assistant', content: { type: 'text', text: `answer to ${request.params.messages[0].content.text}` },
    }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/legacy/mcp`)));
    const logged = await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.equal(logged.content[0].text, 'Tool with logging executed successfully');
    const deadline = Date.now() + 5000;
    while (logs.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(logs, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'the question' } });
    assert.equal(sampled.content[0].text, 'LLM response: answer to the question');
    await client.close();
  });

  test('DELETE closes the upstream session; its id is then unknown', async () => {
    const init = await postJson(`${moat.base}/legacy/mcp`, initializeMessage());
    assert.equal(init.status, 200);
    const sessionId = init.headers.get('mcp-session-id');
    assert.match(await init.text(), /moat-sample-conformance-server/);
    const deleted = await fetch(`${moat.base}/legacy/mcp`, { method: 'DELETE', headers: { 'Mcp-Session-Id': sessionId } });
    assert.equal(deleted.status, 200);
    const after = await postJson(`${moat.base}/legacy/mcp`, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sessionId });
    assert.equal(after.status, 404);
  });

  test('an upstream that goes away fails the session with 404 and new sessions with 502', async () => {
    const init = await postJson(`${moat.base}/legacy/mcp`, initializeMessage());
    const sessionId = init.headers.get('mcp-session-id');
    await init.text();
    await stop(legacy.child);
    await new Promise((r) => setTimeout(r, 300));
    const stale = await postJson(`${moat.base}/legacy/mcp`, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'Mcp-Session-Id': sessionId });
    assert.equal(stale.status, 404);
    const fresh = await postJson(`${moat.base}/legacy/mcp`, initializeMessage(4));
    assert.equal(fresh.status, 502);
    assert.equal((await fresh.json()).id, 4);
  });
});
