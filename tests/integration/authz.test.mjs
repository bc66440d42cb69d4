// Authorization end to end: oidc-provider issues alice (group engineering) and bob (group
// sales) their tokens, auth-oidc checks them, authz-cedar decides with Cedar policies in
// ToolHive's model, and real MCP SDK clients see only what they may use: the lists are filtered
// per caller (event-stream and JSON answers), calls outside the policy get 403 with a JSON-RPC
// error that names what was refused and never the policy. A reload swaps the policies; a policy
// file that does not parse is refused and the old policies keep deciding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { initializeMessage, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, startIdp, userTokens } from './idp/idp-helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-authz-'));
const policyFile = path.join(dir, 'policies.cedar');
const policies = `
// Everyone signed in may ask who they are and echo.
permit(principal, action == Action::"call_tool", resource)
  when { [Tool::"whoami", Tool::"echo"].contains(resource) };
// Engineering may call any tool but flood.
permit(principal in THVGroup::"engineering", action == Action::"call_tool", resource);
forbid(principal, action == Action::"call_tool", resource == Tool::"flood");
// Sales get the simple prompt; everyone reads the static text resource.
permit(principal in THVGroup::"sales", action == Action::"get_prompt", resource == Prompt::"test_simple_prompt");
permit(principal, action == Action::"read_resource", resource) when { resource.uri == "test://static-text" };
`;

let idp, events, json, moat, tokens;
before(async () => {
  idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
  events = await startSampleServer('http');
  json = await startSampleServer('http', ['--json-response']);
  writeFileSync(policyFile, policies);
  const route = (name, upstream) => `
  ${name}:
    path: /${name}/mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:tools] }
      - plugin: authz-cedar
        config: { policy_files: ["${policyFile}"] }`;
  moat = await startMoat(`
listen: { port: {{PORT}} }
servers:${route('events', events)}${route('json', json)}
`);
  tokens = {};
  for (const user of ['alice', 'bob']) {
    tokens[user] = {};
    for (const name of ['events', 'json']) tokens[user][name] = (await userTokens(idp, user, `${moat.base}/${name}/mcp`)).access_token;
  }
});
after(async () => {
  await stop(moat?.child);
  await stop(events?.child);
  await stop(json?.child);
  await stop(idp?.child);
});

async function as(user, route, work) {
  const client = new Client({ name: 'authz-test', version: '1.0.0' });
  const headers = { Authorization: `Bearer ${tokens[user][route]}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/${route}/mcp`), { requestInit: { headers } }));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

const names = (items) => items.map((i) => i.name).sort();

for (const route of ['events', 'json']) {
  describe(`Cedar policies in front of the ${route === 'events' ? 'event-stream' : 'JSON'} server`, () => {
    test('each caller lists only the tools, prompts and resources the policies let them use', async () => {
      const bob = await as('bob', route, async (c) => ({
        tools: names((await c.listTools()).tools), prompts: names((await c.listPrompts()).prompts),
        resources: (await c.listResources()).resources.map((r) => r.uri) }));
      assert.deepEqual(bob.tools, ['echo', 'whoami']);
      assert.deepEqual(bob.prompts, ['test_simple_prompt']);
      assert.deepEqual(bob.resources, ['test://static-text']);
      const alice = await as('alice', route, async (c) => ({ tools: names((await c.listTools()).tools), prompts: names((await c.listPrompts()).prompts) }));
      for (const tool of ['echo', 'pid', 'sleep', 'whoami']) assert.ok(alice.tools.includes(tool), tool);
      assert.ok(!alice.tools.includes('flood'), 'forbid wins over the group permit');
      assert.deepEqual(alice.prompts, []);
    });

    test('a call outside the policy is 403 with a JSON-RPC error naming the tool, never the policy; allowed calls go through', async () => {
      await as('bob', route, async (c) => {
        assert.match((await c.callTool({ name: 'echo', arguments: { message: 'hi' } })).content[0].text, /hi/);
        await assert.rejects(c.callTool({ name: 'pid', arguments: {} }), (e) => e.code === 403 && /tool pid is not allowed/.test(e.message) && !/permit|THVGroup/.test(e.message));
        await assert.rejects(c.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } }), /prompt test_prompt_with_arguments is not allowed/);
        assert.equal((await c.getPrompt({ name: 'test_simple_prompt' })).messages.length, 1);
      });
      await as('alice', route, async (c) => {
        assert.match((await c.callTool({ name: 'pid', arguments: {} })).content[0].text, /\d+/);
        await assert.rejects(c.callTool({ name: 'flood', arguments: {} }), /tool flood is not allowed/);
        await assert.rejects(c.readResource({ uri: 'test://static-binary' }), /resource test:\/\/static-binary is not allowed/);
        assert.equal((await c.readResource({ uri: 'test://static-text' })).contents[0].uri, 'test://static-text');
      });
    });
  });
}

