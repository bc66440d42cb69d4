// The diagnostics listener: /metrics parsed by the Prometheus project's own Python parser
// (prometheus_client from PyPI) and checked against traffic this test sends through real MCP
// clients and a real IdP, plus /healthz and /readyz, and the public port's refusal to serve
// metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, moatBin, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, startIdp } from './idp/idp-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const python = path.join(here, '.venv/bin/python');

// Every sample of the exposition, as the reference parser reads it.
async function scrape(moat) {
  const response = await fetch(`${moat.diagnostics}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const families = JSON.parse(execFileSync(python, [path.join(here, 'parse-metrics.py')], { input: await response.text() }));
  const samples = Object.values(families).flatMap((family) => family.samples.map((sample) => ({ ...sample, type: family.type, help: family.help })));
  return { families, samples };
}

// The value of the one sample named `name` whose labels include `labels` (0 when none).
function value({ samples }, name, labels = {}) {
  const matching = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(matching.length <= 1, `${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
  return matching[0]?.value ?? 0;
}

describe('metrics on the diagnostics listener', () => {
  let idp, upstream, moat, deadPort;
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moat-metrics-'));
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    deadPort = await freePort();
    moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  open:
    path: /open/mcp
    upstream: { url: ${upstream.url} }
  guarded:
    path: /guarded/mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:read] }
  dead:
    path: /dead/mcp
    upstream: { url: "http://127.0.0.1:${deadPort}/mcp" }
`);
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('requests, durations, tool outcomes, authentication failures, upstream errors, streams and sessions', async () => {
    const client = new Client({ name: 'metrics-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${moat.base}/open/mcp`));
    await client.connect(transport);
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'pid', arguments: {} });
    for (let i = 0; i < 2; i++) assert.equal((await client.callTool({ name: 'no_such_tool', arguments: {} })).isError, true);

    assert.equal((await postJson(`${moat.base}/guarded/mcp`, initializeMessage())).status, 401);
    for (let i = 0; i < 2; i++)
      assert.equal((await postJson(`${moat.base}/guarded/mcp`, initializeMessage(), { Authorization: 'Bearer not.a.jwt' })).status, 401);
    const dead = await postJson(`${moat.base}/dead/mcp`, initializeMessage());
    assert.equal(dead.status, 502);

    // The SDK client holds the session's GET stream open (a second one would get 409).
    const during = await scrape(moat);
    assert.equal(value(during, 'moat_streams_open', { route: 'open' }), 1);
    assert.equal(value(during, 'moat_sessions_active', { route: 'open' }), 1);
    await transport.terminateSession();
    await client.close();

    // The stream's worker notices the end a moment after the client does.
    let m = await scrape(moat);
    for (let i = 0; i < 40 && value(m, 'moat_streams_open', { route: 'open' }) !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      m = await scrape(moat);
    }
    assert.equal(value(m, 'moat_tool_calls_total', { route: 'open', tool: 'pid', outcome: 'success' }), 3);
    assert.equal(value(m, 'moat_tool_calls_total', { route: 'open', tool: 'no_such_tool', outcome: 'error' }), 2);
    assert.equal(value(m, 'moat_requests_total', { route: 'open', method: 'tools/call', code: '200' }), 5);
    assert.equal(value(m, 'moat_requests_total', { route: 'open', method: 'initialize', code: '200' }), 1);
    assert.equal(value(m, 'moat_requests_total', { route: 'guarded', method: 'initialize', code: '401' }), 3);
    assert.equal(value(m, 'moat_requests_total', { route: 'dead', method: 'initialize', code: '502' }), 1);
    assert.equal(value(m, 'moat_authentication_failures_total', { route: 'guarded', reason: 'missing_token' }), 1);
    assert.equal(value(m, 'moat_authentication_failures_total', { route: 'guarded', reason: 'invalid_token' }), 2);
    assert.equal(value(m, 'moat_upstream_errors_total', { route: 'dead', kind: 'unreachable' }), 1);
    // The client's DELETE ended the session, and the stream is closed.
    assert.equal(value(m, 'moat_sessions_active', { route: 'open' }), 0);
    assert.equal(value(m, 'moat_streams_open', { route: 'open' }), 0);

    // Five tool calls observed, in cumulative buckets that end with all of them.
    const labels = { route: 'open', method: 'tools/call' };
    assert.equal(value(m, 'moat_request_duration_seconds_count', labels), 5);
    assert.equal(value(m, 'moat_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 5);
    const sum = value(m, 'moat_request_duration_seconds_sum', labels);
    assert.ok(sum > 0 && sum < 5, `duration sum ${sum}`);
    const buckets = m.samples.filter((s) => s.name === 'moat_request_duration_seconds_bucket' && s.labels.route === 'open' && s.labels.method === 'tools/call');
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');

    // HELP and TYPE as Prometheus conventions want them.
    assert.equal(m.families.moat_request_duration_seconds.type, 'histogram');
    assert.equal(m.families.moat_tool_calls.type, 'counter');
    assert.equal(m.families.moat_streams_open.type, 'gauge');
    assert.match(m.families.moat_authentication_failures.help, /authenticator refused/);
    // The IdP plugin's own counters, per instance.
    assert.ok(m.samples.some((s) => s.name === 'moat_auth_oidc_rejected_total' && s.labels.instance.endsWith('/auth-oidc') && s.value === 2));
  });

  test('a client cannot widen the labels: an unknown method counts as "other"', async () => {
    const response = await postJson(`${moat.base}/open/mcp`, { jsonrpc: '2.0', id: 9, method: `invented/${Date.now()}`, params: {} });
    await response.text();
    const m = await scrape(moat);
    assert.ok(!m.samples.some((s) => String(s.labels.method ?? '').startsWith('invented/')));
    assert.ok(value(m, 'moat_requests_total', { route: 'open', method: 'other', code: String(response.status) }) >= 1);
  });

  test('/healthz and /readyz on the diagnostics listener; no /metrics on the public port', async () => {
    const ready = await fetch(`${moat.diagnostics}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', listener: 'up' });
    const live = await fetch(`${moat.diagnostics}/healthz`);
    assert.equal(live.status, 200);
    assert.equal((await live.json()).status, 'ok');
    const publicMetrics = await fetch(`${moat.base}/metrics`);
    assert.equal(publicMetrics.status, 404);
    assert.doesNotMatch(await publicMetrics.text(), /moat_/);
    assert.equal((await fetch(`${moat.base}/readyz`)).status, 200);
    assert.equal((await fetch(`${moat.diagnostics}/metrics`, { method: 'POST' })).status, 405);
  });
});

describe('readiness waits for the IdP', () => {
  test('/readyz is 503 naming the authenticator while its IdP is down, and 200 once its keys are fetched', async () => {
    const idpPort = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'moat-ready-'));
    const moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  guarded:
    path: /mcp
    upstream: { url: "http://127.0.0.1:1/mcp" }
    pipeline:
      - plugin: auth-oidc
        config: { issuer: "http://127.0.0.1:${idpPort}", scopes: [mcp:read], jwks_refetch_interval: 500ms }
`);
    let idp;
    try {
      const down = await fetch(`${moat.diagnostics}/readyz`);
      assert.equal(down.status, 503);
      const body = await down.json();
      assert.equal(body.status, 'not_ready');
      assert.equal(body.listener, 'up');
      assert.match(body.stages['guarded/auth-oidc'], /127\.0\.0\.1:\d+/, 'the reason names the IdP it could not reach');
      assert.equal((await fetch(`${moat.diagnostics}/healthz`)).status, 200, 'alive all the same: restarting would not help');

      idp = await startIdp(await makeKeys(['RS256:key-1']), { dir, port: idpPort });
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await fetch(`${moat.diagnostics}/readyz`)).status;
      }
      assert.equal(status, 200);
    } finally {
      await stop(moat.child);
      await stop(idp?.child);
    }
  });
});

describe('a diagnostics port already taken', () => {
  test('the gateway says so and exits 1, with its trace exporter already started (no abort)', async () => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = taken.address().port;
    const dir = mkdtempSync(path.join(tmpdir(), 'moat-busy-'));
    const file = path.join(dir, 'moat.yaml');
    writeFileSync(file, `
listen: { port: 0 }
diagnostics: { port: ${port} }
tracing: { endpoint: "http://127.0.0.1:1/v1/traces" }
servers:
  a: { upstream: { url: "http://127.0.0.1:1/mcp" } }
`);
    try {
      const result = spawnSync(moatBin, ['serve', '--config', file], { encoding: 'utf8', timeout: 20000 });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`cannot listen for diagnostics on 127\\.0\\.0\\.1:${port}`));
    } finally {
      taken.close();
    }
  });
});

