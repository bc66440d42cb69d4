// The soak: a real gateway under steady mixed load for a long time, to catch what only time
// shows (leaks of memory, descriptors, processes, sessions). Real peers: the test IdP
// (oidc-provider) issuing users' tokens that expire and are replaced, exchange-rfc8693 swapping
// them for backend tokens that expire and are exchanged again, the sample MCP server over HTTP
// and as a stdio process per session, and MCP SDK clients that call tools, open and close GET
// streams, and abandon a share of their sessions without DELETE.
//
//   node tests/soak/soak.mjs [--minutes 30] [--clients 8]
//
// Every minute it samples the gateway's RSS, open descriptors, threads and stdio children; at
// the end it prints their slopes (least squares after a warm-up), waits for abandoned stdio
// sessions to be reaped, and exits non-zero on any unexpected error or an RSS slope that is not
// flat within noise.
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client } from '../integration/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport } from '../integration/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';
import { childrenOf, freePort, moatBin, sampleServer, startSampleServer, stop } from '../integration/helpers.mjs';
import { makeKeys, startIdp, userTokens } from '../integration/idp/idp-helpers.mjs';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, clients: { type: 'string', default: '8' },
  'session-every': { type: 'string', default: '2500' } } });
const minutes = Number(values.minutes);
if (!(minutes >= 3)) { console.error('soak: --minutes must be at least 3 (a slope needs two minutes after the warm-up)'); process.exit(2); }
const clients = Number(values.clients);
// Each client starts a session at this interval (ms), whatever the last one took: a fixed
// arrival rate. Clients that start the next session as soon as one ends speed up as Node warms
// up, and the gateway's live state (threads, stdio processes) grows with them, which reads as a
// leak; found by the fifth soak.
const sessionEveryMs = Number(values['session-every']);
const warmupMinutes = Math.min(5, Math.floor(minutes / 4));
const idleTimeoutS = 60;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (low, high) => low + Math.floor(Math.random() * (high - low + 1));

const dir = mkdtempSync(path.join(tmpdir(), 'moat-soak-'));
const secretFile = path.join(dir, 'exchanger-secret');
writeFileSync(secretFile, 'exchanger-secret\n');
// Users' tokens live 90 s and backend tokens 30 s: both expire many times during the run.
const idp = await startIdp(await makeKeys(['RS256:key-1']), { dir, accessTtl: 90, exchangeTtl: 30 });
const backend = await startSampleServer('http');
const port = await freePort();
const diagnosticsPort = await freePort();
const base = `http://127.0.0.1:${port}`;
const auth = `      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:read] }`;
const configFile = path.join(dir, 'moat.yaml');
writeFileSync(configFile, `
listen: { address: 127.0.0.1, port: ${port}, session_idle_timeout: 2m }
diagnostics: { port: ${diagnosticsPort} }
log: { level: info }
servers:
  api:
    path: /api/mcp
    upstream: { url: "${backend.url}" }
    pipeline:
${auth}
      - plugin: exchange-rfc8693
        config: { token_url: "${idp.issuer}/token", client_id: exchanger, client_secret_file: ${secretFile}, audience: backend, scopes: [backend:read], expiry_skew: 5s }
  tools:
    path: /tools/mcp
    upstream: { transport: stdio, command: node, args: ["${sampleServer}", "--transport", "stdio"], idle_timeout: ${idleTimeoutS}s }
    pipeline:
${auth}
`);
const logFile = path.join(dir, 'moat.log');
const gateway = spawn(moatBin, ['serve', '--config', configFile], { stdio: ['ignore', 'pipe', openSync(logFile, 'w')] });
await new Promise((resolve, reject) => {
  gateway.stdout.on('data', (d) => { if (/listening on/.test(d.toString())) resolve(); });
  gateway.on('exit', (code) => reject(new Error(`moat exited with ${code}; see ${logFile}`)));
});
console.log(`soak: ${minutes} min, ${clients} clients each starting a session every ${sessionEveryMs} ms, gateway pid ${gateway.pid}, log ${logFile}`);

// ---- what the gateway holds
function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return { rssKiB: field('VmRSS'), anonKiB: field('RssAnon'), threads: field('Threads'), fds: readdirSync(`/proc/${pid}/fd`).length, children: childrenOf(pid).length };
}

