// The gateway under a connection attack: the latency of a normal client's tools/call while an
// attacker holds thousands of slow-header and idle connections open (reopening each one the
// gateway closes), as a ratio against the same call measured in the same run with no attack.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startMoat, startSampleServer, stop } from '../integration/helpers.mjs';

const attacker = path.join(path.dirname(new URL(import.meta.url).pathname), '../integration/hold-connections.mjs');

function startAttack(port, slow, idle) {
  const child = spawn(process.execPath, [attacker, '--port', String(port), '--slow', String(slow), '--idle', String(idle)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    lines.push(...parts);
  });
  const next = async (predicate, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = lines.findIndex(predicate);
      if (index >= 0) return lines.splice(index, 1)[0];
      if (Date.now() > deadline) throw new Error('the attacker did not report in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    ready: () => next((l) => l === 'ready', 60000),
    status: async () => { child.stdin.write('\n'); return JSON.parse(await next((l) => l.startsWith('{'), 10000)); },
    stop: () => stop(child),
  };
}

const threadsOf = (pid) => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

export async function measureUnderAttack({ wrk, openSession, rssKiB, median, seconds, rounds, slow, idle }) {
  const sample = await startSampleServer('http', ['--json-response']);
  // Listener settings are the defaults, but for the per-subject rate limit, which the measuring
  // client (one address, thousands of calls a second) would otherwise meet: the attack meets
  // the connection handling a user deploys.
  const moat = await startMoat(`
  listen: {address: 127.0.0.1, port: {{PORT}}, requests_per_second_per_subject: 0}
  log: {level: error}
  servers:
    bench:
      path: /mcp
      upstream: {url: "${sample.url}"}
  `);
  const url = `${moat.base}/mcp`;
  const results = { slow, idle, baseline: [], attacked: [] };
  try {
    const sessionId = await openSession(url);
    wrk(url, sessionId, 4, 1);  // warm-up
    for (let round = 0; round < rounds; ++round) results.baseline.push(wrk(url, sessionId, 4, seconds));
    results.rss_before_kib = rssKiB(moat.child.pid);
    const attack = startAttack(moat.port, slow, idle);
    try {
      await attack.ready();
      await new Promise((r) => setTimeout(r, 1000));  // let the idle ones get their answer and go quiet
      results.attacker_before = await attack.status();
      // A session opened under attack, then the calls.
      const attackedSession = await openSession(url);
      for (let round = 0; round < rounds; ++round) results.attacked.push(wrk(url, attackedSession, 4, seconds));
      results.attacker_after = await attack.status();
      results.moat_threads = threadsOf(moat.child.pid);
      results.rss_under_attack_kib = rssKiB(moat.child.pid);
    } finally {
      await attack.stop();
    }
  } finally {
    await stop(moat.child);
    await stop(sample.child);
  }
  const summarize = (runs) => ({ rps: median(runs.map((r) => r.rps)), p50_us: median(runs.map((r) => r.p50_us)),
    p99_us: median(runs.map((r) => r.p99_us)), errors: runs.reduce((n, r) => n + r.errors, 0), requests: runs.reduce((n, r) => n + r.requests, 0) });
  results.no_attack = summarize(results.baseline);
  results.under_attack = summarize(results.attacked);
  results.p50_ratio = results.under_attack.p50_us / results.no_attack.p50_us;
  results.p99_ratio = results.under_attack.p99_us / results.no_attack.p99_us;
  results.rps_ratio = results.under_attack.rps / results.no_attack.rps;
  return results;
}

export function attackReport(r, seconds, rounds) {
  const row = (name, s) => `| ${name} | ${s.rps.toFixed(0)} | ${s.p50_us} | ${s.p99_us} | ${s.errors} / ${s.requests} |`;
  const held = (s) => `${s.slow_held} slow + ${s.idle_held} idle`;
  return [
    `Under attack: tools/call echo through Moat (default listen settings, rate limit off), 4 clients, ${seconds}s × ${rounds} rounds (medians), while an attacker`,
    `holds ${r.slow} slow-header and ${r.idle} idle connections and reopens each one the gateway closes`,
    '',
    '| | req/s | p50 µs | p99 µs | errors / requests |',
    '|---|---|---|---|---|',
    row('no attack', r.no_attack),
    row('under attack', r.under_attack),
    '',
    `p50 under attack ÷ without: ${r.p50_ratio.toFixed(2)}; p99: ${r.p99_ratio.toFixed(2)}; req/s: ${r.rps_ratio.toFixed(2)}`,
    `Attacker held ${held(r.attacker_before)} when the calls began and ${held(r.attacker_after)} when they ended ` +
      `(reopened ${r.attacker_after.reopened}, 408 ${r.attacker_after.timedOut}, refused ${r.attacker_after.refused}); ` +
      `Moat threads ${r.moat_threads}; RSS ${r.rss_before_kib} → ${r.rss_under_attack_kib} KiB`,
    '',
  ];
}
