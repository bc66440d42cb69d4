// A plugin author's path: install Moat, build samples/plugin-change-window (an authorizer) out of
// tree through find_package(MoatSDK CONFIG), name it in YAML after the shipped auth-apikey, and
// it decides who may call what: outside its change window only the approver may call tools
// that are not read-only, and the others' tools/list shows only the read-only ones. The sample
// server marks whoami and pid read-only; the gateway carries those annotations from the
// session's tools/list to the decision on a call.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { abiVersionPattern, repoRoot, startMoat, startSampleServer, stop } from './helpers.mjs';

const buildDir = process.env.MOAT_BUILD_DIR ?? path.join(repoRoot, 'build/default');
const work = mkdtempSync(path.join(tmpdir(), 'moat-sdk-'));
const prefix = path.join(work, 'prefix');
const pluginBuild = path.join(work, 'plugin');
let sample, moat;

before(async () => {
  execFileSync('cmake', ['--install', buildDir, '--prefix', prefix], { stdio: 'pipe' });
  execFileSync('cmake', ['-S', path.join(repoRoot, 'samples/plugin-change-window'), '-B', pluginBuild, '-G', 'Ninja',
    `-DCMAKE_PREFIX_PATH=${prefix}`], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', pluginBuild], { stdio: 'pipe' });
  // auth-apikey keeps only digests of the keys.
  const digest = (key) => createHash('sha256').update(key).digest('hex');
  writeFileSync(path.join(work, 'keys.txt'), `alice:sha256:${digest('alice-key-0123456789')}\nbob:sha256:${digest('bob-key-0123456789')}\n`);
  sample = await startSampleServer('http');
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
plugins: {search_path: ["${pluginBuild}"]}
servers:
  guarded:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: auth-apikey
        config: {keys_file: "${path.join(work, 'keys.txt')}"}
      - plugin: change-window
        config: {window_utc: "00:00-00:00", approvers: [alice]}   # a window that never opens
      - plugin: stage-headers
        config: {identity_headers: {X-Moat-User: subject}}
`, { env: { MOAT_PLUGIN_PATH: path.join(prefix, 'lib/moat/plugins') } });
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
});

test('the out-of-tree plugin passes its own unit tests built against the installed SDK', () => {
  const out = execFileSync('ctest', ['--output-on-failure'], { cwd: pluginBuild }).toString();
  assert.match(out, /100% tests passed/);
});

test('the installed SDK package version is the plugin ABI version', () => {
  const header = readFileSync(path.join(prefix, 'include/moat/abi.h'), 'utf8');
  const major = header.match(/^#define MOAT_ABI_VERSION_MAJOR (\d+)$/m)[1];
  const minor = header.match(/^#define MOAT_ABI_VERSION_MINOR (\d+)$/m)[1];
  const versionFile = readFileSync(path.join(prefix, 'lib/cmake/MoatSDK/MoatSDKConfigVersion.cmake'), 'utf8');
  assert.match(versionFile, new RegExp(`set\\(PACKAGE_VERSION "${major}\\.${minor}"\\)`));
});

test('moat plugins lists it with its kind and ABI version', () => {
  const env = { ...process.env };
  delete env.MOAT_PLUGIN_PATH;  // only the installed plugins and the sample's build directory
  const out = execFileSync(path.join(prefix, 'bin/moat'), ['plugins', '--plugin-path', pluginBuild], { env }).toString();
  assert.match(out, new RegExp(`change-window\\s+authorizer\\s+${abiVersionPattern}\\s+1\\.0\\.0`));
  assert.match(out, new RegExp(`stage-headers\\s+stage\\s+${abiVersionPattern}\\s`));
});

async function connect(key) {
  const client = new Client({ name: 'sdk-sample', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/guarded/mcp`), { requestInit: { headers: { 'X-API-Key': key } } }));
  return client;
}

test('outside the window, a caller who is not an approver sees and calls only read-only tools', async () => {
  const client = await connect('bob-key-0123456789');
  try {
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['pid', 'whoami']);
    assert.match((await client.callTool({ name: 'pid', arguments: {} })).content[0].text, /^\d+$/);
    await assert.rejects(client.callTool({ name: 'echo', arguments: { message: 'x' } }), (e) => e.code === 403 && /tool echo is not allowed/.test(e.message));
    assert.equal((await client.getPrompt({ name: 'test_simple_prompt' })).messages.length, 1, 'prompts are reads');
  } finally {
    await client.close();
  }
});

test('a session that never listed its tools has no annotations to go by: the read-only tool is refused too', async () => {
  const client = await connect('bob-key-0123456789');
  try {
    await assert.rejects(client.callTool({ name: 'pid', arguments: {} }), (e) => e.code === 403);
  } finally {
    await client.close();
  }
});

test('the approver lists and calls the tools, and the upstream sees the identity, not the key', async () => {
  const client = await connect('alice-key-0123456789');
  try {
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'whoami'));
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    assert.equal(seen['x-moat-user'], 'alice');
    assert.equal(seen['x-api-key'], undefined);
  } finally {
    await client.close();
  }
});
