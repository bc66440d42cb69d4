// Traces end to end: a real OpenTelemetry Collector (built from the upstream Go modules:
// tests/otelcol) receives Moat's spans over OTLP/HTTP and writes them with its file exporter;
// the test reads that file and checks the span tree and its MCP attributes for a call through
// auth-oidc and exchange-rfc8693 (the real oidc-provider) and for a stdio server's start, that
// the client's traceparent is continued and carried to the server, and that killing the
// collector changes nothing for clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, repoRoot, sampleServer, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, oidcAndExchangeStages, startIdp, userTokens } from './idp/idp-helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-tracing-'));
const secretFile = path.join(dir, 'exchanger-secret');
writeFileSync(secretFile, 'exchanger-secret\n');
const spansFile = path.join(dir, 'spans.jsonl');
const otelcol = execFileSync(path.join(repoRoot, 'scripts/otelcol'), { encoding: 'utf8' }).trim();
const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpan = '00f067aa0ba902b7';

async function startCollector(port) {
  const config = path.join(dir, 'otelcol.yaml');
  writeFileSync(config, `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  file:
    path: ${spansFile}
    flush_interval: 100ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`);
  return start(otelcol, ['--config', `file:${config}`], { ready: /Everything is ready/, timeoutMs: 30000 });
}

// Every span the collector wrote so far, flattened, with its attributes as an object. Only whole
// lines: the collector may be in the middle of writing the last one.
function collectedSpans() {
  if (!existsSync(spansFile)) return [];
  const lines = readFileSync(spansFile, 'utf8').split('\n');
  lines.pop();  // what follows the last newline: nothing, or a line not yet finished
  return lines.filter(Boolean).flatMap((line) =>
    JSON.parse(line).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({
      ...span,
      service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
      attrs: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue])),
    })))));
}

