// The command line as a user meets it: help, validate, plugins, refusing a bad file, TLS,
// JSON logs, and the MCP Inspector CLI as a second real client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { abiVersionPattern, moatBin, repoRoot, startMoat, startSampleServer, stop } from './helpers.mjs';

const work = mkdtempSync(path.join(tmpdir(), 'moat-cli-'));
const inspector = path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules/@modelcontextprotocol/inspector/cli/build/cli.js');
let sample;

function moat(args) {
  const result = spawnSync(moatBin, args, { encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function writeConfig(name, text) {
  const file = path.join(work, name);
  writeFileSync(file, text);
  return file;
}

before(async () => { sample = await startSampleServer('http'); });
after(async () => { await stop(sample?.child); });

describe('command line', () => {
  test('--help explains every command and every flag', () => {
    const overview = moat(['--help']);
    assert.equal(overview.code, 0);
    for (const command of ['serve', 'validate', 'plugins', 'version']) assert.match(overview.out, new RegExp(`\\n  ${command} `));
    const serve = moat(['serve', '--help']);
    for (const flag of ['--config FILE', '--plugin-path DIR', '--port N', '--log-format', '--log-level']) assert.ok(serve.out.includes(flag), flag);
    assert.equal(moat(['serve', '--colour']).code, 2);
    assert.match(moat(['serve', '--colour']).err, /unknown flag --colour/);
    assert.equal(moat(['frobnicate']).code, 2);
  });

  test('validate prints every error with file, line and key, and exits 1', () => {
    const file = writeConfig('bad.yaml', `listen:
  port: 99999
servers:
  web:
    upstream:
      url: "${sample.url}"
      timeout: forever
    pipeline:
      - plugin: stage-headers
        config: {sett: {}}
      - plugin: no-such-plugin
`);
    const result = moat(['validate', '--config', file]);
    assert.equal(result.code, 1);
    assert.ok(result.err.includes(`${file}:2:9: listen.port: expected a whole number from 0 to 65535`), result.err);
    assert.ok(result.err.includes(`${file}:7:16: servers.web.upstream.timeout: expected a duration`), result.err);
    assert.match(result.err, /2 error\(s\)/);

    const plugins = writeConfig('plugins.yaml', `servers:
  web:
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: stage-headers
        config: {sett: {}}
      - plugin: no-such-plugin
`);
    const second = moat(['validate', '--config', plugins]);
    assert.equal(second.code, 1);
    assert.ok(second.err.includes(`${plugins}:5:9: servers.web.pipeline[0]: plugin 'stage-headers' rejected its configuration: sett: unknown key in web/stage-headers (did you mean 'set'?)`), second.err);
    assert.ok(second.err.includes(`${plugins}:7:9: servers.web.pipeline[1]: plugin 'no-such-plugin': no file libmoat-no-such-plugin.so`), second.err);
  });

  test('validate accepts the sample pipeline in config/', () => {
    const result = moat(['validate', '--config', path.join(repoRoot, 'config/sample.yaml')]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /OK/);
  });

  test('serve refuses a bad file and never starts half-configured', () => {
    const file = writeConfig('half.yaml', `listen: {port: 0}
servers:
  good: {upstream: {url: "${sample.url}"}}
  bad:
    upstream: {url: "${sample.url}"}
    pipeline: [{plugin: missing-plugin}]
`);
    const result = moat(['serve', '--config', file]);
    assert.equal(result.code, 1);
    assert.match(result.err, /missing-plugin/);
    assert.doesNotMatch(result.out, /listening/);
  });

  // POCO's default bind sets SO_REUSEPORT, which let a second gateway share a port the first held
  // and take half of its connections (a CI run met a stray gateway answering another test's URL).
  test('a second gateway on the ports a running gateway holds is refused, for the public and the diagnostics port', async () => {
    const first = await startMoat(`listen: { port: {{PORT}} }\nservers:\n  a: { upstream: { url: "${sample.url}" } }\n`);
    try {
      const diagnosticsPort = new URL(first.diagnostics).port;
      const samePublic = moat(['serve', '--config', first.file, '--diagnostics-port', '0']);
      assert.equal(samePublic.code, 1, samePublic.err);
      assert.match(samePublic.err, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}: .*Address already in use`));
      const file = writeConfig('second.yaml', `listen: { port: 0 }\nservers:\n  a: { upstream: { url: "${sample.url}" } }\n`);
      const sameDiagnostics = moat(['serve', '--config', file, '--diagnostics-port', diagnosticsPort]);
      assert.equal(sameDiagnostics.code, 1, sameDiagnostics.err);
      assert.match(sameDiagnostics.err, new RegExp(`cannot listen for diagnostics on 127\\.0\\.0\\.1:${diagnosticsPort}`));
      assert.equal((await fetch(`${first.base}/healthz`)).status, 200);
    } finally {
      await stop(first.child);
    }
  });

  test('plugins lists first-party plugins with kind and ABI version', () => {
    const result = moat(['plugins']);
    assert.match(result.out, new RegExp(`stage-headers\\s+stage\\s+${abiVersionPattern}\\s+0\\.1\\.0`));
    assert.match(result.out, new RegExp(`auth-oidc\\s+authenticator\\s+${abiVersionPattern}\\s`));
    assert.match(result.out, new RegExp(`exchange-rfc8693\\s+exchanger\\s+${abiVersionPattern}\\s`));
    assert.match(result.out, new RegExp(`exchange-google-sts\\s+exchanger\\s+${abiVersionPattern}\\s`));
  });

  test('TLS: serves HTTPS with the configured certificate', async () => {
    const key = path.join(work, 'key.pem');
    const cert = path.join(work, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
    const server = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}, tls: {cert_file: "${cert}", key_file: "${key}"}}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
    try {
      const out = execFileSync('curl', ['-s', '--cacert', cert, '-X', 'POST', `https://127.0.0.1:${server.port}/sample/mcp`,
        '-H', 'Content-Type: application/json', '-H', 'Accept: application/json, text/event-stream',
        '-d', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } })]).toString();
      assert.match(out, /moat-sample-conformance-server/);
      const plain = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.port}/healthz`], { encoding: 'utf8' });
      assert.notEqual(plain.stdout, '200', 'plain HTTP must not be served on a TLS listener');
    } finally {
      await stop(server.child);
    }
  });

  test('--log-format json writes one JSON object per line', async () => {
    const server = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`, { args: ['--log-format', 'json'] });
    await (await fetch(`${server.base}/healthz`)).text();
    await (await fetch(`${server.base}/sample/mcp`, { method: 'DELETE' })).text();
    await stop(server.child);
    const lines = server.child.output.text.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length >= 3);
    const entries = lines.map((l) => JSON.parse(l));
    assert.ok(entries.some((e) => e.component === 'access' && e.request_id && e.status === '400'));
  });

  test('the MCP Inspector CLI lists and calls tools through the gateway', async () => {
    const server = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  sample: {upstream: {url: "${sample.url}"}}
`);
    try {
      const run = (args) => JSON.parse(execFileSync('node', [inspector, '--cli', `${server.base}/sample/mcp`, '--transport', 'http', ...args],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/^[^{]*/s, ''));
      const listed = run(['--method', 'tools/list']);
      assert.ok(listed.tools.some((t) => t.name === 'echo'));
      const called = run(['--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=inspected']);
      assert.equal(called.content[0].text, 'inspected');
    } finally {
      await stop(server.child);
    }
  });
});