describe('what the gate refuses without asking the policies', () => {
  test('a method no policy can decide on, a member name in the wrong case, and a batch are 403', async () => {
    const url = `${moat.base}/json/mcp`;
    const headers = { Authorization: `Bearer ${tokens.alice.json}` };
    const init = await postJson(url, initializeMessage(), headers);
    const session = { ...headers, 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
    await init.text();
    const cases = [
      [{ jsonrpc: '2.0', id: 2, method: 'tools/destroy', params: {} }, /method tools\/destroy is not one/],
      // A server whose JSON decoder ignores case (Go's) would read this as tools/call flood.
      ['{"jsonrpc":"2.0","id":3,"Method":"tools/call","params":{"name":"flood"}}', /wrong case/],
      ['{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"Name":"flood","name":"echo"}}', /wrong case/],
      [[{ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'flood' } }], /batches/],
    ];
    for (const [body, reason] of cases) {
      const answer = await postJson(url, body, session);
      assert.equal(answer.status, 403, JSON.stringify(body));
      const error = (await answer.json()).error;
      assert.equal(error.code, -32003);
      assert.match(error.message, reason);
    }
  });
});

describe('a list request written to slip past the filter', () => {
  test('whitespace before the message and an escaped method name still get the filtered list', async () => {
    const url = `${moat.base}/json/mcp`;
    const headers = { Authorization: `Bearer ${tokens.bob.json}` };
    const init = await postJson(url, initializeMessage(), headers);
    const session = { ...headers, 'Mcp-Session-Id': init.headers.get('mcp-session-id'), 'MCP-Protocol-Version': '2025-11-25' };
    await init.text();
    for (const body of [' \n {"jsonrpc":"2.0","id":2,"method":"tools/list"}', '{"jsonrpc":"2.0","id":3,"method":"tools\\/list"}']) {
      const answer = await postJson(url, body, session);
      assert.deepEqual((await answer.json()).result.tools.map((t) => t.name).sort(), ['echo', 'whoami'], body);
    }
  });
});

describe('reload', () => {
  test('SIGHUP swaps the policies; a policy file that does not parse is refused and the old policies keep deciding', async () => {
    const bobCalls = (tool) => as('bob', 'events', (c) => c.callTool({ name: tool, arguments: {} }).then(() => 'allowed', (e) => (e.code === 403 ? 'denied' : e.message)));
    assert.equal(await bobCalls('pid'), 'denied');
    writeFileSync(policyFile, `${policies}\npermit(principal == Client::"bob", action == Action::"call_tool", resource == Tool::"pid");\n`);
    let mark = moat.child.output.text.length;
    process.kill(moat.child.pid, 'SIGHUP');
    await waitForLog(/configuration reloaded/, mark);
    assert.equal(await bobCalls('pid'), 'allowed');

    writeFileSync(policyFile, `${policies}\npermit(principal, action == Action::"call_tool",\n  resource) when { resource.name == };\n`);
    mark = moat.child.output.text.length;
    process.kill(moat.child.pid, 'SIGHUP');
    const refused = await waitForLog(/reload refused[^\n]*/, mark);
    // The broken line is the second of the policy added after the good ones.
    const brokenLine = `${policies}\npermit(`.split('\n').length + 1;
    assert.match(refused, new RegExp(`policies\\.cedar:${brokenLine}:\\d+`));
    assert.equal(await bobCalls('pid'), 'allowed', 'the last good policies still decide');
  });
});

async function waitForLog(pattern, from) {
  for (let i = 0; i < 100; i++) {
    const match = pattern.exec(moat.child.output.text.slice(from));
    if (match) return moat.child.output.text.slice(from);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no ${pattern} in the gateway's log:\n${moat.child.output.text.slice(from)}`);
}