// ---- the load
const counts = { sessions: 0, abandoned: 0, calls: 0, streams: 0, tokens: 0 };
const errors = new Map();
const tokens = new Map();
async function tokenFor(user, resource) {
  const key = `${user} ${resource}`;
  const held = tokens.get(key);
  if (held && held.expires - Date.now() > 20000) return held.token;
  const { access_token: token, expires_in: ttl } = await userTokens(idp, user, resource);
  counts.tokens++;
  tokens.set(key, { token, expires: Date.now() + ttl * 1000 });
  return token;
}

async function oneSession(user) {
  const route = Math.random() < 0.5 ? '/api/mcp' : '/tools/mcp';
  const token = await tokenFor(user, `${base}${route}`);
  const headers = { Authorization: `Bearer ${token}` };
  const transport = new StreamableHTTPClientTransport(new URL(`${base}${route}`), { requestInit: { headers } });
  const client = new Client({ name: 'moat-soak', version: '1' });
  await client.connect(transport);
  counts.sessions++;
  for (let i = pick(5, 20); i > 0; i--) {
    const message = `${user}-${counts.calls}`;
    const result = await client.callTool({ name: 'echo', arguments: { message } });
    if (result.content?.[0]?.text !== message) throw new Error(`echo answered ${JSON.stringify(result)}`);
    counts.calls++;
    await sleep(pick(20, 200));
  }
  if (Math.random() < 0.3) {
    const controller = new AbortController();
    const stream = await fetch(`${base}${route}`, {
      signal: controller.signal,
      headers: { ...headers, Accept: 'text/event-stream', 'Mcp-Session-Id': transport.sessionId, 'MCP-Protocol-Version': '2025-11-25' },
    });
    // 409: the SDK client already holds the session's one GET stream; both answers are fine.
    if (stream.status !== 200 && stream.status !== 409) throw new Error(`GET stream answered ${stream.status}`);
    counts.streams++;
    await sleep(pick(200, 1500));
    controller.abort();
  }
  if (Math.random() < 0.3) counts.abandoned++;
  else await transport.terminateSession();
  await client.close();
}

async function loadLoop(user, until, firstAt) {
  let next = firstAt;
  while (Date.now() < until) {
    await sleep(Math.max(0, next - Date.now()));
    next = Math.max(next + sessionEveryMs, Date.now());
    try {
      await oneSession(user);
    } catch (e) {
      const key = String(e?.message ?? e).slice(0, 200);
      errors.set(key, (errors.get(key) ?? 0) + 1);
      await sleep(500);
    }
  }
}

// ---- the run
const started = Date.now();
const until = started + minutes * 60000;
const samples = [];
const load = Promise.all(Array.from({ length: clients }, (_, i) => loadLoop(i % 2 ? 'alice' : 'bob', until, started + (i * sessionEveryMs) / clients)));
// The allocator's own account (GET /metrics): bytes in use and bytes it keeps free. A leak
// raises the first; fragmentation raises only the second.
async function heap() {
  const text = await (await fetch(`http://127.0.0.1:${diagnosticsPort}/metrics`)).text();
  const gauge = (name) => Math.round(Number(new RegExp(`^moat_heap_${name}_bytes (\\d+)$`, 'm').exec(text)?.[1]) / 1024);
  return { heapInUseKiB: gauge('in_use'), heapFreeKiB: gauge('free') };
}

console.log('minute  rss_kib  anon_kib  heap_used_kib  heap_free_kib  fds  threads  stdio_children  sessions  calls  streams  abandoned  tokens  errors');
for (let minute = 1; minute <= minutes; minute++) {
  await sleep(started + minute * 60000 - Date.now());
  const s = { minute, ...sample(gateway.pid), ...(await heap()), ...counts, errors: [...errors.values()].reduce((a, b) => a + b, 0) };
  samples.push(s);
  console.log([s.minute, s.rssKiB, s.anonKiB, s.heapInUseKiB, s.heapFreeKiB, s.fds, s.threads, s.children, s.sessions, s.calls, s.streams, s.abandoned, s.tokens, s.errors]
    .map((v, i) => String(v).padStart(i ? 8 : 6)).join(' '));
}
await load;

