// A route's tool view (servers.NAME.tools): the list a real MCP SDK client gets is filtered and
// renamed, calls under the new name reach the server's tool, and a tool outside the view cannot
// be called under any name. The same view in front of the sample server answering with event
// streams, with JSON bodies, and over stdio, because each reaches the client by its own path.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { initializeMessage, postJson, sampleServer, startMoat, startSampleServer, stop } from './helpers.mjs';

const view = `
    tools:
      allow: [say, whoami, pid, test_simple_text]
      deny: [pid]
      override:
        echo: { name: say, description: "Repeats your message back to you" }
        test_simple_text: { description: "A short fixed text" }`;

let streaming, json, moat;
before(async () => {
  streaming = await startSampleServer('http');
  json = await startSampleServer('http', ['--json-response']);
  moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  events:
    path: /events/mcp
    upstream: { url: ${streaming.url} }${view}
  json:
    path: /json/mcp
    upstream: { url: ${json.url} }${view}
  stdio:
    path: /stdio/mcp
    upstream: { transport: stdio, command: node, args: ["${sampleServer}", "--transport", "stdio"] }${view}
  untouched:
    path: /untouched/mcp
    upstream: { url: ${streaming.url} }
`);
});
after(async () => {
  await stop(moat?.child);
  await stop(streaming?.child);
  await stop(json?.child);
});

async function connect(route) {
  const client = new Client({ name: 'tools-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/${route}/mcp`)));
  return client;
}

for (const route of ['events', 'json', 'stdio']) {
  describe(`the tool view in front of the ${route} server`, () => {
    test('tools/list shows the allowed tools under their new names and descriptions, the rest of each tool as the server gave it', async () => {
      const client = await connect(route);
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), ['say', 'test_simple_text', 'whoami']);
        const say = tools.find((t) => t.name === 'say');
        assert.equal(say.description, 'Repeats your message back to you');
        assert.ok(say.inputSchema.properties.message, 'the schema of echo travels with its new name');
        assert.equal(tools.find((t) => t.name === 'test_simple_text').description, 'A short fixed text');
        assert.equal(tools.find((t) => t.name === 'whoami').description, (await untouchedTools()).find((t) => t.name === 'whoami').description);
      } finally {
        await client.close();
      }
    });

    test('a call under the new name reaches the server\'s tool; the old name, a denied and an unlisted tool are unknown tools', async () => {
      const client = await connect(route);
      try {
        const said = await client.callTool({ name: 'say', arguments: { message: 'through the view' } });
        assert.match(said.content[0].text, /through the view/);
        for (const hidden of ['echo', 'pid', 'sleep']) {
          await assert.rejects(client.callTool({ name: hidden, arguments: { message: 'x', ms: 1 } }),
            (error) => error.code === -32602 && error.message.includes(`Unknown tool: ${hidden}`), hidden);
        }
      } finally {
        await client.close();
      }
    });
  });
}

async function untouchedTools() {
  const client = await connect('untouched');
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

describe('without a tool view', () => {
  test('every tool is listed and callable under the server\'s names', async () => {
    const names = (await untouchedTools()).map((t) => t.name);
    for (const name of ['echo', 'pid', 'sleep', 'whoami']) assert.ok(names.includes(name), name);
  });
});

describe('a batch (protocol 2025-03-26) with a hidden tool in it', () => {
  test('is refused whole, before any of it reaches the server', async () => {
    const init = await postJson(`${moat.base}/json/mcp`, { ...initializeMessage(), params: { ...initializeMessage().params, protocolVersion: '2025-03-26' } });
    const session = init.headers.get('mcp-session-id');
    await init.text();
    const headers = { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-03-26' };
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'say', arguments: { message: 'a' } } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'pid', arguments: {} } },
    ];
    const refused = await postJson(`${moat.base}/json/mcp`, batch, headers);
    assert.equal(refused.status, 200);
    const answer = await refused.json();
    assert.equal(answer.error.code, -32602);
    assert.match(answer.error.message, /Unknown tool: pid/);
  });
});

describe('what a client cannot do to get past the view', () => {
  // Raw requests, as a hostile client sends them, on a session of the JSON route.
  async function session() {
    const init = await postJson(`${moat.base}/json/mcp`, initializeMessage());
    const headers = { 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
    await init.text();
    return headers;
  }
  const listed = async (answer) => (await answer.json()).result.tools.map((t) => t.name).sort();

  test('whitespace before the message and an escaped method name are read as the server reads them', async () => {
    const headers = await session();
    const hidden = await postJson(`${moat.base}/json/mcp`, ` \n {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pid","arguments":{}}}`, headers);
    assert.equal((await hidden.json()).error.code, -32602);
    const spaced = await postJson(`${moat.base}/json/mcp`, ` \n {"jsonrpc":"2.0","id":3,"method":"tools/list"}`, headers);
    assert.deepEqual(await listed(spaced), ['say', 'test_simple_text', 'whoami']);
    const escaped = await postJson(`${moat.base}/json/mcp`, '{"jsonrpc":"2.0","id":4,"method":"tools\\/list"}', headers);
    assert.deepEqual(await listed(escaped), ['say', 'test_simple_text', 'whoami']);
  });

  test('member names in another case, and a tools/list inside a batch, are refused', async () => {
    const headers = await session();
    for (const body of ['{"jsonrpc":"2.0","id":5,"Method":"tools/call","params":{"name":"pid"}}',
      '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"NAME":"pid","name":"say","arguments":{"message":"x"}}}',
      '[{"jsonrpc":"2.0","id":7,"method":"tools\\/list"}]']) {
      const answer = await postJson(`${moat.base}/json/mcp`, body, headers);
      assert.equal(answer.status, 400, body);
      assert.equal((await answer.json()).error.code, -32600);
    }
  });
});
