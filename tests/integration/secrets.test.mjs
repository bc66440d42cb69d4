// Secrets by name: `moat secret` keeps them in a file encrypted under a passphrase (the file
// holds no value, a wrong passphrase is refused), `moat run --secret NAME,target=ENV` puts one
// in the server's environment and nowhere else (not in any command line `ps` shows, not in the
// gateway's log or state, not in `moat list`), and in CI MOAT_SECRETS_PROVIDER=environment reads
// MOAT_SECRET_<NAME> instead. The store's passphrase and the MOAT_SECRET_* variables never reach
// the server's environment.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { childrenOf, initializeMessage, moatBin, postJson, sampleServer, startMoat, startSampleServer, stop } from './helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-secrets-'));
const passphraseFile = path.join(dir, 'passphrase');
writeFileSync(passphraseFile, 'correct horse battery staple\n', { mode: 0o600 });
const env = { ...process.env, MOAT_STATE_DIR: path.join(dir, 'state'), MOAT_SECRETS_PASSPHRASE_FILE: passphraseFile };
const value = 'ghp_s3cr3tValue_0123456789abcdef';
const moat = (args, options = {}) => spawnSync(moatBin, args, { env, encoding: 'utf8', timeout: 30000, ...options });

// Every file under `root`, for greps.
function filesUnder(root) {
  return readdirSync(root, { recursive: true }).map((f) => path.join(root, f)).filter((f) => statSync(f).isFile());
}

