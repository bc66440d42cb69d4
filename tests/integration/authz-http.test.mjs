// authz-http against a real policy decision point: Open Policy Agent (built from its Go module,
// tests/opa) serving a Rego policy through its Data API. oidc-provider issues alice (group
// engineering) and bob (group sales) their tokens; each lists and calls only what the policy
// allows. Then OPA is killed: every decision not yet made is refused (403), never allowed.
// ToolHive's PORC /decision shape is the same document without OPA's {"input": ...} wrapping;
// its PDP (Manetu's PolicyEngine) cannot run here, so that shape's wire format is pinned by the
// plugin's unit tests instead (plugins/authz-http/tests).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, repoRoot, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, startIdp, userTokens } from './idp/idp-helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-authz-http-'));
const rego = `package mcp

default allow := false

allow if {
	input.operation == "mcp:tool:call"
	input.resource == "mrn:mcp:moat:tool:echo"
}

allow if {
	input.operation == "mcp:tool:call"
	"engineering" in input.principal.mgroups
	input.context.mcp.resource_id != "flood"
}
`;

async function startOpa(port) {
  const binary = execFileSync(path.join(repoRoot, 'scripts/opa'), { encoding: 'utf8' }).trim();
  const policy = path.join(dir, 'mcp.rego');
  writeFileSync(policy, rego);
  // OPA logs this line (JSON, level info) as it starts its listener; /health says when it serves.
  const child = await start(binary, ['run', '--server', '--addr', `127.0.0.1:${port}`, policy], { ready: /Initializing server/, timeoutMs: 30000 });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('OPA did not become healthy');
}

let idp, sample, opa, opaPort, moat, tokens;
before(async () => {
  idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
  sample = await startSampleServer('http');
  opaPort = await freePort();
  opa = await startOpa(opaPort);
  moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  tools:
    path: /mcp
    upstream: { url: ${sample.url} }
    pipeline:
      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:tools] }
      - plugin: authz-http
        config: { url: "http://127.0.0.1:${opaPort}/v1/data/mcp/allow", shape: opa, timeout: 1s, decision_cache_size: 0 }
`);
  tokens = {};
  for (const user of ['alice', 'bob']) tokens[user] = (await userTokens(idp, user, `${moat.base}/mcp`)).access_token;
});
after(async () => {
  await stop(moat?.child);
  await stop(opa);
  await stop(sample?.child);
  await stop(idp?.child);
});

async function as(user, work) {
  const client = new Client({ name: 'authz-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${tokens[user]}` } } }));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

describe('authz-http with Open Policy Agent deciding', () => {
  test('the Rego policy decides each caller\'s list and calls', async () => {
    const bob = await as('bob', async (c) => {
      const names = (await c.listTools()).tools.map((t) => t.name);
      assert.match((await c.callTool({ name: 'echo', arguments: { message: 'via opa' } })).content[0].text, /via opa/);
      await assert.rejects(c.callTool({ name: 'pid', arguments: {} }), (e) => e.code === 403 && /tool pid is not allowed/.test(e.message));
      return names;
    });
    assert.deepEqual(bob, ['echo']);
    const alice = await as('alice', async (c) => {
      const names = (await c.listTools()).tools.map((t) => t.name);
      assert.match((await c.callTool({ name: 'pid', arguments: {} })).content[0].text, /\d+/);
      return names;
    });
    for (const tool of ['echo', 'pid', 'whoami']) assert.ok(alice.includes(tool), tool);
    assert.ok(!alice.includes('flood'));
  });

  test('with OPA killed, every decision is refused (403), never allowed, and the gateway says why', async () => {
    await stop(opa, 'SIGKILL');
    const mark = moat.child.output.text.length;
    await as('alice', async (c) => {
      assert.deepEqual((await c.listTools()).tools, [], 'no item is shown without a decision');
      await assert.rejects(c.callTool({ name: 'pid', arguments: {} }), (e) => e.code === 403);
    });
    assert.match(moat.child.output.text.slice(mark), /the authorizer could not decide; denied.*cannot be reached/);
  });
});
