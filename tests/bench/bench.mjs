#!/usr/bin/env node
// Moat's data path side by side with the direct connection and with nginx as a plain reverse
// proxy, measured in one run: MCP tools/call on the sample server's echo tool, driven by wrk
// on an initialized session. Prints a table and writes JSON. Figures that count are the ratios
// within one run; absolute numbers move with the machine.
//
//   scripts/bench [--seconds 2] [--rounds 3] [--concurrency 1,16,64,256] [--streams 2000]
//                 [--only http,observability,authz,sessions,stdio,container,streams,jwt,attack] [--attack 2000]
//                 [--out build/bench/results.json]
//
// The HTTP pass-through targets run `rounds` times per level, interleaved; a target's figures
// are the medians over its rounds, and added latency is the median of its per-round difference
// to the direct connection measured in the same round, so drift on a shared machine cancels.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, everythingServer, freePort, moatBin, repoRoot, sampleServer, start, startMoat, startSampleServer, stop } from '../integration/helpers.mjs';
import { clientCredentialsToken, makeKeys, startIdp, userTokens } from '../integration/idp/idp-helpers.mjs';
import { attackReport, measureUnderAttack } from './attack.mjs';
import { authorizationReport, measureAuthorization } from './authz.mjs';
import { measureSessions, sessionsReport } from './sessions.mjs';
import { measureObservability, observabilityReport } from './observability.mjs';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'http,observability,authz,sessions,stdio,container,streams,jwt,attack' },
    attack: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,16,64,256' },
    streams: { type: 'string', default: '2000' },
    out: { type: 'string', default: path.join(repoRoot, 'build/bench/results.json') },
  },
});
const here = path.dirname(new URL(import.meta.url).pathname);
const seconds = Number(options.seconds);
const idleStreams = Number(options.streams);
const levels = options.concurrency.split(',').map(Number);
const rounds = Math.max(1, Number(options.rounds));
const sections = new Set(options.only.split(','));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function startNginx(upstreamPort) {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-bench-nginx-'));
  const port = await freePort();
  const conf = readFileSync(path.join(here, 'nginx.conf.template'), 'utf8')
    .replaceAll('{{DIR}}', dir).replaceAll('{{PORT}}', String(port)).replaceAll('{{UPSTREAM_PORT}}', String(upstreamPort));
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50; ++i) {
    try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return { child, port };
}

