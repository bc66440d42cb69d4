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
import { childrenOf, initializeMessage, moatBin, postJson, sampleServer } from './helpers.mjs';

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
