// A plugin author's path: install Moat, build samples/plugin-api-key out of tree through
// find_package(MoatSDK CONFIG), name it in YAML, and it guards a server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { abiVersionPattern, initializeMessage, postJson, repoRoot, startMoat, startSampleServer, stop } from './helpers.mjs';

const buildDir = process.env.MOAT_BUILD_DIR ?? path.join(repoRoot, 'build/default');
const work = mkdtempSync(path.join(tmpdir(), 'moat-sdk-'));
const prefix = path.join(work, 'prefix');
const pluginBuild = path.join(work, 'plugin');
let sample, moat;

before(async () => {
  execFileSync('cmake', ['--install', buildDir, '--prefix', prefix], { stdio: 'pipe' });
  execFileSync('cmake', ['-S', path.join(repoRoot, 'samples/plugin-api-key'), '-B', pluginBuild, '-G', 'Ninja',
    `-DCMAKE_PREFIX_PATH=${prefix}`], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', pluginBuild], { stdio: 'pipe' });
  writeFileSync(path.join(work, 'keys.txt'), 'alice:alice-key-0123456789\n');
  sample = await startSampleServer('http');
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
plugins: {search_path: ["${pluginBuild}"]}
servers:
  guarded:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: api-key
        config: {keys_file: "${path.join(work, 'keys.txt')}"}
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
  assert.match(out, new RegExp(`api-key\\s+authenticator\\s+${abiVersionPattern}\\s+1\\.0\\.0`));
  assert.match(out, new RegExp(`stage-headers\\s+stage\\s+${abiVersionPattern}\\s`));
});

test('without a key: 401 with WWW-Authenticate and a JSON-RPC error', async () => {
  const response = await postJson(`${moat.base}/guarded/mcp`, initializeMessage(11));
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), 'ApiKey header="X-API-Key"');
  const body = await response.json();
  assert.equal(body.id, 11);
  assert.equal(body.error.message, 'missing API key in X-API-Key');
});

test('with a key: the SDK client works and the upstream sees the identity, not the key', async () => {
  const client = new Client({ name: 'sdk-sample', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${moat.base}/guarded/mcp`),
    { requestInit: { headers: { 'X-API-Key': 'alice-key-0123456789' } } }));
  const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
  assert.equal(seen['x-moat-user'], 'alice');
  assert.equal(seen['x-api-key'], undefined);
  await client.close();
  assert.match(moat.child.output.text, /not for production/);
});
