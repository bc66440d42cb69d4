// What watching costs: tools/call through two otherwise identical gateways, one with nothing on
// and one with the diagnostics listener (metrics), stage-audit writing every event to a file,
// and every request traced to a real OpenTelemetry Collector (tests/otelcol), measured in the
// same run, rounds interleaved. Target: median latency with everything on within 5% of off.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot, start, startMoat, startSampleServer, stop } from '../integration/helpers.mjs';

async function startCollector(dir) {
  const binary = execFileSync(path.join(repoRoot, 'scripts/otelcol'), { encoding: 'utf8' }).trim();
  const port = await freePort();
  const config = path.join(dir, 'otelcol.yaml');
  writeFileSync(config, `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}
exporters: {file: {path: "${path.join(dir, 'spans.jsonl')}"}}
service: {telemetry: {metrics: {level: none}}, pipelines: {traces: {receivers: [otlp], exporters: [file]}}}
`);
  const child = await start(binary, ['--config', `file:${config}`], { ready: /Everything is ready/, timeoutMs: 30000 });
  return { child, endpoint: `http://127.0.0.1:${port}/v1/traces` };
}

export async function measureObservability({ wrk, openSession, median, seconds, rounds, levels }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-bench-observability-'));
  const sample = await startSampleServer('http', ['--json-response']);
  const collector = await startCollector(dir);
  const route = (pipeline) => `
  listen: {address: 127.0.0.1, port: {{PORT}}, threads: 320, requests_per_second_per_subject: 0}
  log: {level: warn}
  servers:
    bench:
      path: /mcp
      upstream: {url: "${sample.url}"}${pipeline}`;
  const audit = `
      pipeline:
        - plugin: stage-audit
          config: {file: "${path.join(dir, 'audit.ndjson')}", max_size: 1GiB}`;
  const tracing = `
  tracing: {endpoint: "${collector.endpoint}", sample_ratio: 1}`;
  const gateways = {
    off: await startMoat(route('')),
    // What any one-stage pipeline costs, so the audit row can be read against it.
    'one stage': await startMoat(route(`
      pipeline:
        - plugin: stage-headers
          config: {set: {X-Bench: "1"}}`)),
    audit: await startMoat(route(audit)),
    tracing: await startMoat(tracing + route('')),
    'audit+metrics+tracing': await startMoat(tracing + route(audit)),
  };
  const targets = Object.entries(gateways).map(([name, moat]) => ({ name, url: `${moat.base}/mcp`, pid: moat.child.pid }));
  const results = [];
  try {
    for (const target of targets) {
      target.sessionId = await openSession(target.url);
      wrk(target.url, target.sessionId, 8, 1);
    }
    for (const connections of levels) {
      const runs = new Map(targets.map((t) => [t.name, []]));
      for (let round = 0; round < rounds; ++round)
        for (const target of targets) runs.get(target.name).push(wrk(target.url, target.sessionId, connections, seconds, '', target.pid));
      const without = runs.get('off');
      for (const target of targets.slice(1)) {
        const own = runs.get(target.name);
        results.push({
          connections, variant: target.name,
          p50_off_us: median(without.map((r) => r.p50_us)), p50_on_us: median(own.map((r) => r.p50_us)),
          rps_off: median(without.map((r) => r.rps)), rps_on: median(own.map((r) => r.rps)),
          cpu_off_us: median(without.map((r) => r.cpu_us_per_request)), cpu_on_us: median(own.map((r) => r.cpu_us_per_request)),
          // Per round, so the machine's drift between rounds cancels out.
          p50_ratio: median(own.map((r, i) => r.p50_us / without[i].p50_us)),
          errors: [...without, ...own].reduce((n, r) => n + r.errors, 0),
        });
      }
    }
  } finally {
    for (const moat of Object.values(gateways)) await stop(moat.child);
    await stop(collector.child);
    await stop(sample.child);
  }
  return results;
}

export function observabilityReport(results, seconds, rounds) {
  return ['', `What watching costs: tools/call with audit (every event to a file), metrics (diagnostics listener) and tracing (every request, to an OpenTelemetry Collector) on, against the same gateway with all off; ${rounds} interleaved rounds of ${seconds}s, medians:`, '',
    '| clients | on | p50 µs off | p50 µs on | p50 on ÷ off (target < 1.05 with all on) | req/s off | req/s on | CPU µs/request off → on | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.connections} | ${r.variant} | ${r.p50_off_us} | ${r.p50_on_us} | ${r.p50_ratio.toFixed(3)} | ${r.rps_off.toFixed(0)} | ${r.rps_on.toFixed(0)} | ` +
      `${r.cpu_off_us.toFixed(0)} → ${r.cpu_on_us.toFixed(0)} | ${r.errors} |`)];
}
