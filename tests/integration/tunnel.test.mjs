// moat tunnel through a real OpenSSH server (Debian's openssh-server on a loopback port, started
// here with its own host key and an authorized client key): the TypeScript SDK client reaches
// the sample MCP server through the reverse forward, behind basic auth, and the tunnel comes back
// on its own after sshd restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, moatBin, postJson, sampleServer, start, startSampleServer, stop } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'moat-tunnel-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const user = userInfo().username;

function keygen(file) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'moat-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function startSshd(port) {
  if (process.getuid() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config'), '-p', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = { text: '' };
  child.stderr.on('data', (d) => { child.output.text += d; });
  for (let i = 0; i < 100 && !/Server listening/.test(child.output.text); i++) await sleep(50);
  assert.match(child.output.text, /Server listening/, child.output.text);
  return child;
}

// sshd and every process below it (each connection runs in its own session, not in the
// listener's process group).
function killTree(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  for (const child of children) killTree(child);
}

describe('moat tunnel --tunnel-provider ssh against a real sshd', () => {
  let sshd, sshPort, upstream, args, htpasswd;
  before(async () => {
    const hostPub = keygen(path.join(dir, 'host_key'));
    const clientPub = keygen(path.join(dir, 'client_key'));
    writeFileSync(path.join(dir, 'authorized_keys'), `${clientPub}\n`);
    sshPort = await freePort();
    writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${sshPort} ${hostPub}\n`);
    writeFileSync(path.join(dir, 'empty_known_hosts'), '');
    writeFileSync(path.join(dir, 'sshd_config'), [
      'ListenAddress 127.0.0.1', `HostKey ${path.join(dir, 'host_key')}`, `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'AllowTcpForwarding remote', 'GatewayPorts no',
      'StrictModes no', 'UsePAM no', 'ClientAliveInterval 5', '',
    ].join('\n'));
    sshd = await startSshd(sshPort);
    upstream = await startSampleServer('http');
    htpasswd = path.join(dir, 'htpasswd');
    writeFileSync(htpasswd, `alice:${execFileSync('openssl', ['passwd', '-6', 'tunnel-secret']).toString().trim()}\n`);
    args = (remotePort, extra = {}) => JSON.stringify({
      host: '127.0.0.1', port: sshPort, user, identity_file: path.join(dir, 'client_key'),
      known_hosts_file: path.join(dir, 'known_hosts'), remote_port: remotePort, max_backoff_seconds: 2, ...extra,
    });
  });
  after(async () => {
    if (sshd) killTree(sshd.pid);
    await stop(upstream?.child);
  });

  test('401 without credentials, 200 with them, through the reverse forward; the tunnel returns after sshd restarts', async () => {
    const remotePort = await freePort();
    const tunnel = await start(moatBin, ['tunnel', upstream.url, 'demo', '--tunnel-provider', 'ssh', '--provider-args', args(remotePort),
      '--basic-auth-file', htpasswd], { ready: /moat: tunnel up/, timeoutMs: 30000 });
    try {
      const publicUrl = /moat: tunnel up: (\S+)/.exec(tunnel.output.text)[1];
      assert.equal(publicUrl, `http://127.0.0.1:${remotePort}/mcp`);
      assert.match(tunnel.output.text, /claude mcp add --transport http demo http:\/\/127\.0\.0\.1:\d+\/mcp --header "Authorization: Basic <base64 of USER:PASSWORD>"/);
      assert.match(tunnel.output.text, /"headers": \{"Authorization": "Basic <base64 of USER:PASSWORD>"\}/);

      assert.equal((await postJson(publicUrl, initializeMessage())).status, 401);
      const basic = { Authorization: `Basic ${Buffer.from('alice:tunnel-secret').toString('base64')}` };
      const client = new Client({ name: 'tunnel-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: basic } }));
      const result = await client.callTool({ name: 'echo', arguments: { message: 'through ssh' } });
      assert.equal(result.content[0].text, 'through ssh');
      await client.close();

      // sshd goes away with every connection it carried: the public port closes.
      killTree(sshd.pid);
      await sleep(500);
      await assert.rejects(postJson(publicUrl, initializeMessage(), basic));
      sshd = await startSshd(sshPort);
      let status = 0;
      for (let i = 0; i < 60 && status !== 200; i++) {
        await sleep(250);
        status = await postJson(publicUrl, initializeMessage(), basic).then((r) => r.status, () => 0);
      }
      assert.equal(status, 200, 'the supervisor reconnected');
      assert.match(tunnel.output.text, /reconnecting in \d+ ms/);
      assert.ok(!tunnel.output.text.includes('tunnel-secret'));
    } finally {
      await stop(tunnel);
    }
  });

  test('an SSH server whose host key is not known is refused, with ssh\'s reason', async () => {
    const failed = start(moatBin, ['tunnel', upstream.url, 'demo', '--tunnel-provider', 'ssh', '--basic-auth-file', htpasswd,
      '--provider-args', args(await freePort(), { known_hosts_file: path.join(dir, 'empty_known_hosts') })], { ready: /never/, timeoutMs: 30000 });
    await assert.rejects(failed, /exited with 1[\s\S]*did not come up: .*Host key verification failed/);
  });

  test('TARGET may name a workload moat run started', async () => {
    const env = { ...process.env, MOAT_STATE_DIR: path.join(dir, 'state') };
    const run = execFileSync(moatBin, ['run', '--name', 'local-tools', '--detach', '--', 'node', sampleServer, '--transport', 'stdio'],
      { env, encoding: 'utf8' });
    const workloadUrl = /is served at (\S+)/.exec(run)[1];
    try {
      const plan = execFileSync(moatBin, ['tunnel', 'local-tools', 'shared-tools', '--tunnel-provider', 'ssh', '--provider-args', args(1234),
        '--basic-auth-file', htpasswd, '--dry-run'], { env, encoding: 'utf8' });
      assert.ok(plan.includes(`/mcp -> ${workloadUrl}`), plan);
      assert.match(plan, /pipeline: auth-basic/);
      const unknown = start(moatBin, ['tunnel', 'no-such-workload', 'x', '--tunnel-provider', 'ssh', '--provider-args', args(1234),
        '--basic-auth-file', htpasswd, '--dry-run'], { env, ready: /never/ });
      await assert.rejects(unknown, /neither an http\(s\):\/\/ URL nor a workload/);
    } finally {
      execFileSync(moatBin, ['rm', 'local-tools'], { env });
    }
  });

  test('no authentication stage: refused unless --allow-unauthenticated; --dry-run starts nothing', async () => {
    const refused = start(moatBin, ['tunnel', upstream.url, 'open', '--tunnel-provider', 'ssh', '--provider-args', args(1234)],
      { ready: /never/ });
    await assert.rejects(refused, /exited with 2[\s\S]*refusing to publish 'open' without authentication/);

    const remotePort = await freePort();
    const plan = execFileSync(moatBin, ['tunnel', upstream.url, 'open', '--tunnel-provider', 'ssh', '--provider-args', args(remotePort),
      '--allow-unauthenticated', '--dry-run'], { env: process.env }).toString();
    assert.match(plan, /\(dry run\): nothing is started/);
    assert.match(plan, /pipeline: \(none: open to anyone/);
    assert.match(plan, /provider: tunnel-ssh \{/);
    assert.equal(await postJson(`http://127.0.0.1:${remotePort}/mcp`, initializeMessage()).then((r) => r.status, () => 'refused'), 'refused');

    const badArgs = start(moatBin, ['tunnel', upstream.url, 'x', '--tunnel-provider', 'ssh', '--provider-args', '{"user":"u"}',
      '--allow-unauthenticated', '--dry-run'], { ready: /never/ });
    await assert.rejects(badArgs, /host: required/);
  });
});

describe('moat tunnel --tunnel-provider ngrok, against a STAND-IN ngrok agent', () => {
  // ngrok's cloud is unreachable here: tunnel/ngrok-standin.mjs takes the agent's command line and
  // prints its log lines; it is found on PATH as `ngrok`, as the real agent would be.
  let upstream, binDir, record, tokenFile, policyFile, keysFile, env;
  before(async () => {
    upstream = await startSampleServer('http');
    binDir = mkdtempSync(path.join(tmpdir(), 'moat-ngrok-bin-'));
    writeFileSync(path.join(binDir, 'ngrok'), `#!/bin/sh\nexec node ${path.join(here, 'tunnel/ngrok-standin.mjs')} "$@"\n`);
    chmodSync(path.join(binDir, 'ngrok'), 0o755);
    record = path.join(dir, 'ngrok-invocations.jsonl');
    tokenFile = path.join(dir, 'ngrok-token');
    writeFileSync(tokenFile, '2abcNGROKTOKENxyz\n');
    policyFile = path.join(dir, 'policy.yml');
    writeFileSync(policyFile, 'on_http_request:\n  - actions:\n      - type: restrict-ips\n        config: {enforce: true, allow: [203.0.113.0/24]}\n');
    keysFile = path.join(dir, 'api-keys');
    writeFileSync(keysFile, `ci:sha256:${createHash('sha256').update('key-for-the-tunnel').digest('hex')}\n`);
    env = { PATH: `${binDir}:${process.env.PATH}`, NGROK_STANDIN_RECORD: record };
  });
  after(async () => {
    await stop(upstream?.child);
  });

  test('URL, pooling and traffic policy are passed through, the token only in the environment; the API key guards the endpoint', async () => {
    const providerArgs = JSON.stringify({ 'auth-token-file': tokenFile, url: 'mcp-demo.ngrok.app', pooling: true, 'traffic-policy-file': policyFile });
    const tunnel = await start(moatBin, ['tunnel', upstream.url, 'ng', '--tunnel-provider', 'ngrok', '--provider-args', providerArgs,
      '--api-key-file', keysFile], { env, ready: /moat: tunnel up/, timeoutMs: 30000 });
    try {
      const publicUrl = /moat: tunnel up: (\S+)/.exec(tunnel.output.text)[1];
      assert.match(publicUrl, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const [invocation] = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const local = /moat: listening on (\S+)/.exec(tunnel.output.text)[1];
      assert.deepEqual(invocation.args, ['http', local, '--log', 'stdout', '--log-format', 'logfmt',
        '--url', 'https://mcp-demo.ngrok.app', '--pooling-enabled', '--traffic-policy-file', policyFile]);
      assert.equal(invocation.authtoken, '2abcNGROKTOKENxyz');
      assert.ok(!tunnel.output.text.includes('2abcNGROKTOKENxyz'), 'the token is not logged');
      assert.match(tunnel.output.text, /--header "Authorization: Bearer <your API key>"/);

      assert.equal((await postJson(publicUrl, initializeMessage())).status, 401);
      const client = new Client({ name: 'tunnel-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: { Authorization: 'Bearer key-for-the-tunnel' } } }));
      assert.equal((await client.callTool({ name: 'echo', arguments: { message: 'through ngrok' } })).content[0].text, 'through ngrok');
      await client.close();
    } finally {
      await stop(tunnel);
    }
  });

  test('the agent refusing to start (no authtoken) is reported with its own error', async () => {
    const failed = start(moatBin, ['tunnel', upstream.url, 'ng', '--tunnel-provider', 'ngrok', '--provider-args', '{}', '--api-key-file', keysFile],
      { env: { ...env, NGROK_AUTHTOKEN: '' }, ready: /never/, timeoutMs: 30000 });
    await assert.rejects(failed, /exited with 1[\s\S]*ngrok agent did not come up: .*ERR_NGROK_4018/);
  });

  test('ngrok\'s cloud for real (opt-in: set NGROK_AUTHTOKEN and put the ngrok agent on PATH)',
    { skip: !process.env.NGROK_AUTHTOKEN && 'NGROK_AUTHTOKEN is not set' }, async () => {
      const tunnel = await start(moatBin, ['tunnel', upstream.url, 'real', '--tunnel-provider', 'ngrok', '--api-key-file', keysFile],
        { ready: /moat: tunnel up/, timeoutMs: 60000 });
      try {
        const publicUrl = /moat: tunnel up: (\S+)/.exec(tunnel.output.text)[1];
        assert.match(publicUrl, /^https:\/\//);
        assert.equal((await postJson(publicUrl, initializeMessage())).status, 401);
        assert.equal((await postJson(publicUrl, initializeMessage(), { Authorization: 'Bearer key-for-the-tunnel' })).status, 200);
      } finally {
        await stop(tunnel);
      }
    });
});
