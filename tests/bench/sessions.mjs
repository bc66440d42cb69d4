// What sharing sessions costs: two otherwise identical gateways behind auth-apikey, one keeping
// its session bindings in process and one sharing them through session-redis with a real
// redis-server on the same machine, measured in the same run with rounds interleaved: tool calls
// on an open session (the binding known locally; Redis only renews it now and then) and new
// sessions (each one written to Redis before its answer goes out). Target: median latency of
// tool calls with Redis at most 10% above in process at 16 clients. Then Redis's memory per
// session, from INFO memory over the sessions the run opened.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, start, startMoat, startSampleServer, stop } from '../integration/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function redisInfo(port, field) {
  const out = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'memory'], { encoding: 'utf8' }).stdout;
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(out)[1]);
}

function newSessions(url, connections, seconds, authorization) {
  const out = execFileSync('wrk', ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s',
    '-s', path.join(here, 'initialize.lua'), url], { env: { ...process.env, MCP_AUTHORIZATION: authorization }, encoding: 'utf8' });
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('BENCH_JSON ')).slice('BENCH_JSON '.length));
  return { rps: r.requests / (r.duration_us / 1e6), p50_us: r.p50_us, errors: r.errors, requests: r.requests };
}

export async function measureSessions({ wrk, openSession, median, seconds, rounds, levels }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-bench-sessions-'));
  const key = 'bench-key-5a1e';
  writeFileSync(path.join(dir, 'keys'), `bench:sha256:${createHash('sha256').update(key).digest('hex')}\n`);
  const authorization = `Bearer ${key}`;
  const redisPort = await freePort();
  const redis = await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { ready: /Ready to accept connections/ });
  const sample = await startSampleServer('http', ['--json-response']);
  const gateway = (sessions) => startMoat(`${sessions}
  listen: {address: 127.0.0.1, port: {{PORT}}, threads: 320, requests_per_second_per_subject: 0, sessions_per_subject: 10000000}
  log: {level: warn}
  servers:
    bench:
      path: /mcp
      upstream: {url: "${sample.url}"}
      pipeline:
        - plugin: auth-apikey
          config: {keys_file: "${path.join(dir, 'keys')}", header: Authorization}`);
  const gateways = {
    'in process': await gateway(''),
    redis: await gateway(`
  sessions:
    store:
      plugin: session-redis
      config: {url: "redis://127.0.0.1:${redisPort}/0"}`),
  };
  const targets = Object.entries(gateways).map(([name, moat]) => ({ name, url: `${moat.base}/mcp`, pid: moat.child.pid }));
  const calls = [];
  const opens = [];
  let memory = null;
  try {
    for (const target of targets) {
      target.sessionId = await openSession(target.url, authorization);
      wrk(target.url, target.sessionId, 8, 1, authorization);
    }
    for (const connections of levels) {
      const runs = new Map(targets.map((t) => [t.name, []]));
      for (let round = 0; round < rounds; ++round)
        for (const target of targets) runs.get(target.name).push(wrk(target.url, target.sessionId, connections, seconds, authorization, target.pid));
      const [local, shared] = targets.map((t) => runs.get(t.name));
      calls.push(row(connections, local, shared, median));
    }
    const usedBefore = redisInfo(redisPort, 'used_memory');
    const keysBefore = Number(spawnSync('redis-cli', ['-p', String(redisPort), 'DBSIZE'], { encoding: 'utf8' }).stdout);
    for (const connections of levels) {
      const runs = new Map(targets.map((t) => [t.name, []]));
      for (let round = 0; round < rounds; ++round)
        for (const target of targets) runs.get(target.name).push(newSessions(target.url, connections, seconds, authorization));
      const [local, shared] = targets.map((t) => runs.get(t.name));
      opens.push(row(connections, local, shared, median));
    }
    const keys = Number(spawnSync('redis-cli', ['-p', String(redisPort), 'DBSIZE'], { encoding: 'utf8' }).stdout) - keysBefore;
    const bytes = (redisInfo(redisPort, 'used_memory') - usedBefore) / keys;
    memory = { sessions: keys, bytes_per_session: bytes, sessions_per_gib: (1024 ** 3) / bytes };
  } finally {
    for (const moat of Object.values(gateways)) await stop(moat.child);
    await stop(sample.child);
    await stop(redis);
  }
  return { calls, opens, memory };
}

function row(connections, local, shared, median) {
  return {
    connections,
    p50_local_us: median(local.map((r) => r.p50_us)), p50_redis_us: median(shared.map((r) => r.p50_us)),
    p50_ratio: median(shared.map((r, i) => r.p50_us / local[i].p50_us)),
    rps_local: median(local.map((r) => r.rps)), rps_redis: median(shared.map((r) => r.rps)),
    errors: [...local, ...shared].reduce((n, r) => n + r.errors, 0),
  };
}

export function sessionsReport({ calls, opens, memory }, seconds, rounds) {
  const table = (rows) => ['| clients | p50 µs in process | p50 µs Redis | p50 Redis ÷ in process | req/s in process | req/s Redis | errors |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.connections} | ${r.p50_local_us} | ${r.p50_redis_us} | ${r.p50_ratio.toFixed(3)} | ${r.rps_local.toFixed(0)} | ${r.rps_redis.toFixed(0)} | ${r.errors} |`)];
  return ['', `What sharing sessions costs: behind auth-apikey, bindings in process against session-redis (a redis-server on the same machine); ${rounds} interleaved rounds of ${seconds}s, medians.`, '',
    'tools/call on an open session (target: Redis ÷ in process ≤ 1.10 at 16 clients):', '', ...table(calls), '',
    'A new session per request (initialize; each binding written to Redis before the answer goes out):', '', ...table(opens), '',
    memory ? `Redis memory: ${memory.sessions} sessions took ${memory.bytes_per_session.toFixed(0)} bytes each, about ${(memory.sessions_per_gib / 1e6).toFixed(1)} million sessions per GiB.` : ''];
}
