// moat tunnel through a real OpenSSH server (Debian's openssh-server on a loopback port, started
// here with its own host key and an authorized client key): the TypeScript SDK client reaches
// the sample MCP server through the reverse forward, behind basic auth, and the tunnel comes back
// on its own after sshd restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, moatBin, postJson, start, startSampleServer, stop } from './helpers.mjs';

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
      assert.match(tunnel.output.text, /reconnecting in \d+ s/);
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
