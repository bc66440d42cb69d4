// moat's container image (deploy/Dockerfile, assembled by scripts/image) built and run by a real
// dockerd (scripts/container-runtimes): it runs as non-root on a read-only root filesystem with
// no capabilities, loads every plugin, and serves the layout the operator and the charts give it
// (the pipeline in /etc/moat/config, Secrets as files in /etc/moat/secrets).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot } from './helpers.mjs';

const tag = 'moat:image-test';
const preset = path.basename(process.env.MOAT_BUILD_DIR ?? path.join(repoRoot, 'build/default'));
let env;

const docker = (args, options = {}) => spawnSync('docker', args, { encoding: 'utf8', env, timeout: 120000, ...options });
const locked = ['run', '--rm', '--read-only', '--user', '65532:65532', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

before(() => {
  const sockets = execFileSync(path.join(repoRoot, 'scripts/container-runtimes'), ['start'], { encoding: 'utf8', timeout: 120000 });
  const socket = sockets.match(/DOCKER_SOCKET=(\S+)/)[1];
  env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  execFileSync(path.join(repoRoot, 'scripts/image'), [tag, preset], { env, encoding: 'utf8', timeout: 300000 });
});

test('the image runs moat as non-root, read-only, without capabilities, and holds every plugin', () => {
  const version = docker([...locked, tag, 'version']);
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^moat \S+ \(plugin ABI \d+\.\d+\)/);
  const plugins = docker([...locked, tag, 'plugins']);
  assert.equal(plugins.status, 0, plugins.stderr);
  for (const name of ['auth-oidc', 'auth-okta', 'exchange-rfc8693', 'exchange-google-sts', 'session-redis', 'stage-audit', 'authz-cedar'])
    assert.match(plugins.stdout, new RegExp(`\\b${name}\\b`), plugins.stdout);
  const user = JSON.parse(docker(['image', 'inspect', tag]).stdout)[0].Config.User;
  assert.equal(user, '65532:65532');
  const shell = docker(['run', '--rm', '--entrypoint', '/bin/sh', tag, '-c', 'true']);
  assert.notEqual(shell.status, 0, 'no shell in the image');
});

test('the image validates and serves the operator\'s layout: pipeline and Secrets as read-only files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moat-image-'));
  mkdirSync(path.join(root, 'config'));
  mkdirSync(path.join(root, 'secrets/oidc'), { recursive: true });
  writeFileSync(path.join(root, 'secrets/oidc/client-secret'), 'image-test-secret');
  writeFileSync(path.join(root, 'config/pipeline.yaml'), `listen: {address: 0.0.0.0, port: 8080}
diagnostics: {address: 0.0.0.0, port: 9464}
servers:
  tools:
    path: /mcp
    upstream: {url: "http://tools.invalid:8000/mcp"}
    pipeline:
      - plugin: auth-oidc
        config: {issuer: "https://idp.example.com", client_id: gw, client_secret_file: ../secrets/oidc/client-secret}
`);
  for (const dir of [root, path.join(root, 'config'), path.join(root, 'secrets'), path.join(root, 'secrets/oidc')]) chmodSync(dir, 0o755);
  chmodSync(path.join(root, 'secrets/oidc/client-secret'), 0o444);
  const mounts = ['-v', `${root}/config:/etc/moat/config:ro`, '-v', `${root}/secrets:/etc/moat/secrets:ro`];
  const validate = docker([...locked, ...mounts, tag, 'validate', '--config', '/etc/moat/config/pipeline.yaml']);
  assert.equal(validate.status, 0, validate.stdout + validate.stderr);

  const port = await freePort();
  const name = `moat-image-test-${process.pid}`;
  const run = docker([...locked.filter((a) => a !== '--rm'), '-d', '--name', name, '-p', `127.0.0.1:${port}:9464`, ...mounts, tag,
    'serve', '--config', '/etc/moat/config/pipeline.yaml']);
  assert.equal(run.status, 0, run.stderr);
  try {
    let health;
    for (let i = 0; i < 60 && !health; i++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status).catch(() => undefined);
      if (!health) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(health, 200, docker(['logs', name]).stderr);
    const logs = docker(['logs', name]);
    assert.ok(!(logs.stdout + logs.stderr).includes('image-test-secret'), 'the secret is not logged');
  } finally {
    docker(['rm', '-f', name]);
  }
});
