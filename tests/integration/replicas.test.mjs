// Replicas: three Moat processes behind nginx round robin (no stickiness) share their session
// bindings through a real redis-server (session-redis), so a session opened on one replica
// continues on the others, the MCP conformance server scenarios pass through nginx as they do
// directly, and a session id presented with another user's key is refused by a replica that
// never saw the session. A stream cut by a replica killed with SIGKILL resumes on another from
// Last-Event-ID. Redis killed: new sessions get 503 (fail closed), then all recovers.
// Sessions that live in one replica's stdio process are forwarded to it by the others over the
// signed internal listener; its death turns them into 404, and a wrong key is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, postJson, sampleServer, start, startMoat, startSampleServer, stop } from './helpers.mjs';
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

// Reads an SSE response until `done(text)` holds or the stream ends; returns what was read.
async function readEvents(response, done = () => false) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      break;  // the connection was cut
    }
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    if (done(text)) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return text;
}

const eventIds = (text) => [...text.matchAll(/^id: ?(.+)$/gm)].map((m) => m[1].trim());

const redisCli = (port, ...args) =>
  spawnSync('redis-cli', ['-p', String(port), '-a', redisPassword, '--no-auth-warning', ...args], { encoding: 'utf8' }).stdout.trim();

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
    assert.equal(redisCli(redisPort, 'GET', `moat:session:sample:${session}`), '"alice"');
    const ttl = Number(redisCli(redisPort, 'PTTL', `moat:session:sample:${session}`));
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

  test('a replica killed with SIGKILL mid-stream: the session continues on another, and the stream resumes there from Last-Event-ID', async () => {
    const victim = replicas[2];
    const headers = { 'X-API-Key': keys.alice, 'MCP-Protocol-Version': '2025-11-25' };
    const init = await postJson(`${victim.base}/mcp`, initializeMessage(), headers);
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id');
    await init.text();
    const withSession = { ...headers, 'Mcp-Session-Id': session };
    await (await postJson(`${victim.base}/mcp`, { jsonrpc: '2.0', method: 'notifications/initialized' }, withSession)).text();
    const call = await postJson(`${victim.base}/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'cut' } } },
      withSession);
    assert.equal(call.status, 200);
    assert.match(call.headers.get('content-type'), /text\/event-stream/);
    // The first event with an id has passed the victim; then it dies.
    const before = await readEvents(call, (text) => eventIds(text).length > 0 && /"progress":0/.test(text));
    const seen = eventIds(before);
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));

    // Another replica serves the session (its binding is in Redis) and resumes the stream.
    const resumed = await fetch(`${replicas[0].base}/mcp`, {
      headers: { ...withSession, Accept: 'text/event-stream', 'Last-Event-ID': seen.at(-1) },
    });
    assert.equal(resumed.status, 200);
    const after = await readEvents(resumed, (text) => /"id":2,"result"|"result":.*"id":2/.test(text));
    assert.match(after, /Completed step 100 of 100/);
    assert.match(after, /"text":"cut"/, 'the call\'s result arrives on the resumed stream');
    for (const id of eventIds(after)) assert.ok(!seen.includes(id), `event ${id} was delivered twice`);

    const echoed = await postJson(`${replicas[1].base}/mcp`, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'still here' } } },
      withSession);
    assert.equal(echoed.status, 200);
    assert.match(await echoed.text(), /still here/);
  });
});

describe('sessions living in one replica\'s stdio process are forwarded to it', () => {
  const key = path.join(dir, 'replica-key');
  const wrongKey = path.join(dir, 'wrong-replica-key');
  writeFileSync(key, `${createHash('sha256').update('replica-key').digest('hex')}\n`);
  writeFileSync(wrongKey, `${createHash('sha256').update('another key').digest('hex')}\n`);
  let redisPort;
  let redis;
  let replicas;
  let nginx;

  const stdioYaml = (internalPort, secretFile = key) => `
listen: { port: {{PORT}} }
sessions:
  store:
    plugin: session-redis
    config: { url: "redis://127.0.0.1:${redisPort}/0", password_file: "${path.join(dir, 'redis-password')}", timeout: 500ms }
  replicas: { address: 127.0.0.1, port: ${internalPort}, secret_file: "${secretFile}", connect_timeout: 1s }
servers:
  sample:
    path: /mcp
    upstream: { transport: stdio, command: node, args: ["${sampleServer}", "--transport", "stdio"] }
    pipeline:
      - plugin: auth-apikey
        config: { keys_file: "${path.join(dir, 'keys')}" }
`;

  async function startReplica(secretFile) {
    const internalPort = await freePort();
    const replica = await startMoat(stdioYaml(internalPort, secretFile));
    return { ...replica, internal: `http://127.0.0.1:${internalPort}` };
  }

  const forwards = async (replica) => {
    const text = await (await fetch(`${replica.diagnostics}/metrics`)).text();
    return Number(/^moat_replica_forwards_total (\d+)/m.exec(text)?.[1] ?? 0);
  };

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    replicas = [];
    for (let i = 0; i < 3; ++i) replicas.push(await startReplica());
    nginx = await startNginx(replicas.map((r) => r.port));
  });
  after(async () => {
    if (nginx) nginx.child.kill();
    for (const replica of replicas ?? []) await stop(replica.child);
    if (redis) await stop(redis);
  });

  test('a stdio session continues through nginx round robin: the replicas that do not run its process forward to the one that does', async () => {
    const { client, transport } = await connect(nginx.url, keys.alice);
    for (let i = 0; i < 6; ++i) {
      const echoed = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
      assert.match(echoed.content[0].text, new RegExp(`call ${i}`));
    }
    // A streamed answer crosses the hop event by event.
    const progress = [];
    const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual(progress, [0, 50, 100]);
    assert.ok(result.content[0].text);

    const session = transport.sessionId;
    const binding = JSON.parse(redisCli(redisPort, 'GET', `moat:session:sample:${session}`));
    assert.equal(binding.subject, 'alice');
    const owner = replicas.find((r) => r.internal === binding.owner);
    assert.ok(owner, `the binding names a replica's internal listener (${binding.owner})`);
    const others = replicas.filter((r) => r !== owner);
    const forwarded = (await Promise.all(others.map(forwards))).reduce((a, b) => a + b, 0);
    assert.ok(forwarded >= 4, `the other replicas forwarded ${forwarded} requests`);
    assert.equal(await forwards(owner), 0, 'the owner serves its own sessions');

    // Bob's key with Alice's session is refused before anything is forwarded.
    const asBob = await postJson(`${others[0].base}/mcp`, { jsonrpc: '2.0', id: 9, method: 'tools/list' },
      { 'X-API-Key': keys.bob, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(asBob.status, 403);
    await asBob.text();
    await transport.terminateSession();  // DELETE, wherever it lands, ends the process on the owner
    await client.close();
    assert.equal(redisCli(redisPort, 'EXISTS', `moat:session:sample:${session}`), '0');
  });

  test('the internal listener refuses an unsigned request, and a replica with the wrong key', async () => {
    const { client, transport } = await connect(`${replicas[0].base}/mcp`, keys.alice);
    await client.callTool({ name: 'echo', arguments: { message: 'mine' } });
    const message = { jsonrpc: '2.0', id: 4, method: 'tools/list' };
    const unsigned = await postJson(replicas[0].internal, message,
      { 'Mcp-Session-Id': transport.sessionId, 'MCP-Protocol-Version': '2025-11-25', 'X-Moat-Replica-Route': 'sample' });
    assert.equal(unsigned.status, 403);
    assert.match((await unsigned.json()).error.message, /not signed/);

    const stranger = await startReplica(wrongKey);
    try {
      const refused = await postJson(`${stranger.base}/mcp`, message,
        { 'X-API-Key': keys.alice, 'Mcp-Session-Id': transport.sessionId, 'MCP-Protocol-Version': '2025-11-25' });
      assert.equal(refused.status, 403);
      assert.match((await refused.json()).error.message, /signature does not match/);
      assert.match(replicas[0].child.output.text, /refused a forwarded request/);
      // The session is untouched for the replicas that hold the key.
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'still mine' } });
      assert.match(echoed.content[0].text, /still mine/);
    } finally {
      await stop(stranger.child);
    }
    await client.close();
    for (const replica of replicas) assert.ok(!replica.child.output.text.includes(readFileSync(key, 'utf8').trim()), 'the replica key is never logged');
  });

  test('the owner killed with SIGKILL: its sessions get 404 on the others, and a new session works', async () => {
    const victim = replicas[2];
    const { client, transport } = await connect(`${victim.base}/mcp`, keys.alice);
    await client.callTool({ name: 'echo', arguments: { message: 'before' } });
    const session = transport.sessionId;
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));

    const gone = await postJson(`${replicas[0].base}/mcp`, { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      { 'X-API-Key': keys.alice, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(gone.status, 404);
    assert.match((await gone.json()).error.message, /initialize again/);
    assert.equal(redisCli(redisPort, 'EXISTS', `moat:session:sample:${session}`), '0', 'the dead session is forgotten');
    const again = await postJson(`${replicas[1].base}/mcp`, { jsonrpc: '2.0', id: 6, method: 'tools/list' },
      { 'X-API-Key': keys.alice, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(again.status, 404);
    await again.text();

    const { client: fresh } = await connect(`${replicas[0].base}/mcp`, keys.alice);
    const echoed = await fresh.callTool({ name: 'echo', arguments: { message: 'new session' } });
    assert.match(echoed.content[0].text, /new session/);
    await fresh.close();
  });
});
