// The identity quick start (scripts/quickstart --identity), piece by piece on free ports: the
// development IdP started the way the script starts it, the sample server, Moat on
// config/identity-sample.yaml, and the two commands the script prints, run as printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot, start, startMoat, startSampleServer, stop } from './helpers.mjs';

const script = readFileSync(path.join(repoRoot, 'scripts/quickstart'), 'utf8');
let idp, sample, moat, url;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-quickstart-'));
  const idpPort = await freePort();
  const keys = path.join(dir, 'idp-keys.json');
  assert.equal(spawnSync('node', [path.join(repoRoot, 'tests/integration/idp/make-keys.mjs'), keys]).status, 0);
  idp = await start('node', [path.join(repoRoot, 'tests/integration/idp/test-idp.mjs'), '--port', String(idpPort), '--keys', keys],
    { ready: /test IdP listening/ });
  sample = await startSampleServer('http');
  // The shipped file, with the ports the script uses moved to free ones.
  const yaml = readFileSync(path.join(repoRoot, 'config/identity-sample.yaml'), 'utf8')
    .replace('port: 8080', 'port: {{PORT}}')
    .replace('http://127.0.0.1:3001/mcp', sample.url)
    .replace('http://127.0.0.1:9400', `http://127.0.0.1:${idpPort}`);
  moat = await startMoat(yaml);
  url = `${moat.base}/sample/mcp`;
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
  await stop(idp);
});

test('the printed client command signs alice in at the development IdP and lists the tools through Moat', async () => {
  assert.match(script, /node scripts\/identity-client\.mjs --user alice http:\/\/127\.0\.0\.1:8080\/sample\/mcp/);
  const run = spawnSync('node', ['scripts/identity-client.mjs', '--user', 'alice', url], { cwd: repoRoot, encoding: 'utf8', timeout: 60000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /is protected by http:\/\/127\.0\.0\.1:\d+; signing in as alice/);
  assert.match(run.stdout, /tools through Moat as alice: .*\becho\b/);
  // spawnSync held this process's event loop: moat's log arrives now.
  await new Promise((r) => setTimeout(r, 300));
  assert.match(moat.child.output.text, /\[access\] POST \/sample\/mcp .*server=sample status=200 .*subject=alice/);
});

test('the printed curl command without a token gets 401 and a challenge naming the resource metadata', () => {
  assert.match(script, /curl -si -X POST http:\/\/127\.0\.0\.1:8080\/sample\/mcp/);
  const run = spawnSync('curl', ['-si', '-X', 'POST', url, '-H', 'Content-Type: application/json',
    '-d', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^HTTP\/1\.1 401/);
  assert.match(run.stdout, new RegExp(`WWW-Authenticate: Bearer .*resource_metadata="${moat.base}/\\.well-known/oauth-protected-resource/sample/mcp"`, 'i'));
});
