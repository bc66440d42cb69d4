// `moat run` the way thv users run servers: a stdio command served on a local URL, detached,
// listed, reached by the TypeScript SDK client, its log read, stopped and removed; state files in
// a private state directory that outlive the process; and the --oidc-* flags on run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { childrenOf, initializeMessage, moatBin, postJson, sampleServer, stop } from './helpers.mjs';
import { clientCredentialsToken, makeKeys, startIdp } from './idp/idp-helpers.mjs';

const stateDir = mkdtempSync(path.join(tmpdir(), 'moat-state-'));
const env = { ...process.env, MOAT_STATE_DIR: path.join(stateDir, 'state') };
const moat = (args) => spawnSync(moatBin, args, { env, encoding: 'utf8', timeout: 30000 });

function listed() {
  const out = execFileSync(moatBin, ['list'], { env, encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').slice(1).map((line) => {
    const [name, state, pid, url] = line.split(/\s+/);
    return [name, { state, pid: Number(pid), url }];
  }));
}

// Gone, or a zombie waiting for an init that does not reap (as in some containers).
function processGone(pid) {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

async function connect(url, headers = {}) {
  const client = new Client({ name: 'run-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('moat run', () => {
  after(() => { for (const name of Object.keys(listed())) moat(['rm', name]); });

  test('--detach serves the command, prints client snippets, and list/logs/stop/rm manage it', async () => {
    const run = moat(['run', '--name', 'sample', '-e', 'GREETING=hello', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    assert.match(run.stdout, new RegExp(`claude mcp add --transport http sample ${url.replaceAll('/', '\\/')}`));
    assert.match(run.stdout, /"type": "http"/);

    const entry = listed().sample;
    assert.equal(entry.state, 'running');
    assert.equal(entry.url, url);
    const client = await connect(url);
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'through moat run' } });
    assert.match(echoed.content[0].text, /through moat run/);
    await client.close();

    const again = moat(['run', '--name', 'sample', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already running/);

    const logs = moat(['logs', 'sample']);
    assert.match(logs.stdout, /started a server process for a new session/);
    assert.match(logs.stdout, /POST \/mcp/);

    assert.equal(moat(['stop', 'sample']).status, 0);
    assert.equal(listed().sample.state, 'stopped');
    assert.ok(processGone(entry.pid), 'the gateway process is gone');
    assert.equal(moat(['rm', 'sample']).status, 0);
    assert.equal(listed().sample, undefined);
    assert.deepEqual(readdirSync(path.join(env.MOAT_STATE_DIR, 'logs')), []);
  });

  test('a gateway killed with SIGKILL: listed as exited, its server process gone, the others untouched; restart brings it back on its URL', async () => {
    const run = moat(['run', '--name', 'doomed', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(moat(['run', '--name', 'bystander', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']).status, 0);
    const { pid, url } = listed().doomed;
    // A session makes the gateway start its server process.
    const session = await connect(url);
    const [server] = childrenOf(pid);
    assert.ok(server, 'the session has a server process');
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(listed().doomed.state, 'exited');
    // Its stdin closed with the gateway: MCP's stdio shutdown, so it leaves no orphan behind.
    for (let i = 0; i < 50 && !processGone(server); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(processGone(server), 'the killed gateway\'s server process exited');
    await session.close().catch(() => {});
    assert.equal(listed().bystander.state, 'running');
    const bystander = await connect(listed().bystander.url);
    assert.match((await bystander.callTool({ name: 'echo', arguments: { message: 'still here' } })).content[0].text, /still here/);
    await bystander.close();
    assert.equal(moat(['rm', 'bystander']).status, 0);
    const mode = statSync(path.join(env.MOAT_STATE_DIR, 'workloads', 'doomed.json')).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.equal(statSync(env.MOAT_STATE_DIR).mode & 0o777, 0o700);

    // restart brings it back as it was run, on the same URL.
    const before = listed().doomed;
    const restarted = moat(['restart', 'doomed']);
    assert.equal(restarted.status, 0, restarted.stderr);
    const after = listed().doomed;
    assert.equal(after.state, 'running');
    assert.notEqual(after.pid, pid);
    assert.equal(after.url, before.url);
    const client = await connect(after.url);
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'restarted' } });
    assert.match(echoed.content[0].text, /restarted/);
    await client.close();
    assert.equal(moat(['rm', 'doomed']).status, 0);
    assert.ok(processGone(after.pid), 'rm stops the restarted gateway');
  });

  test('usage errors name the problem and start nothing', () => {
    const none = moat(['run', '--name', 'x']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give the server's command after --/);
    const badName = moat(['run', '--name', 'Bad Name!', '--', 'true']);
    assert.equal(badName.status, 2);
    assert.match(badName.stderr, /--name uses only/);
    const badEnv = moat(['run', '-e', 'NOEQUALS', '--', 'true']);
    assert.equal(badEnv.status, 2);
    assert.match(badEnv.stderr, /KEY=VALUE/);
    const missing = moat(['stop', 'nothing-here']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no workload named nothing-here/);
  });
});

describe('moat run with --oidc-* flags', () => {
  let idp;
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-run-idp-'));
  before(async () => { idp = await startIdp(await makeKeys(['RS256:key-1']), { dir }); });
  after(async () => {
    moat(['rm', 'protected']);
    await stop(idp?.child);
  });

  test('the stdio server is reachable only with a token from the issuer', async () => {
    const run = moat(['run', '--name', 'protected', '--detach', '--oidc-issuer', idp.issuer, '--oidc-scopes', 'mcp:read',
      '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    const anonymous = await postJson(url, initializeMessage());
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate'), /resource_metadata=/);
    const token = await clientCredentialsToken(idp, url, 'mcp:read');
    const client = await connect(url, { Authorization: `Bearer ${token}` });
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'echo'));
    await client.close();
  });
});