async function spansWhen(predicate, what) {
  for (let i = 0; i < 100; i++) {
    const spans = collectedSpans();
    if (predicate(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the collector never received ${what}; it has ${JSON.stringify(collectedSpans().map((s) => s.name))}`);
}

describe('OpenTelemetry traces to a real collector', () => {
  let collector, collectorPort, idp, upstream, moat, resource;
  before(async () => {
    collectorPort = await freePort();
    collector = await startCollector(collectorPort);
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    moat = await startMoat(`
listen: { port: {{PORT}} }
tracing: { endpoint: "http://127.0.0.1:${collectorPort}/v1/traces", export_interval: 200ms, timeout: 1s }
servers:
  tools:
    path: /mcp
    upstream: { url: ${upstream.url} }
    pipeline:
${oidcAndExchangeStages(idp, secretFile)}
  local:
    path: /local/mcp
    upstream: { transport: stdio, command: node, args: ["${sampleServer}", "--transport", "stdio"] }
`);
    resource = `${moat.base}/mcp`;
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
    await stop(collector);
  });

  test('a tool call is one trace: the server span continues the client\'s, with stage, exchange and upstream spans under it', async () => {
    const { access_token: token } = await userTokens(idp, 'alice', resource);
    const client = new Client({ name: 'tracing-test', version: '1.0.0' });
    const headers = { Authorization: `Bearer ${token}`, traceparent: `00-${clientTrace}-${clientSpan}-01` };
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers } }));
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    await client.close();

    const spans = await spansWhen((all) => all.some((s) => s.name === 'tools/call whoami'), 'the tools/call span');
    const server = spans.find((s) => s.name === 'tools/call whoami');
    assert.equal(server.kind, 2, 'SERVER');
    assert.equal(server.traceId, clientTrace, 'the client\'s trace is continued');
    assert.equal(server.parentSpanId, clientSpan);
    assert.equal(server.service, 'moat');
    assert.equal(server.attrs['mcp.method.name'], 'tools/call');
    assert.equal(server.attrs['gen_ai.tool.name'], 'whoami');
    assert.equal(server.attrs['gen_ai.operation.name'], 'execute_tool');
    assert.equal(server.attrs['http.response.status_code'], '200');
    assert.equal(server.attrs['moat.route'], 'tools');
    assert.equal(server.attrs['enduser.id'], 'alice');
    assert.ok(server.attrs['jsonrpc.request.id'] !== undefined);
    assert.ok(BigInt(server.endTimeUnixNano) > BigInt(server.startTimeUnixNano));

    const children = spans.filter((s) => s.parentSpanId === server.spanId);
    const names = children.map((s) => s.name).sort();
    assert.deepEqual(names, ['authenticate tools/auth-oidc', 'exchange tools/exchange-rfc8693', 'upstream tools/call']);
    for (const child of children) {
      assert.equal(child.traceId, clientTrace);
      assert.ok(BigInt(child.startTimeUnixNano) >= BigInt(server.startTimeUnixNano) && BigInt(child.endTimeUnixNano) <= BigInt(server.endTimeUnixNano),
        `${child.name} lies within the server span`);
    }
    const upstreamSpan = children.find((s) => s.name === 'upstream tools/call');
    assert.equal(upstreamSpan.kind, 3, 'CLIENT');
    assert.equal(seen.traceparent, `00-${clientTrace}-${upstreamSpan.spanId}-01`, 'the server is told its parent is the upstream span');
    assert.equal(children.find((s) => s.name.startsWith('exchange')).attrs['moat.plugin'], 'exchange-rfc8693');
  });

  test('a stdio server started for a session shows as a runtime span; a refusal is an error span', async () => {
    const client = new Client({ name: 'tracing-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/local/mcp`)));
    await client.close();
    const refused = await fetch(resource, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } });
    assert.equal(refused.status, 401);
    await refused.text();
    const spans = await spansWhen((all) => all.some((s) => s.name === 'runtime start runtime-process') &&
      all.some((s) => s.name === 'tools/list' && s.attrs['http.response.status_code'] === '401'), 'the runtime and refusal spans');
    const runtime = spans.find((s) => s.name === 'runtime start runtime-process');
    const parent = spans.find((s) => s.spanId === runtime.parentSpanId);
    assert.equal(parent.name, 'initialize');
    assert.equal(parent.attrs['moat.route'], 'local');
    const refusal = spans.find((s) => s.name === 'tools/list' && s.attrs['http.response.status_code'] === '401');
    assert.equal(refusal.status.code, 2, 'ERROR');
    assert.equal(refusal.attrs['error.type'], '401');
    assert.notEqual(refusal.traceId, clientTrace, 'a request without traceparent starts its own trace');
    const authenticate = spans.find((s) => s.parentSpanId === refusal.spanId);
    assert.equal(authenticate.attrs['moat.stage.replied'], '401');
  });

  test('tracing.protocol http/json reaches the collector as well as the default http/protobuf', async () => {
    const jsonGateway = await startMoat(`
listen: { port: {{PORT}} }
tracing: { endpoint: "http://127.0.0.1:${collectorPort}/v1/traces", protocol: http/json, service_name: moat-json, export_interval: 200ms }
servers:
  plain: { path: /mcp, upstream: { url: ${upstream.url} } }
`);
    try {
      const client = new Client({ name: 'tracing-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${jsonGateway.base}/mcp`)));
      await client.callTool({ name: 'echo', arguments: { message: 'json' } });
      await client.close();
      const spans = await spansWhen((all) => all.some((s) => s.service === 'moat-json' && s.name === 'tools/call echo'), 'the http/json span');
      const call = spans.find((s) => s.service === 'moat-json' && s.name === 'tools/call echo');
      assert.equal(call.kind, 2);
      assert.equal(call.attrs['moat.route'], 'plain');
      assert.equal(spans.find((s) => s.parentSpanId === call.spanId).name, 'upstream tools/call');
    } finally {
      await stop(jsonGateway.child);
    }
  });

  test('with the collector killed, every request is answered as before; spans are dropped and counted, and flow again when it is back', async () => {
    await stop(collector, 'SIGKILL');
    const { access_token: token } = await userTokens(idp, 'bob', resource);
    const client = new Client({ name: 'tracing-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    for (let i = 0; i < 30; i++) assert.ok(JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text).traceparent);
    await new Promise((resolve) => setTimeout(resolve, 600));  // past an export interval
    const metrics = await (await fetch(`${moat.diagnostics}/metrics`)).text();
    assert.match(metrics, /^moat_trace_spans_dropped_total\{reason="export_failed"\} [1-9]/m);
    assert.equal((moat.child.output.text.match(/spans could not be exported/g) ?? []).length, 1, 'one warning, not one per batch');

    collector = await startCollector(collectorPort);
    await client.callTool({ name: 'echo', arguments: { message: 'back' } });
    await client.close();
    await spansWhen((all) => all.some((s) => s.name === 'tools/call echo'), 'spans after the restart');
    assert.match(moat.child.output.text, /the collector takes spans again/);
  });
});
