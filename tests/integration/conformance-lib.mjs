// Running the MCP conformance suite's server scenarios and comparing two runs check by check.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { node22 } from './helpers.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
export const suites = {
  '2025-11-25': { name: '2025-11-25', cli: path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'), args: ['--suite', 'all'] },
  '2026-07-28': { name: '2026-07-28', cli: path.join(here, 'node_modules/conformance-next/dist/index.js'), args: ['--suite', 'all', '--spec-version', '2026-07-28'] },
};

export function runSuite(suite, url, outputDir) {
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
export function results(outputDir) {
  const byScenario = {};
  for (const entry of readdirSync(outputDir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
    const checks = JSON.parse(readFileSync(path.join(outputDir, entry, 'checks.json'), 'utf8'));
    const failed = checks.filter((c) => c.status === 'FAILURE').length;
    // A check is named by its id and which occurrence of that id it is, so one check failing
    // does not renumber the others.
    const seen = {};
    const named = checks.map((c) => ({ c, name: `${scenario}/${c.id}#${(seen[c.id] = (seen[c.id] ?? -1) + 1)}` }));
    const passingChecks = named.filter(({ c }) => c.status !== 'FAILURE').map(({ name }) => name);
    byScenario[scenario] = { passed: checks.length - failed, failed, ok: failed === 0 && checks.length > 0, passingChecks };
  }
  return byScenario;
}

// What passes in `baseline` but not in `candidate`, by scenario and by individual check, and a
// Markdown table of both.
export function compare(baseline, candidate, labels) {
  const passing = Object.keys(baseline).filter((s) => baseline[s].ok);
  const lostScenarios = passing.filter((s) => !candidate[s]?.ok);
  const candidateChecks = new Set(Object.values(candidate).flatMap((r) => r.passingChecks));
  const lostChecks = Object.values(baseline).flatMap((r) => r.passingChecks).filter((c) => !candidateChecks.has(c));
  const cell = (r) => (r ? `${r.ok ? 'pass' : 'fail'} (${r.passed}/${r.passed + r.failed})` : 'missing');
  const rows = Object.keys(baseline).sort().map((s) => `| ${s} | ${cell(baseline[s])} | ${cell(candidate[s])} |`);
  const table = `${passing.length} of ${Object.keys(baseline).length} scenarios pass ${labels[0]}; ` +
    `${Object.keys(candidate).filter((s) => candidate[s].ok).length} pass ${labels[1]}.\n\n` +
    `| scenario | ${labels[0]} | ${labels[1]} |\n|---|---|---|\n${rows.join('\n')}\n`;
  return { passing, lostScenarios, lostChecks, table };
}

// Compares `candidate` runs with `baseline` and asserts that nothing passing in the baseline is
// lost, except checks accepted by `tolerated` (a predicate on the check name).
export function assertNothingLost(assert, baselineDir, runs, { minimumPassing, tolerated = () => false }) {
  for (const { dir, label } of runs) {
    const { passing, lostScenarios, lostChecks, table } = compare(results(baselineDir), results(dir), label);
    console.log(table);
    console.log(`checks passing only in the baseline: ${lostChecks.join(', ') || 'none'}`);
    assert.ok(passing.length >= minimumPassing, `only ${passing.length} scenarios pass in the baseline`);
    assert.deepEqual(lostScenarios, []);
    assert.ok(lostChecks.every(tolerated), `unexpected lost checks: ${lostChecks.filter((c) => !tolerated(c)).join(', ')}`);
  }
}