async function waitFor(condition, timeoutMs = 10000) {
  for (const start = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
}

const environOf = (pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const cmdlineOf = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

describe('moat secret', () => {
  test('set from standard input, list, get; the store is 0600 and holds no value; a wrong passphrase is refused; delete', () => {
    const set = moat(['secret', 'set', 'github-token'], { input: `${value}\n` });
    assert.equal(set.status, 0, set.stderr);
    assert.equal(moat(['secret', 'list']).stdout, 'github-token\n');
    assert.equal(moat(['secret', 'get', 'github-token']).stdout, `${value}\n`);
    const store = path.join(dir, 'state', 'secrets.json');
    assert.equal(statSync(store).mode & 0o777, 0o600);
    const text = readFileSync(store, 'utf8');
    assert.ok(!text.includes(value) && !text.includes(Buffer.from(value).toString('base64')), 'the value is not in the file');
    assert.equal(JSON.parse(text).cipher, 'aes-256-gcm');

    const wrong = moat(['secret', 'get', 'github-token'], { env: { ...env, MOAT_SECRETS_PASSPHRASE_FILE: '', MOAT_SECRETS_PASSPHRASE: 'guess' } });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /wrong passphrase/);
    assert.ok(!wrong.stderr.includes(value) && !wrong.stdout.includes(value));

    assert.equal(moat(['secret', 'set', 'scratch'], { input: 'x' }).status, 0);
    assert.equal(moat(['secret', 'delete', 'scratch']).status, 0);
    assert.equal(moat(['secret', 'list']).stdout, 'github-token\n');
    assert.equal(moat(['secret', 'set', 'bad name'], { input: 'x' }).status, 1);
  });
});

describe('moat run --secret', () => {
  after(() => { moat(['rm', 'with-secret']); moat(['rm', 'from-env']); });

  test('the value reaches the server\'s environment and nowhere else', async () => {
    const run = moat(['run', '--name', 'with-secret', '--secret', 'github-token,target=GITHUB_TOKEN', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    const init = await postJson(url, initializeMessage());  // a session starts the server process
    assert.equal(init.status, 200);
    await init.text();
    const list = moat(['list']);
    const gateway = Number(/with-secret\s+running\s+(\d+)/.exec(list.stdout)[1]);
    const [server] = childrenOf(gateway);
    assert.ok(server, 'the server process runs under the gateway');
    assert.ok(environOf(server).includes(`GITHUB_TOKEN=${value}`), 'the server has it');
    for (const pid of [gateway, server]) assert.ok(!cmdlineOf(pid).includes(value), `not on the command line of ${pid}`);
    assert.ok(!environOf(server).some((v) => v.startsWith('MOAT_SECRETS_PASSPHRASE')), 'the store\'s passphrase stays with moat');
    assert.ok(cmdlineOf(gateway).includes('github-token,target=GITHUB_TOKEN'), 'only the name travels');
    assert.ok(!list.stdout.includes(value));
    for (const file of filesUnder(path.join(dir, 'state')).filter((f) => !f.endsWith('secrets.json')))
      assert.ok(!readFileSync(file, 'utf8').includes(value), `not in ${file}`);
  });

  test('a missing secret is refused before anything starts', () => {
    const run = moat(['run', '--name', 'missing', '--secret', 'nope,target=X', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /no secret nope/);
  });

  test('MOAT_SECRETS_PROVIDER=environment reads MOAT_SECRET_<NAME> (CI), and the server sees only the target variable', async () => {
    const ci = { ...env, MOAT_SECRETS_PASSPHRASE_FILE: '', MOAT_SECRETS_PROVIDER: 'environment', MOAT_SECRET_API_KEY: 'from-the-runner' };
    const run = moat(['run', '--name', 'from-env', '--secret', 'api-key,target=API_KEY', '--detach', '--', 'node', sampleServer, '--transport', 'stdio'], { env: ci });
    assert.equal(run.status, 0, run.stderr);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    await (await postJson(url, initializeMessage())).text();
    const gateway = Number(/from-env\s+running\s+(\d+)/.exec(moat(['list']).stdout)[1]);
    const [server] = childrenOf(gateway);
    const seen = environOf(server);
    assert.ok(seen.includes('API_KEY=from-the-runner'));
    assert.ok(!seen.some((v) => v.startsWith('MOAT_SECRET_')), 'the provider\'s variables are not passed on');
  });
});

describe('secrets by name in pipeline YAML (${secret:NAME})', () => {
  const headerValue = 'backend-token-7d1e0b55';
  const rotated = 'backend-token-rotated-92aa';
  const serverValue = 'server-env-token-3c8f';
  let upstream;
  let gateway;

  after(async () => {
    if (gateway) await stop(gateway.child);
    if (upstream) await stop(upstream.child);
  });

  const yaml = (upstreamUrl) => `
listen: { port: {{PORT}} }
log: { level: debug }
servers:
  http:
    path: /mcp
    upstream: { url: ${upstreamUrl} }
    pipeline:
      - plugin: stage-headers
        config: { set: { X-Backend-Token: "\${secret:backend-token}" } }
  local:
    path: /local/mcp
    upstream:
      transport: stdio
      command: node
      args: [${JSON.stringify(sampleServer)}, --transport, stdio]
      env: { SERVER_TOKEN: "\${secret:server-token}" }
`;

  test('a plugin setting and a server environment variable come from the store; a reload rereads it; no value is logged or passed on', async () => {
    assert.equal(moat(['secret', 'set', 'backend-token'], { input: headerValue }).status, 0);
    assert.equal(moat(['secret', 'set', 'server-token'], { input: serverValue }).status, 0);
    upstream = await startSampleServer();

    // A missing secret: file, line and key, and the name, before anything starts.
    const missingDir = mkdtempSync(path.join(tmpdir(), 'moat-secrets-yaml-'));
    const missingFile = path.join(missingDir, 'moat.yaml');
    writeFileSync(missingFile, yaml(upstream.url).replaceAll('{{PORT}}', '0').replace('secret:server-token', 'secret:absent-token'));
    const check = moat(['validate', '--config', missingFile]);
    assert.equal(check.status, 1);
    assert.match(check.stderr, /moat\.yaml:\d+:\d+: servers\.local\.upstream\.env\.SERVER_TOKEN: secret absent-token is not in .*secrets\.json \(moat secret set absent-token\)/);

    gateway = await startMoat(yaml(upstream.url), { args: ['--pid-file', path.join(dir, 'gateway.pid')], env: { ...env } });
    const headers = async () => {
      const client = new Client({ name: 'secrets-yaml', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`)));
      const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
      await client.close();
      return seen;
    };
    assert.equal((await headers())['x-backend-token'], headerValue);

    const init = await postJson(`${gateway.base}/local/mcp`, initializeMessage());
    assert.equal(init.status, 200);
    await init.text();
    const [server] = childrenOf(gateway.child.pid);
    assert.ok(server, 'the stdio server runs under the gateway');
    assert.ok(environOf(server).includes(`SERVER_TOKEN=${serverValue}`));
    assert.ok(!environOf(server).some((v) => v.startsWith('MOAT_SECRETS_') || v.startsWith('MOAT_SECRET_')), 'the store\'s settings stay with moat');

    // Rotated in the store, picked up by a reload: the passphrase was kept in the process.
    assert.equal(moat(['secret', 'set', 'backend-token'], { input: rotated }).status, 0);
    const reload = moat(['reload', '--pid-file', path.join(dir, 'gateway.pid')]);
    assert.equal(reload.status, 0, reload.stderr);
    await waitFor(() => gateway.child.output.text.includes('configuration reloaded'));
    assert.equal((await headers())['x-backend-token'], rotated);

    for (const secret of [headerValue, rotated, serverValue]) {
      assert.ok(!gateway.child.output.text.includes(secret), 'not in the gateway\'s log');
      assert.ok(!cmdlineOf(gateway.child.pid).includes(secret) && !cmdlineOf(server).includes(secret), 'not on a command line');
      assert.ok(!readFileSync(gateway.file, 'utf8').includes(secret), 'not in the pipeline file');
    }
  });
});

describe('the store\'s key in a desktop keyring (GNOME Keyring through the Secret Service)', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'moat-keyring-'));
  let bus;
  let keyringEnv;

  after(() => {
    moat(['rm', 'keyring-run'], { env: keyringEnv });
    if (bus) process.kill(bus.pid);
  });

  test('a new store gets a random key the keyring keeps; no passphrase is asked, even by a background restart', async () => {
    // A session bus and a keyring daemon of their own, as a desktop session has.
    const started = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1', '--nopidfile'], { encoding: 'utf8' });
    assert.equal(started.status, 0, started.stderr);
    const [address, pid] = started.stdout.trim().split('\n');
    bus = { pid: Number(pid) };
    keyringEnv = {
      ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_RUNTIME_DIR: home, DBUS_SESSION_BUS_ADDRESS: address,
      MOAT_STATE_DIR: path.join(home, 'state'),
    };
    for (const name of Object.keys(keyringEnv)) if (name.startsWith('MOAT_SECRETS_')) delete keyringEnv[name];
    const daemon = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--daemonize'], { env: keyringEnv, input: 'login-password', encoding: 'utf8' });
    assert.equal(daemon.status, 0, daemon.stderr);

    const set = moat(['secret', 'set', 'api-key'], { env: keyringEnv, input: value });
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stderr, /the secret store's key is kept in the desktop keyring/);
    const store = path.join(home, 'state/secrets.json');
    const key = spawnSync('secret-tool', ['lookup', 'application', 'moat-secrets', 'store', store], { env: keyringEnv, encoding: 'utf8' }).stdout;
    assert.match(key, /^[A-Za-z0-9+/=]{44}$/, 'a random 32-byte key, in the keyring');
    assert.ok(!readFileSync(store, 'utf8').includes(value));

    assert.equal(moat(['secret', 'get', 'api-key'], { env: keyringEnv }).stdout, `${value}\n`);
    const run = moat(['run', '--name', 'keyring-run', '--secret', 'api-key,target=API_KEY', '--detach', '--', 'node', sampleServer, '--transport', 'stdio'], { env: keyringEnv });
    assert.equal(run.status, 0, run.stderr);
    const restart = moat(['restart', 'keyring-run'], { env: keyringEnv });
    assert.equal(restart.status, 0, restart.stderr);
    const url = /is served at (\S+)/.exec(restart.stdout)[1];
    await (await postJson(url, initializeMessage())).text();
    const gateway = Number(/keyring-run\s+running\s+(\d+)/.exec(moat(['list'], { env: keyringEnv }).stdout)[1]);
    const [server] = childrenOf(gateway);
    assert.ok(environOf(server).includes(`API_KEY=${value}`), 'the restarted server has its secret');

    // Without the keyring, the same store wants its key: refused, not guessed.
    const off = moat(['secret', 'get', 'api-key'], { env: { ...keyringEnv, MOAT_SECRETS_KEYRING: 'off' } });
    assert.equal(off.status, 1);
    assert.match(off.stderr, /needs a passphrase/);
  });
});