async function openSession(url, authorization) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
    ...(authorization ? { Authorization: authorization } : {}) };
  const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'moat-bench', version: '1' } } }) });
  await init.text();
  const sessionId = init.headers.get('mcp-session-id');
  await (await fetch(url, { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return sessionId;
}

// CPU time (ns) that a process and its children have spent so far, summed over their threads'
// schedstat: nanosecond resolution, where /proc/PID/stat counts 10 ms ticks.
function cpuNs(pid) {
  let total = 0;
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;  // gone
  }
  for (const task of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += cpuNs(child);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

// One wrk run; with `proxyPid`, also the proxy's CPU time per request over the run (µs).
function wrk(url, sessionId, connections, durationSeconds, authorization = '', proxyPid = null) {
  const cpuBefore = proxyPid ? cpuNs(proxyPid) : 0;
  const out = execFileSync('wrk', ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${durationSeconds}s`,
    '--timeout', '10s', '-s', path.join(here, 'tools-call.lua'), url], { env: { ...process.env, MCP_SESSION_ID: sessionId, MCP_AUTHORIZATION: authorization }, encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  const r = JSON.parse(line.slice('BENCH_JSON '.length));
  const cpu_us_per_request = proxyPid && r.requests > 0 ? (cpuNs(proxyPid) - cpuBefore) / 1000 / r.requests : null;
  return { rps: r.requests / (r.duration_us / 1e6), p50_us: r.p50_us, p99_us: r.p99_us, errors: r.errors, requests: r.requests, cpu_us_per_request };
}

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

// HTTP pass-through: direct, nginx, Moat, Moat+OIDC, Moat+OIDC+exchange; then cold exchanges.
async function measureHttp() {
  const sample = await startSampleServer('http', ['--json-response']);
  const nginx = await startNginx(sample.port);
  // The identity scenario's IdP: oidc-provider, as in the integration tests.
  const idpDir = mkdtempSync(path.join(tmpdir(), 'moat-bench-idp-'));
  const idp = await startIdp(await makeKeys(['RS256:bench-1']), { dir: idpDir });
  const exchangerSecret = path.join(idpDir, 'exchanger-secret');
  writeFileSync(exchangerSecret, 'exchanger-secret');
  const exchangeStages = (extra) => `
        - plugin: auth-oidc
          config: {issuer: "${idp.issuer}", scopes: [mcp:read]}
        - plugin: exchange-rfc8693
          config: {token_url: "${idp.issuer}/token", client_id: exchanger, client_secret_file: "${exchangerSecret}", audience: backend, scopes: [backend:read]${extra}}`;
  // Cold costs: process start to listening, then the first proxied request (fresh upstream pool).
  const startedAt = process.hrtime.bigint();
  const moat = await startMoat(`
  listen: {address: 127.0.0.1, port: {{PORT}}, threads: 320, requests_per_second_per_subject: 0}
  log: {level: warn}
  servers:
    bench:
      path: /mcp
      upstream: {url: "${sample.url}"}
    bench-oidc:
      path: /oidc/mcp
      upstream: {url: "${sample.url}"}
      pipeline:
        - plugin: auth-oidc
          config: {issuer: "${idp.issuer}", scopes: [mcp:read], method_scopes: {tools/call: [mcp:tools]}}
    bench-exchange:
      path: /exchange/mcp
      upstream: {url: "${sample.url}"}
      pipeline:${exchangeStages('')}
    bench-exchange-cold:
      path: /exchange-cold/mcp
      upstream: {url: "${sample.url}"}
      pipeline:${exchangeStages(', cache_size: 0')}
  `);
  const readyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const firstStarted = process.hrtime.bigint();
  await openSession(`${moat.base}/mcp`);
  const firstRequestMs = Number(process.hrtime.bigint() - firstStarted) / 1e6;
  const targets = [
    { name: 'direct', url: sample.url },
    { name: 'nginx', url: `http://127.0.0.1:${nginx.port}/mcp`, proxyPid: nginx.child.pid },
    { name: 'moat', url: `${moat.base}/mcp`, proxyPid: moat.child.pid },
    // The same route behind auth-oidc, warm: the token's signature was checked once, then cached.
    { name: 'moat+oidc', url: `${moat.base}/oidc/mcp`, proxyPid: moat.child.pid,
      authorization: `Bearer ${await clientCredentialsToken(idp, `${moat.base}/oidc/mcp`, 'mcp:read mcp:tools')}` },
    // Behind auth-oidc and exchange-rfc8693, warm: the user's token was exchanged once, then cached.
    { name: 'moat+oidc+exchange', url: `${moat.base}/exchange/mcp`, proxyPid: moat.child.pid,
      authorization: `Bearer ${(await userTokens(idp, 'alice', `${moat.base}/exchange/mcp`)).access_token}` },
  ];
  // The same with the exchange cache off: every request is one RFC 8693 exchange at oidc-provider.
  const coldExchange = { name: 'exchange cold (cache off)', url: `${moat.base}/exchange-cold/mcp`,
    authorization: `Bearer ${(await userTokens(idp, 'alice', `${moat.base}/exchange-cold/mcp`)).access_token}` };
  const coldResults = [];

  const results = [];
  let moatRss;
  try {
    for (const target of targets) {
      target.sessionId = await openSession(target.url, target.authorization);
      wrk(target.url, target.sessionId, 8, 1, target.authorization);  // warm-up: connections, JIT, pools
    }
    // Opened now: a keep-alive connection left idle through the runs may be closed by then.
    coldExchange.sessionId = await openSession(coldExchange.url, coldExchange.authorization);
    for (const connections of levels) {
      // Interleave targets per round so drift on a noisy machine hits all of them alike.
      const runs = new Map(targets.map((t) => [t.name, []]));
      for (let round = 0; round < rounds; ++round)
        for (const target of targets) runs.get(target.name).push(wrk(target.url, target.sessionId, connections, seconds, target.authorization, target.proxyPid));
      const direct = runs.get('direct');
      for (const target of targets) {
        const own = runs.get(target.name);
        results.push({ scenario: 'http-passthrough', target: target.name, connections, rounds: own,
          rps: median(own.map((r) => r.rps)), p50_us: median(own.map((r) => r.p50_us)), p99_us: median(own.map((r) => r.p99_us)),
          added_p50_us: median(own.map((r, i) => r.p50_us - direct[i].p50_us)),
          cpu_us_per_request: target.proxyPid ? median(own.map((r) => r.cpu_us_per_request)) : null,
          errors: own.reduce((n, r) => n + r.errors, 0), requests: own.reduce((n, r) => n + r.requests, 0) });
      }
    }
    for (const connections of levels.filter((c) => c <= 16))
      coldResults.push({ scenario: 'exchange-cold', target: coldExchange.name, connections,
        ...wrk(coldExchange.url, coldExchange.sessionId, connections, seconds, coldExchange.authorization) });
  } finally {
    moatRss = rssKiB(moat.child.pid);
    await stop(moat.child);
    await stop(nginx.child, 'SIGQUIT');
    await stop(sample.child);
    await stop(idp.child);
  }
  return { results, coldResults, moatRss, readyMs, firstRequestMs };
}
const http = sections.has('http') ? await measureHttp() : null;
const observability = sections.has('observability')
  ? await measureObservability({ wrk, openSession, median, seconds, rounds, levels: levels.filter((c) => c <= 64) })
  : null;
const sessions = sections.has('sessions')
  ? await measureSessions({ wrk, openSession, median, seconds, rounds, levels: levels.filter((c) => c <= 16) })
  : null;
const authorization = sections.has('authz')
  ? await measureAuthorization({ wrk, openSession, median, seconds, rounds, levels: levels.filter((c) => c <= 16), buildDir: path.dirname(moatBin) })
  : null;

// stdio bridging: the sample server's stdio mode behind Moat (per-session, and shared with
// parallel dispatch) and behind the peer bridges, supergateway and mcp-proxy, in one run.
async function measureStdioBridges() {
  const stdioCommand = ['node', sampleServer, '--transport', 'stdio'];
  const gateway = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, requests_per_second_per_subject: 0}
log: {level: warn}
servers:
  per-session:
    path: /stdio/mcp
    upstream: {transport: stdio, command: node, args: ${JSON.stringify(stdioCommand.slice(1))}}
  shared:
    path: /shared/mcp
    upstream: {transport: stdio, mode: shared, dispatch: parallel, command: node, args: ${JSON.stringify(stdioCommand.slice(1))}}
`);
  const bin = (name) => path.join(here, 'node_modules/.bin', name);
  const sgPort = await freePort(), mpPort = await freePort();
  const supergateway = await start(bin('supergateway'), ['--stdio', stdioCommand.join(' '), '--outputTransport', 'streamableHttp',
    '--stateful', '--port', String(sgPort)], { ready: /Running stateful server/, timeoutMs: 20000 });
  const mcpProxy = await start(bin('mcp-proxy'), ['--port', String(mpPort), '--server', 'stream', '--', ...stdioCommand],
    { ready: /starting server on port/, timeoutMs: 20000 });
  await new Promise((r) => setTimeout(r, 1500));  // both print before they listen
  const bridges = [
    { name: 'moat per-session', url: `${gateway.base}/stdio/mcp` },
    { name: 'moat shared', url: `${gateway.base}/shared/mcp` },
    { name: 'supergateway', url: `http://127.0.0.1:${sgPort}/mcp` },
    { name: 'mcp-proxy', url: `http://127.0.0.1:${mpPort}/mcp` },
  ];
  const rows = [];
  try {
    for (const bridge of bridges) {
      bridge.sessionId = await openSession(bridge.url);
      wrk(bridge.url, bridge.sessionId, 8, 1);
    }
    for (const connections of levels.filter((c) => c <= 64)) {
      for (const bridge of bridges) rows.push({ scenario: 'stdio-bridge', target: bridge.name, connections, ...wrk(bridge.url, bridge.sessionId, connections, seconds) });
    }
  } finally {
    await stop(gateway.child);
    await stop(supergateway);
    await stop(mcpProxy);
  }
  return rows;
}
const stdioResults = sections.has('stdio') ? await measureStdioBridges() : [];

// The same stdio bridge (shared, parallel dispatch) to server-everything run as a local process
// and in a Docker container from npx:// (isolated: no network, no capabilities, read-only root),
// both behind one gateway: what the container costs per call, and on the first session.
async function measureContainerBridge() {
  let sockets;
  try {
    const out = execFileSync(path.join(repoRoot, 'scripts/container-runtimes'), ['start'], { encoding: 'utf8', timeout: 120000 });
    sockets = Object.fromEntries(out.trim().split('\n').map((line) => line.split('=')));
  } catch (error) {
    console.error(`bench: no container runtime (${String(error.message).split('\n')[0]}); skipping the container rows`);
    return null;
  }
  const gateway = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, requests_per_second_per_subject: 0}
log: {level: warn}
servers:
  process:
    path: /process/mcp
    upstream: {transport: stdio, mode: shared, dispatch: parallel, command: node, args: ["${everythingServer}", stdio]}
  container:
    path: /container/mcp
    upstream: {transport: stdio, mode: shared, dispatch: parallel, runtime: runtime-docker, runtime_config: {socket: "unix://${sockets.DOCKER_SOCKET}"},
               image: "npx://@modelcontextprotocol/server-everything@2026.8.31", args: [stdio]}
`);
  const targets = [{ name: 'moat → process', url: `${gateway.base}/process/mcp` }, { name: 'moat → docker container', url: `${gateway.base}/container/mcp` }];
  const rows = [];
  try {
    for (const target of targets) {
      const began = performance.now();
      target.sessionId = await openSession(target.url);
      target.firstSessionMs = performance.now() - began;  // includes the image build once per machine
      wrk(target.url, target.sessionId, 8, 1);
    }
    for (const connections of levels.filter((c) => c <= 16)) {
      for (const target of targets) rows.push({ scenario: 'stdio-container', target: target.name, connections, first_session_ms: target.firstSessionMs,
        ...wrk(target.url, target.sessionId, connections, seconds) });
    }
  } finally {
    await stop(gateway.child);
  }
  return rows;
}
const containerResults = sections.has('container') ? await measureContainerBridge() : null;

// Idle SSE streams: open N GET streams (one session each) and read Moat's RSS before and after.
// Through the HTTP pass-through each stream holds two sockets in Moat (the client's and the
// upstream's); through the shared stdio bridge one, since Moat itself is the session's server.
const openFileLimit = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || Infinity;
async function measureIdleStreams(requested, kind) {
  const socketsPerStream = kind === 'http' ? 2 : 1;
  const count = Math.min(requested, Math.floor((openFileLimit - 200) / socketsPerStream));
  // Sessions are opened over a few kept-alive connections, streams each on its own: idle
  // keep-alive connections would each hold a worker thread too.
  const initAgent = new Agent({ connections: 16, headersTimeout: 60000 });
  const agent = new Agent({ connections: count + 64, headersTimeout: 60000 });
  const upstream = kind === 'http' ? await startSampleServer('http') : null;
  const route = kind === 'http' ? `{url: "${upstream.url}"}`
    : `{transport: stdio, mode: shared, command: node, args: ${JSON.stringify([sampleServer, '--transport', 'stdio'])}}`;
  const gateway = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, threads: ${count + 64}, max_queued: ${count + 64}, requests_per_second_per_subject: 0}
log: {level: warn}
servers:
  idle: {path: /mcp, upstream: ${route}}
`);
  // One controller per stream: undici caps the listeners of a signal it is given at 1,500, so
  // one shared signal flooded the output with warnings.
  const controllers = [];
  let measured = false;
  try {
    const url = `${gateway.base}/mcp`;
    const init = async () => {
      const r = await fetch(url, { method: 'POST', dispatcher: initAgent, headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }) });
      await r.text();
      return r.headers.get('mcp-session-id');
    };
    await init();  // warm: one session through every layer
    const before = rssKiB(gateway.child.pid);
    let open = 0;
    let ended = 0;  // streams that closed before the measurement: they must not count
    for (let batch = 0; batch < count; batch += 50) {
      const opened = await Promise.all(Array.from({ length: Math.min(50, count - batch) }, async () => {
        const sessionId = await init();
        const controller = new AbortController();
        controllers.push(controller);
        const r = await fetch(url, { dispatcher: agent, signal: controller.signal,
          headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' } });
        if (r.status !== 200) return false;
        (async () => {
          try { for await (const chunk of r.body) void chunk; } catch { /* aborted at the end */ }
          if (!measured) ++ended;
        })();
        return true;
      }));
      open += opened.filter(Boolean).length;
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssKiB(gateway.child.pid);
    const threads = Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.child.pid}/status`, 'utf8'))[1]);
    const established = Number(execFileSync('sh', ['-c', `ss -Htn state established '( sport = :${gateway.port} )' | wc -l`], { encoding: 'utf8' }).trim());
    open -= ended;
    measured = true;
    return { upstream: kind, streams_requested: requested, streams_tried: count, streams_open: open, streams_ended_early: ended,
      moat_threads: threads, moat_established_connections: established,
      rss_before_kib: before, rss_after_kib: after, kib_per_stream: (after - before) / Math.max(1, open) };
  } finally {
    measured = true;
    for (const controller of controllers) controller.abort();
    await stop(gateway.child);
    if (upstream) await stop(upstream.child);
    await agent.close();
    await initAgent.close();
  }
}
const streams = [];
if (sections.has('streams') && idleStreams > 0) {
  streams.push(await measureIdleStreams(idleStreams, 'stdio'));
  streams.push(await measureIdleStreams(idleStreams, 'http'));
}

// JWT validation on a cache miss, against OpenSSL's raw verify rate for the same key type.
function measureJwtCacheMiss() {
  const own = execFileSync(path.join(path.dirname(moatBin), 'jwt_cache_miss_bench'), ['5000'], { encoding: 'utf8' })
    .trim().split('\n').map((line) => JSON.parse(line));
  const speed = execFileSync('openssl', ['speed', '-seconds', '2', 'rsa2048', 'ecdsap256', 'ed25519'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const verifyRate = (pattern) => Number(speed.split('\n').find((l) => pattern.test(l))?.trim().split(/\s+/).pop());
  const openssl = { RS256: verifyRate(/^rsa\s+2048 bits/), ES256: verifyRate(/\(nistp256\)/), EdDSA: verifyRate(/\(Ed25519\)/) };
  return own.map((r) => ({ ...r, openssl_verify_per_s: openssl[r.alg], ratio: r.validations_per_s / openssl[r.alg] }));
}
const jwtMiss = sections.has('jwt') ? measureJwtCacheMiss() : [];

// Paired per round: the median of (a − b) over the rounds both ran in.
const pairedDiff = (a, b) => median(a.rounds.map((r, i) => r.p50_us - b.rounds[i].p50_us));

function httpReport({ results, coldResults, moatRss, readyMs, firstRequestMs }) {
  const rows = [];
  const summary = [];
  for (const connections of levels) {
    const at = (name) => results.find((r) => r.target === name && r.connections === connections);
    const direct = at('direct'), nginxRun = at('nginx'), moatRun = at('moat'), oidcRun = at('moat+oidc'), exchangeRun = at('moat+oidc+exchange');
    for (const r of [direct, nginxRun, moatRun, oidcRun, exchangeRun]) {
      r.rps_vs_direct = r.rps / direct.rps;
      const cpu = r.cpu_us_per_request === null ? '—' : r.cpu_us_per_request.toFixed(1);
      rows.push(`| ${connections} | ${r.target} | ${r.rps.toFixed(0)} | ${(r.rps_vs_direct).toFixed(2)} | ${r.p50_us} | ${r.p99_us} | ${r.added_p50_us} | ${cpu} | ${r.errors} |`);
    }
    const vsNginx = (run) => (nginxRun.added_p50_us > 0 ? run.added_p50_us / nginxRun.added_p50_us : null);
    const cpuVsNginx = (run) => run.cpu_us_per_request / nginxRun.cpu_us_per_request;
    summary.push({ connections, moat_added_p50_vs_nginx_added: vsNginx(moatRun), moat_rps_vs_nginx: moatRun.rps / nginxRun.rps,
      moat_cpu_vs_nginx: cpuVsNginx(moatRun), exchange_cpu_vs_nginx: cpuVsNginx(exchangeRun),
      oidc_rps_vs_moat: oidcRun.rps / moatRun.rps, oidc_added_p50_us_vs_moat: pairedDiff(oidcRun, moatRun),
      oidc_added_p50_vs_nginx_added: vsNginx(oidcRun),
      exchange_rps_vs_moat: exchangeRun.rps / moatRun.rps, exchange_added_p50_us_vs_moat: pairedDiff(exchangeRun, moatRun),
      exchange_added_p50_vs_nginx_added: vsNginx(exchangeRun), exchange_rps_vs_nginx: exchangeRun.rps / nginxRun.rps });
  }
  const ratio = (value) => (value === null ? 'n/a (nginx added nothing measurable)' : value.toFixed(2));
  const lines = [
    `HTTP pass-through: tools/call echo on the sample server (JSON responses), ${seconds}s per run, ${rounds} interleaved rounds (medians), wrk`,
    '',
    '| clients | target | req/s | vs direct | p50 µs | p99 µs | added p50 µs | proxy CPU µs/request | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '| clients | Moat added p50 ÷ nginx added p50 (target ≤ 1.5) | Moat req/s ÷ nginx req/s (target ≥ 0.90) | Moat CPU/request ÷ nginx | Moat+OIDC+exchange CPU/request ÷ nginx |',
    '|---|---|---|---|---|',
    ...summary.map((s) => `| ${s.connections} | ${ratio(s.moat_added_p50_vs_nginx_added)} | ${s.moat_rps_vs_nginx.toFixed(2)} | ${s.moat_cpu_vs_nginx.toFixed(2)} | ${s.exchange_cpu_vs_nginx.toFixed(2)} |`),
    '',
    '| clients | Moat+OIDC req/s ÷ Moat req/s | OIDC added p50 µs (vs Moat without auth) | Moat+OIDC added p50 ÷ nginx added p50 |',
    '|---|---|---|---|',
    ...summary.map((s) => `| ${s.connections} | ${s.oidc_rps_vs_moat.toFixed(2)} | ${s.oidc_added_p50_us_vs_moat} | ${ratio(s.oidc_added_p50_vs_nginx_added)} |`),
    '',
    '| clients | Moat+OIDC+exchange req/s ÷ Moat | added p50 µs (vs Moat without auth) | added p50 ÷ nginx added p50 (target ≤ 1.5) | req/s ÷ nginx (target ≥ 0.90) |',
    '|---|---|---|---|---|',
    ...summary.map((s) => `| ${s.connections} | ${s.exchange_rps_vs_moat.toFixed(2)} | ${s.exchange_added_p50_us_vs_moat} | ${ratio(s.exchange_added_p50_vs_nginx_added)} | ${s.exchange_rps_vs_nginx.toFixed(2)} |`),
    '',
    'Token exchange cold (cache_size: 0, one RFC 8693 exchange at oidc-provider per request):',
    '',
    '| clients | exchanges/s | p50 µs | p99 µs | errors | ÷ warm req/s |',
    '|---|---|---|---|---|---|',
    ...coldResults.map((r) => {
      const warm = results.find((w) => w.target === 'moat+oidc+exchange' && w.connections === r.connections);
      return `| ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50_us} | ${r.p99_us} | ${r.errors} | ${(r.rps / warm.rps).toFixed(3)} |`;
    }),
    '',
    `Moat RSS after the run: ${moatRss} KiB`,
    `Cold: start to listening ${readyMs.toFixed(1)} ms (spawn included); first session (initialize + initialized, new upstream connection) ${firstRequestMs.toFixed(1)} ms`,
    '',
  ];
  return { lines, summary };
}
const httpSection = http ? httpReport(http) : { lines: [], summary: [] };

// Last: the attack's thousands of sockets must not overlap another section's measurements.
const attack = sections.has('attack')
  ? await measureUnderAttack({ wrk, openSession, rssKiB, median, seconds, rounds, slow: Number(options.attack), idle: Number(options.attack) })
  : null;

const table = [
  ...httpSection.lines,
  ...(observability ? observabilityReport(observability, seconds, rounds) : []),
  ...(authorization ? authorizationReport(authorization, seconds, rounds) : []),
  ...(sessions ? sessionsReport(sessions, seconds, rounds) : []),
  ...(attack ? attackReport(attack, seconds, rounds) : []),
  ...(jwtMiss.length ? [
    'JWT validation on a cache miss (token_cache_size: 0; header, key lookup, signature, claims) vs `openssl speed` verify:',
    '',
    '| algorithm | Moat validations/s | µs each | openssl speed verify/s | ratio |',
    '|---|---|---|---|---|',
    ...jwtMiss.map((r) => `| ${r.alg} | ${r.validations_per_s} | ${r.us_per_validation} | ${r.openssl_verify_per_s.toFixed(0)} | ${r.ratio.toFixed(2)} |`),
    ''] : []),
  ...(stdioResults.length ? [
    `stdio bridging: tools/call echo on the sample server's stdio mode, one session, ${seconds}s per run, wrk`,
    '',
    '| clients | bridge | req/s | p50 µs | p99 µs | errors | Moat per-session ÷ best peer |',
    '|---|---|---|---|---|---|---|',
    ...stdioResults.map((r) => {
      const peers = stdioResults.filter((p) => p.connections === r.connections && !p.target.startsWith('moat'));
      const best = Math.max(...peers.map((p) => p.rps));
      const own = stdioResults.find((p) => p.connections === r.connections && p.target === 'moat per-session');
      return `| ${r.connections} | ${r.target} | ${r.rps.toFixed(0)} | ${r.p50_us} | ${r.p99_us} | ${r.errors} | ${r.target === 'moat per-session' ? (own.rps / best).toFixed(2) : ''} |`;
    }),
    ''] : []),
  ...(containerResults ? ['', `stdio bridge to server-everything as a process and in an isolated Docker container (shared, parallel dispatch), tools/call echo, ${seconds}s per run, wrk`, '',
    '| clients | target | req/s | p50 µs | p99 µs | errors | first session ms | container ÷ process req/s |', '|---|---|---|---|---|---|---|---|',
    ...containerResults.map((r) => {
      const proc = containerResults.find((p) => p.connections === r.connections && p.target === 'moat → process');
      return `| ${r.connections} | ${r.target} | ${r.rps.toFixed(0)} | ${r.p50_us} | ${r.p99_us} | ${r.errors} | ${r.first_session_ms.toFixed(0)} | ${r.target === 'moat → process' ? '' : (r.rps / proc.rps).toFixed(2)} |`;
    })] : []),
  ...(streams.length ? ['', 'Idle SSE streams (one session and one open GET stream each; Moat RSS before and after; target ≥ 10,000 at ≤ 32 KiB each):', '',
    '| upstream | streams asked | open | Moat threads | Moat connections | RSS before → after KiB | KiB per stream |', '|---|---|---|---|---|---|---|',
    ...streams.map((r) => `| ${r.upstream === 'http' ? 'HTTP pass-through (2 sockets each)' : 'shared stdio bridge (1 socket each)'} | ${r.streams_requested}` +
      `${r.streams_tried < r.streams_requested ? ` (${r.streams_tried} tried: open-file limit ${openFileLimit})` : ''} | ${r.streams_open} | ${r.moat_threads} | ${r.moat_established_connections} | ` +
      `${r.rss_before_kib} → ${r.rss_after_kib} | ${r.kib_per_stream.toFixed(1)} |`)] : []),
].join('\n');
console.log(table);
mkdirSync(path.dirname(options.out), { recursive: true });
writeFileSync(options.out, JSON.stringify({ date: new Date().toISOString(), seconds, rounds, results: http?.results ?? [], exchange_cold: http?.coldResults ?? [], jwt_cache_miss: jwtMiss, stdio: stdioResults, stdio_container: containerResults, summary: httpSection.summary, idle_streams: streams, under_attack: attack, observability, authorization, sessions, cold: http ? { ready_ms: http.readyMs, first_session_ms: http.firstRequestMs } : null, moat_rss_kib: http?.moatRss ?? null, moat: moatBin }, null, 2));
console.log(`\nJSON: ${options.out}`);
