// Replicas: three Moat processes behind nginx round robin (no stickiness) share their session
// bindings through a real redis-server (session-redis), so a session opened on one replica
// continues on the others, the MCP conformance server scenarios pass through nginx as they do
// directly, and a session id presented with another user's key is refused by a replica that
// never saw the session. Redis killed: new sessions get 503 (fail closed), then all recovers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, postJson, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { results, runSuite, suites } from './conformance-lib.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-replicas-'));
const redisPassword = 'redis-pass-8e1f3c';
const keys = { alice: 'alice-key-0f9a', bob: 'bob-key-77c2' };
writeFileSync(path.join(dir, 'keys'), Object.entries(keys).map(([name, key]) => `${name}:sha256:${createHash('sha256').update(key).digest('hex')}`).join('\n') + '\n');
writeFileSync(path.join(dir, 'redis-password'), `${redisPassword}\n`);

async function startRedis(port) {
  return start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', redisPassword],
    { ready: /Ready to accept connections/ });
}

async function startNginx(ports) {
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  upstream replicas { ${ports.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
`);
  const child = spawn('nginx', ['-c', conf, '-e', `${dir}/nginx-error.log`], { stdio: 'ignore' });
  for (let i = 0; i < 100; ++i) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return { child, url: `http://127.0.0.1:${port}/mcp` };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('nginx did not start');
}

const gatewayYaml = (redisPort, upstreamUrl, { password = path.join(dir, 'redis-password'), withAuth = true } = {}) => `
listen: { port: {{PORT}} }
sessions:
  store:
    plugin: session-redis
    config: { url: "redis://127.0.0.1:${redisPort}/0", password_file: "${password}", timeout: 500ms }
servers:
  sample:
    path: /mcp
    upstream: { url: ${upstreamUrl} }
${withAuth ? `    pipeline:
      - plugin: auth-apikey
        config: { keys_file: "${path.join(dir, 'keys')}" }` : ''}
`;

async function connect(url, key) {
  const client = new Client({ name: 'replicas-test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'X-API-Key': key } } });
  await client.connect(transport);
  return { client, transport };
}

describe('replicas sharing sessions through Redis', () => {
  let redisPort;
  let redis;
  let upstream;
  let replicas;
  let nginx;

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    upstream = await startSampleServer();
    replicas = [];
    for (let i = 0; i < 3; ++i) replicas.push(await startMoat(gatewayYaml(redisPort, upstream.url)));
    nginx = await startNginx(replicas.map((r) => r.port));
  });
  after(async () => {
    if (nginx) nginx.child.kill();
    for (const replica of replicas ?? []) await stop(replica.child);
    if (upstream) await stop(upstream.child);
    if (redis) await stop(redis);
  });

  test('a session opened through nginx continues on every replica; another user\'s key is refused on each', async () => {
    const { client, transport } = await connect(nginx.url, keys.alice);
    for (let i = 0; i < 9; ++i) {
      const echoed = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
      assert.match(echoed.content[0].text, new RegExp(`call ${i}`));
    }
    const session = transport.sessionId;
    assert.ok(session);
    // Every replica answers for the session: the ones that did not open it learnt it from Redis.
    for (const replica of replicas) {
      const asAlice = await postJson(`${replica.base}/mcp`, { jsonrpc: '2.0', id: 7, method: 'tools/list' },
        { 'X-API-Key': keys.alice, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' });
      const answer = await asAlice.text();
      assert.equal(asAlice.status, 200, answer);
      assert.match(answer, /"echo"/);
      const asBob = await postJson(`${replica.base}/mcp`, { jsonrpc: '2.0', id: 8, method: 'tools/list' },
        { 'X-API-Key': keys.bob, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' });
      assert.equal(asBob.status, 403);
      assert.equal((await asBob.json()).error.message, 'this session belongs to another identity');
    }
    // The binding is in Redis, under the route, and holds the subject, never a key.
    const stored = spawnSync('redis-cli', ['-p', String(redisPort), '-a', redisPassword, '--no-auth-warning', 'GET', `moat:session:sample:${session}`], { encoding: 'utf8' });
    assert.equal(stored.stdout.trim(), '"alice"');
    const ttl = Number(spawnSync('redis-cli', ['-p', String(redisPort), '-a', redisPassword, '--no-auth-warning', 'PTTL', `moat:session:sample:${session}`], { encoding: 'utf8' }).stdout);
    assert.ok(ttl > 0 && ttl <= 30 * 60 * 1000, `expires (PTTL ${ttl})`);
    await client.close();
  });

  test('the MCP conformance server scenarios pass through nginx and three replicas as they do directly', async () => {
    const anonymous = [];
    for (let i = 0; i < 3; ++i) anonymous.push(await startMoat(gatewayYaml(redisPort, upstream.url, { withAuth: false })));
    const front = await startNginx(anonymous.map((r) => r.port));
    try {
      const suite = suites['2025-11-25'];
      await runSuite(suite, upstream.url, path.join(dir, 'direct'));
      await runSuite(suite, front.url, path.join(dir, 'replicas'));
      const direct = results(path.join(dir, 'direct'));
      const through = results(path.join(dir, 'replicas'));
      const passing = Object.keys(direct).filter((s) => direct[s].ok);
      assert.ok(passing.length >= 20, `only ${passing.length} scenarios pass directly`);
      assert.deepEqual(passing.filter((s) => !through[s]?.ok), [], 'a scenario passing directly fails through the replicas');
    } finally {
      front.child.kill();
      for (const replica of anonymous) await stop(replica.child);
    }
  });

  test('Redis gone: new sessions are refused with 503 and a clear log line; a replica that knows a session keeps it; back: all recovers', async () => {
    const { client, transport } = await connect(`${replicas[0].base}/mcp`, keys.alice);
    await client.callTool({ name: 'echo', arguments: { message: 'before' } });
    await stop(redis);
    redis = null;

    const refused = await postJson(`${replicas[0].base}/mcp`, initializeMessage(), { 'X-API-Key': keys.alice });
    assert.equal(refused.status, 503);
    const body = await refused.json();
    assert.equal(body.error.code, -32013);
    assert.match(replicas[0].child.output.text, /session store unavailable|Redis at 127\.0\.0\.1:\d+ is unreachable/);
    // The replica that opened the session still knows it; one that must ask Redis fails closed.
    const kept = await client.callTool({ name: 'echo', arguments: { message: 'during' } });
    assert.match(kept.content[0].text, /during/);
    const unknown = await postJson(`${replicas[1].base}/mcp`, { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      { 'X-API-Key': keys.alice, 'Mcp-Session-Id': transport.sessionId, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(unknown.status, 503);
    await unknown.text();

    redis = await startRedis(redisPort);
    let fresh;
    for (let i = 0; i < 100 && fresh?.status !== 200; ++i) {
      if (fresh) await fresh.text();
      await new Promise((r) => setTimeout(r, 100));
      fresh = await postJson(`${replicas[0].base}/mcp`, initializeMessage(), { 'X-API-Key': keys.alice });
    }
    assert.equal(fresh.status, 200, 'a new session once Redis is back');
    await fresh.text();
    assert.match(replicas[0].child.output.text, /Redis at 127\.0\.0\.1:\d+ is reachable again/);
    // The session that lived through the outage is written again as it is used.
    await client.callTool({ name: 'echo', arguments: { message: 'after' } });
    await client.close();
    for (const replica of replicas) assert.ok(!replica.child.output.text.includes(redisPassword), 'the Redis password is never logged');
  });

  test('a wrong Redis password is reported (never printed) and fails closed', async () => {
    writeFileSync(path.join(dir, 'wrong-password'), 'not-the-password\n');
    const wrong = await startMoat(gatewayYaml(redisPort, upstream.url, { password: path.join(dir, 'wrong-password') }));
    try {
      const refused = await postJson(`${wrong.base}/mcp`, initializeMessage(), { 'X-API-Key': keys.alice });
      assert.equal(refused.status, 503);
      await refused.text();
      assert.match(wrong.child.output.text, /Redis refused the login: WRONGPASS/);
      assert.ok(!wrong.child.output.text.includes('not-the-password'));
    } finally {
      await stop(wrong.child);
    }
  });
});