// Least-squares slope per minute, its standard error, and the residuals' spread.
function fit(points) {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const slope = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx;
  const residuals = points.map((p) => p[1] - (my + slope * (p[0] - mx)));
  const spread = Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / Math.max(1, n - 2));
  return { slope, stderr: spread / Math.sqrt(sxx), spread, mean: my };
}
const steady = samples.filter((s) => s.minute > warmupMinutes);
const rss = fit(steady.map((s) => [s.minute, s.rssKiB]));
// RSS counts library pages too, which grow as rarer code paths run for the first time; the
// heap's own share is RssAnon.
const anon = fit(steady.map((s) => [s.minute, s.anonKiB]));
const fds = fit(steady.map((s) => [s.minute, s.fds]));
const span = steady.at(-1).minute - steady[0].minute;
// Flat: the growth the slope predicts over the steady span is within twice the noise (the
// residuals' spread), or under 2% of the mean.
const rssGrowth = rss.slope * span;
const rssFlat = Math.abs(rssGrowth) <= Math.max(2 * rss.spread, 0.02 * rss.mean);
console.log(`\nsteady state: minutes ${steady[0].minute}-${steady.at(-1).minute} (warm-up ${warmupMinutes} min left out)`);
console.log(`rss: mean ${rss.mean.toFixed(0)} KiB, slope ${rss.slope.toFixed(1)} ± ${rss.stderr.toFixed(1)} KiB/min ` +
  `(${rssGrowth.toFixed(0)} KiB over ${span} min; noise ±${rss.spread.toFixed(0)} KiB) -> ${rssFlat ? 'flat' : 'GROWING'}`);
console.log(`anonymous (heap, stacks): mean ${anon.mean.toFixed(0)} KiB, slope ${anon.slope.toFixed(1)} ± ${anon.stderr.toFixed(1)} KiB/min ` +
  `(${(anon.slope * span).toFixed(0)} KiB over ${span} min; noise ±${anon.spread.toFixed(0)} KiB)`);
for (const [label, key] of [['heap in use (allocator)', 'heapInUseKiB'], ['heap kept free (allocator)', 'heapFreeKiB']]) {
  const f = fit(steady.map((s) => [s.minute, s[key]]));
  console.log(`${label}: mean ${f.mean.toFixed(0)} KiB, slope ${f.slope.toFixed(1)} ± ${f.stderr.toFixed(1)} KiB/min ` +
    `(${(f.slope * span).toFixed(0)} KiB over ${span} min; noise ±${f.spread.toFixed(0)} KiB)`);
}
console.log(`fds: mean ${fds.mean.toFixed(1)}, slope ${fds.slope.toFixed(2)} ± ${fds.stderr.toFixed(2)} per min`);
// The load itself must be steady for a flat slope to mean anything.
const threads = fit(steady.map((s) => [s.minute, s.threads]));
const rate = (from, to) => ((to.sessions - from.sessions) / (to.minute - from.minute)).toFixed(0);
console.log(`load: ${rate(steady[0], steady[Math.min(5, steady.length - 1)])} sessions/min at the start of the steady span, ` +
  `${rate(steady.at(-Math.min(6, steady.length)), steady.at(-1))} at its end; threads mean ${threads.mean.toFixed(0)}, slope ${threads.slope.toFixed(2)} ± ${threads.stderr.toFixed(2)} per min`);

// Sessions abandoned without DELETE: their stdio processes end after idle_timeout.
await sleep((idleTimeoutS + 15) * 1000);
const idle = { ...sample(gateway.pid), ...(await heap()) };
const reaped = (readFileSync(logFile, 'utf8').match(/ending an idle session/g) ?? []).length;
console.log(`after the load and ${idleTimeoutS + 15} s idle: ${idle.children} stdio children (want 0), ${reaped} idle sessions reaped, ` +
  `${idle.fds} fds, ${idle.rssKiB} KiB RSS (${idle.anonKiB} KiB anonymous), heap ${idle.heapInUseKiB} KiB in use and ${idle.heapFreeKiB} KiB free`);
console.log(`totals: ${counts.sessions} sessions (${counts.abandoned} abandoned), ${counts.calls} tool calls, ${counts.streams} GET streams, ${counts.tokens} user tokens`);
if (errors.size) {
  console.log('unexpected errors:');
  for (const [message, n] of errors) console.log(`  ${n} x ${message}`);
}

await stop(gateway);
await stop(backend.child);
await stop(idp.child);
const ok = errors.size === 0 && rssFlat && idle.children === 0;
console.log(ok ? 'soak: passed' : 'soak: FAILED');
process.exit(ok ? 0 : 1);
