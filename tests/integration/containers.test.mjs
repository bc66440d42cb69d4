// runtime-docker and runtime-podman against Debian's real dockerd and Podman (its Docker-compatible
// API service), both started by scripts/container-runtimes on their own sockets. The MCP server is
// the real server-everything from npm, put into an image by `npx://` (no registry is reachable:
// the image is built from this machine's npm and node). The TypeScript SDK client reaches it
// through the gateway; isolation is checked from the engine's own view of the container and from
// inside it (an exec in the running container).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { initializeMessage, moatBin, repoRoot, startMoat, stop } from './helpers.mjs';

const everything = 'npx://@modelcontextprotocol/server-everything@2026.8.31';
const pluginPath = process.env.MOAT_PLUGIN_PATH ?? path.join(repoRoot, 'build/default/plugins');

let sockets;

function engineCall(socketPath, method, requestPath, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request({ socketPath, method, path: requestPath, headers: payload ? { 'content-type': 'application/json' } : {} }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body: text, json: () => JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

async function moatContainers(socketPath, workload) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`moat.workload=${workload}`] }));
  const listed = await engineCall(socketPath, 'GET', `/containers/json?all=1&filters=${filters}`);
  assert.equal(listed.status, 200, listed.body);
  return listed.json();
}

// Runs `node -e script` inside the running container (same namespaces, user, capabilities and
// limits as the server) and returns what it printed.
async function execInContainer(socketPath, id, script) {
  const created = await engineCall(socketPath, 'POST', `/containers/${id}/exec`, {
    Cmd: ['/usr/local/bin/node', '-e', script], AttachStdout: true, AttachStderr: true, Tty: true,
  });
  assert.equal(created.status, 201, created.body);
  const started = await engineCall(socketPath, 'POST', `/exec/${created.json().Id}/start`, { Detach: false, Tty: true });
  assert.equal(started.status, 200, started.body);
  return started.body;
}

const probeScript = `
const fs = require('fs'), net = require('net');
const status = fs.readFileSync('/proc/self/status', 'utf8');
const field = (name) => (status.match(new RegExp('^' + name + ':\\\\s+(\\\\S+)', 'm')) || [])[1];
let rootWrite = 'written';
try { fs.writeFileSync('/moat-probe', 'x'); } catch (e) { rootWrite = e.code; }
let tmpWrite = 'written';
try { fs.writeFileSync('/tmp/moat-probe', 'x'); } catch (e) { tmpWrite = e.code; }
const target = process.argv[1] || '';
const done = (connect) => { process.stdout.write(JSON.stringify({ uid: process.getuid(), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'), rootWrite, tmpWrite, connect }) + '\\n'); process.exit(0); };
if (!target) done('none');
const [host, port] = target.split(':');
const socket = net.connect({ host, port: Number(port), timeout: 3000 });
socket.on('connect', () => { socket.end(); done('connected'); });
socket.on('timeout', () => done('timeout'));
socket.on('error', (e) => done(e.code));
`;

async function probeInside(socketPath, id, target = '') {
  const output = await execInContainer(socketPath, id, probeScript.replace("process.argv[1] || ''", JSON.stringify(target)));
  const line = output.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `no probe output: ${output}`);
  return JSON.parse(line);
}

// Each client has its own connection pool, as separate MCP clients would: a gateway restarted
// on the same port must not be reached through a keep-alive socket of the one before it.
async function echo(url, message) {
  const agent = new Agent();
  const client = new Client({ name: 'containers-test', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: (input, init) => undiciFetch(input, { ...init, dispatcher: agent }) }));
    const result = await client.callTool({ name: 'echo', arguments: { message } });
    return result.content[0].text;
  } finally {
    await client.close();
    await agent.close();
  }
}

async function waitFor(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// A TCP listener on every host address: what a container must not reach without egress.
async function hostListener() {
  const accepted = [];
  const server = net.createServer((socket) => { accepted.push(socket.remoteAddress); socket.end(); });
  await new Promise((resolve) => server.listen(0, '0.0.0.0', resolve));
  return { server, port: server.address().port, accepted };
}

before(() => {
  const out = execFileSync(path.join(repoRoot, 'scripts/container-runtimes'), ['start'], { encoding: 'utf8', timeout: 120000 });
  sockets = Object.fromEntries(out.trim().split('\n').map((line) => line.split('=')));
  assert.ok(sockets.DOCKER_SOCKET && sockets.PODMAN_SOCKET, out);
});

const engines = [
  { name: 'docker', runtime: 'runtime-docker', env: () => ({ DOCKER_HOST: `unix://${sockets.DOCKER_SOCKET}` }), socket: () => sockets.DOCKER_SOCKET },
  { name: 'podman', runtime: 'runtime-podman', env: () => ({ CONTAINER_HOST: `unix://${sockets.PODMAN_SOCKET}` }), socket: () => sockets.PODMAN_SOCKET },
];

for (const engine of engines) {
  describe(`${engine.runtime} (real ${engine.name})`, () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), `moat-${engine.name}-state-`));
    const env = () => ({ ...process.env, ...engine.env(), MOAT_STATE_DIR: stateDir, MOAT_PLUGIN_PATH: pluginPath });
    const moat = (args, timeout = 180000) => spawnSync(moatBin, args, { env: env(), encoding: 'utf8', timeout });
    const workload = `everything-${engine.name}`;

    after(() => { moat(['rm', workload]); });

    test('moat run npx:// serves server-everything from an isolated container, restarts it when it dies, moat restart replaces it, and stop removes it', async () => {
      const run = moat(['run', '--runtime', engine.name, '--name', workload, '--detach', everything, 'stdio']);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const url = /is served at (\S+)/.exec(run.stdout)[1];
      assert.equal(await echo(url, `hello from ${engine.name}`), `Echo: hello from ${engine.name}`);

      const [container] = await moatContainers(engine.socket(), workload);
      assert.equal(container.State, 'running');
      assert.match(container.Image, /^(localhost\/|docker\.io\/)?moat-npx\/modelcontextprotocol-server-everything:[0-9a-f]{12}$/);
      const inspected = (await engineCall(engine.socket(), 'GET', `/containers/${container.Id}/json`)).json();
      const hostConfig = inspected.HostConfig;
      assert.equal(hostConfig.NetworkMode, 'none');
      assert.equal(hostConfig.ReadonlyRootfs, true);
      assert.ok(hostConfig.SecurityOpt.some((o) => /^no-new-privileges/.test(o)), JSON.stringify(hostConfig.SecurityOpt));
      assert.equal(hostConfig.Memory, 512 * 1024 * 1024);
      assert.equal(hostConfig.PidsLimit, 256);
      assert.equal(inspected.Config.User, '65534:65534');

      // From inside: no capabilities, no new privileges, not root, a read-only root, a writable
      // /tmp, and no way to a port listening on every host address.
      const listener = await hostListener();
      try {
        const inside = await probeInside(engine.socket(), container.Id, `172.31.250.1:${listener.port}`);
        assert.equal(inside.capEff, '0000000000000000');
        assert.equal(inside.noNewPrivs, '1');
        assert.equal(inside.uid, 65534);
        assert.equal(inside.rootWrite, 'EROFS');
        assert.equal(inside.tmpWrite, 'written');
        assert.notEqual(inside.connect, 'connected');
        const loopback = await probeInside(engine.socket(), container.Id, `127.0.0.1:${listener.port}`);
        assert.notEqual(loopback.connect, 'connected');
        assert.deepEqual(listener.accepted, []);
      } finally {
        listener.server.close();
      }

      // The container dies: the next request is served by a new one (restart with backoff).
      const killed = await engineCall(engine.socket(), 'POST', `/containers/${container.Id}/kill`);
      assert.equal(killed.status, 204, killed.body);
      const replacement = await waitFor('a replacement container', async () => {
        const running = (await moatContainers(engine.socket(), workload)).filter((c) => c.State === 'running' && c.Id !== container.Id);
        return running[0];
      });
      assert.equal(await echo(url, 'after the kill'), 'Echo: after the kill');
      const logs = moat(['logs', workload]);
      assert.match(logs.stdout, /shared server process exited; restarting it/);
      assert.match(logs.stdout, new RegExp(`started container \\S+ from moat-npx/modelcontextprotocol-server-everything`));

      // restart: a new gateway on the same URL, a new container, the old one gone.
      const restarted = moat(['restart', workload]);
      assert.equal(restarted.status, 0, restarted.stdout + restarted.stderr);
      assert.equal(await echo(url, 'after moat restart'), 'Echo: after moat restart');
      const [afterRestart] = await moatContainers(engine.socket(), workload);
      assert.notEqual(afterRestart.Id, replacement.Id);
      assert.equal((await engineCall(engine.socket(), 'GET', `/containers/${replacement.Id}/json`)).status, 404);

      const stopped = moat(['stop', workload]);
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.deepEqual(await moatContainers(engine.socket(), workload), [], 'stop leaves no container behind');
      assert.equal((await engineCall(engine.socket(), 'GET', `/containers/${afterRestart.Id}/json`)).status, 404);
    });

    test('a YAML pipeline runs an image with read-only volumes, and a gateway killed with SIGKILL leaves nothing running after the next start', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'moat-volume-'));
      mkdirSync(path.join(dataDir, 'docs'));
      writeFileSync(path.join(dataDir, 'docs', 'readme.txt'), 'mounted\n');
      const yaml = `
listen: { address: 127.0.0.1, port: {{PORT}} }
plugins: { search_path: [${pluginPath.split(':').map((p) => JSON.stringify(p)).join(', ')}] }
servers:
  yaml-${engine.name}:
    path: /mcp
    upstream:
      transport: stdio
      runtime: ${engine.runtime}
      runtime_config: { socket: "unix://${engine.socket()}" }
      image: ${everything}
      args: [stdio]
      mode: shared
      volumes: ["${dataDir}/docs:/data"]
      isolation: { memory: 256m, pids: 64 }
`;
      const gateway = await startMoat(yaml, { env: { DOCKER_HOST: '', CONTAINER_HOST: '' } });
      let container;
      try {
        assert.equal(await echo(`${gateway.base}/mcp`, 'yaml'), 'Echo: yaml');
        [container] = await moatContainers(engine.socket(), `yaml-${engine.name}`);
        const inspected = (await engineCall(engine.socket(), 'GET', `/containers/${container.Id}/json`)).json();
        assert.equal(inspected.HostConfig.Memory, 256 * 1024 * 1024);
        assert.equal(inspected.HostConfig.PidsLimit, 64);
        const mount = inspected.Mounts.find((m) => m.Destination === '/data');
        assert.ok(mount, JSON.stringify(inspected.Mounts));
        assert.equal(mount.RW, false);
        const readBack = await execInContainer(engine.socket(), container.Id,
          "const fs=require('fs'); let w='written'; try { fs.writeFileSync('/data/new.txt','x'); } catch (e) { w=e.code; } console.log(fs.readFileSync('/data/readme.txt','utf8').trim(), w);");
        assert.match(readBack, /mounted EROFS/);
      } finally {
        await stop(gateway.child, 'SIGKILL');
      }
      // Killed without a chance to clean up: the container is still there...
      assert.equal((await engineCall(engine.socket(), 'GET', `/containers/${container.Id}/json`)).status, 200);
      // ...until the next gateway with this runtime starts, which removes what a dead gateway left.
      const next = await startMoat(yaml, { env: { DOCKER_HOST: '', CONTAINER_HOST: '' } });
      try {
        await waitFor('the orphan to be removed', async () => (await engineCall(engine.socket(), 'GET', `/containers/${container.Id}/json`)).status === 404);
        assert.match(next.child.output.text, /removed 1 container\(s\) left by a gateway that is gone/);
      } finally {
        await stop(next.child);
      }
      assert.deepEqual(await moatContainers(engine.socket(), `yaml-${engine.name}`), []);
    });

    test('an engine that is not there is one clear line at start, and a bad image a JSON-RPC error', async () => {
      const missing = spawnSync(moatBin, ['run', '--runtime', engine.name, '--name', 'nowhere', everything], {
        env: { ...env(), DOCKER_HOST: 'unix:///nonexistent/engine.sock', CONTAINER_HOST: 'unix:///nonexistent/engine.sock' }, encoding: 'utf8', timeout: 30000,
      });
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, new RegExp(`cannot reach ${engine.name} at /nonexistent/engine.sock \\((DOCKER_HOST|CONTAINER_HOST)\\): No such file or directory`));

      const yaml = `
listen: { address: 127.0.0.1, port: {{PORT}} }
plugins: { search_path: [${pluginPath.split(':').map((p) => JSON.stringify(p)).join(', ')}] }
servers:
  absent:
    path: /mcp
    upstream: { transport: stdio, runtime: ${engine.runtime}, image: "moat-test/absent:1", mode: shared, runtime_config: { socket: "unix://${engine.socket()}" } }
`;
      const gateway = await startMoat(yaml);
      try {
        const response = await fetch(`${gateway.base}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
        });
        const body = await response.json();
        assert.equal(body.id, 1);
        assert.match(body.error.message, /image moat-test\/absent:1 is not in (docker|podman) and pulling it failed/);
      } finally {
        await stop(gateway.child);
      }
    });
  });
}

describe('runtime-docker: dockerd restarted while its containers run', () => {
  test('requests meanwhile get a JSON-RPC error, never a hang; the server is back once dockerd is, with no gateway restart', async () => {
    const gateway = await startMoat(`
listen: { address: 127.0.0.1, port: {{PORT}} }
plugins: { search_path: [${pluginPath.split(':').map((p) => JSON.stringify(p)).join(', ')}] }
servers:
  engine-restart:
    path: /mcp
    upstream:
      transport: stdio
      runtime: runtime-docker
      runtime_config: { socket: "unix://${sockets.DOCKER_SOCKET}" }
      image: ${everything}
      args: [stdio]
      mode: shared
      timeout: 10s
      restart: { backoff: 500ms, max_backoff: 2s, failures: 1000 }
`, { env: { DOCKER_HOST: '', CONTAINER_HOST: '' } });
    try {
      assert.equal(await echo(`${gateway.base}/mcp`, 'before'), 'Echo: before');
      const [before] = await moatContainers(sockets.DOCKER_SOCKET, 'engine-restart');
      // dockerd stops its containers when it stops (no live-restore): the server dies with it.
      const restarting = new Promise((resolve, reject) => execFile(path.join(repoRoot, 'scripts/container-runtimes'), ['restart-docker'],
        { timeout: 120000 }, (error) => (error ? reject(error) : resolve())));
      let restarted = false;
      restarting.then(() => { restarted = true; }, () => { restarted = true; });
      // While dockerd is away every request is answered, with the server's answer or an error.
      const statuses = [];
      while (!restarted) {
        const answer = await fetch(`${gateway.base}/mcp`, {
          method: 'POST', signal: AbortSignal.timeout(20000), body: JSON.stringify(initializeMessage()),
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        });
        const text = await answer.text();
        statuses.push(answer.status);
        if (answer.status !== 200) assert.ok(JSON.parse(text).error, `a JSON-RPC error, got ${text}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(statuses.some((s) => s !== 200), `some request met the server down: ${statuses}`);
      await restarting;
      const answer = await waitFor('the server to answer again', () => echo(`${gateway.base}/mcp`, 'after').catch(() => null), 90000);
      assert.equal(answer, 'Echo: after');
      const [after] = await moatContainers(sockets.DOCKER_SOCKET, 'engine-restart');
      assert.notEqual(after.Id, before.Id, 'a new container replaced the one dockerd stopped');
      assert.equal(gateway.child.exitCode, null, 'the gateway kept running throughout');
    } finally {
      await stop(gateway.child);
    }
    assert.deepEqual(await moatContainers(sockets.DOCKER_SOCKET, 'engine-restart'), []);
  });
});

describe('runtime-docker: private networks', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'moat-network-state-'));
  const env = () => ({ ...process.env, DOCKER_HOST: `unix://${sockets.DOCKER_SOCKET}`, MOAT_STATE_DIR: stateDir, MOAT_PLUGIN_PATH: pluginPath });
  const moat = (args, timeout = 180000) => spawnSync(moatBin, args, { env: env(), encoding: 'utf8', timeout });
  const iptablesInput = () => execFileSync('iptables', ['-w', '5', '-S', 'INPUT'], { encoding: 'utf8' });

  after(() => { for (const name of ['web', 'egress', 'allowlist']) moat(['rm', name]); });

  test('a server speaking streamable HTTP runs on an internal network of its own, fenced off the host, and is replaced when it dies', async () => {
    const run = moat(['run', '--runtime', 'docker', '--name', 'web', '--transport', 'streamable-http', '--target-port', '3001', '-e', 'PORT=3001',
      '--detach', everything, 'streamableHttp']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    assert.equal(await echo(url, 'over http'), 'Echo: over http');

    const [container] = await moatContainers(sockets.DOCKER_SOCKET, 'web');
    const inspected = (await engineCall(sockets.DOCKER_SOCKET, 'GET', `/containers/${container.Id}/json`)).json();
    const networkName = inspected.HostConfig.NetworkMode;
    assert.match(networkName, /^moat-web-/);
    const network = (await engineCall(sockets.DOCKER_SOCKET, 'GET', `/networks/${networkName}`)).json();
    assert.equal(network.Internal, true);
    const bridge = network.Options['com.docker.network.bridge.name'];
    const gatewayAddress = network.IPAM.Config[0].Gateway;
    assert.match(iptablesInput(), new RegExp(`-A INPUT -i ${bridge} .*-j DROP`));

    const listener = await hostListener();
    try {
      // The host answers on the bridge address, but the fence drops it; nothing routes further.
      const inside = await probeInside(sockets.DOCKER_SOCKET, container.Id, `${gatewayAddress}:${listener.port}`);
      assert.notEqual(inside.connect, 'connected');
      const outside = await probeInside(sockets.DOCKER_SOCKET, container.Id, `192.0.2.2:${listener.port}`);
      assert.notEqual(outside.connect, 'connected');
      assert.equal(inside.capEff, '0000000000000000');
      assert.deepEqual(listener.accepted, []);
    } finally {
      listener.server.close();
    }

    await engineCall(sockets.DOCKER_SOCKET, 'POST', `/containers/${container.Id}/kill`);
    const health = await waitFor('a replacement container in /healthz', async () => {
      const body = await (await fetch(url.replace(/\/mcp$/, '/healthz'))).json();
      const web = body.servers.web;
      return web.state === 'up' && web.restarts === 1 && web.container !== container.Names[0].slice(1) ? web : null;
    });
    assert.match(health.last_failure, /exited/);
    assert.equal(await echo(url, 'after the restart'), 'Echo: after the restart');

    assert.equal(moat(['stop', 'web']).status, 0);
    assert.deepEqual(await moatContainers(sockets.DOCKER_SOCKET, 'web'), []);
    assert.equal((await engineCall(sockets.DOCKER_SOCKET, 'GET', `/networks/${networkName}`)).status, 404);
    assert.doesNotMatch(iptablesInput(), new RegExp(bridge));
  });

  test('--allow-egress lets the container reach the named host and port, and nothing else', async () => {
    const host = hostname();
    const allowed = await hostListener();
    const other = await hostListener();
    try {
      const run = moat(['run', '--runtime', 'docker', '--name', 'allowlist', '--allow-egress', `${host}:${allowed.port}`, '--detach', everything, 'stdio']);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const url = /is served at (\S+)/.exec(run.stdout)[1];
      assert.equal(await echo(url, 'allowlisted'), 'Echo: allowlisted');
      const [container] = await moatContainers(sockets.DOCKER_SOCKET, 'allowlist');
      const granted = await probeInside(sockets.DOCKER_SOCKET, container.Id, `${host}:${allowed.port}`);
      assert.equal(granted.connect, 'connected');
      await waitFor('the relayed connection at the allowed host', () => allowed.accepted.length === 1);
      const refused = await probeInside(sockets.DOCKER_SOCKET, container.Id, `${host}:${other.port}`);
      assert.notEqual(refused.connect, 'connected');
      const outside = await probeInside(sockets.DOCKER_SOCKET, container.Id, `192.0.2.2:${other.port}`);
      assert.notEqual(outside.connect, 'connected');
      assert.deepEqual(other.accepted, []);
      assert.equal(granted.capEff, '0000000000000000');
    } finally {
      allowed.server.close();
      other.server.close();
      moat(['rm', 'allowlist']);
    }
  });

  test('podman refuses an HTTP server without network in one clear line, and serves it on its bridge with --isolate-allow-network', async () => {
    const podmanEnv = { ...env(), CONTAINER_HOST: `unix://${sockets.PODMAN_SOCKET}` };
    const yaml = `
listen: { address: 127.0.0.1, port: {{PORT}} }
plugins: { search_path: [${pluginPath.split(':').map((p) => JSON.stringify(p)).join(', ')}] }
servers:
  web:
    path: /mcp
    upstream: { transport: streamable-http, runtime: runtime-podman, image: "${everything}", args: [streamableHttp], env: { PORT: "3001" }, target_port: 3001, timeout: 5s }
`;
    const gateway = await startMoat(yaml, { env: podmanEnv });
    try {
      const response = await fetch(`${gateway.base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
      assert.equal(response.status, 503);
      const body = await response.json();
      assert.equal(body.id, 7);
      assert.match(body.error.message, /Podman's internal networks give the host none; use runtime-docker, or isolation.network: true/);
    } finally {
      await stop(gateway.child);
    }
    const run = spawnSync(moatBin, ['run', '--runtime', 'podman', '--name', 'web-podman', '--isolate-allow-network', '--transport', 'streamable-http',
      '--target-port', '3001', '-e', 'PORT=3001', '--detach', everything, 'streamableHttp'], { env: podmanEnv, encoding: 'utf8', timeout: 180000 });
    try {
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(await echo(/is served at (\S+)/.exec(run.stdout)[1], 'podman http'), 'Echo: podman http');
    } finally {
      spawnSync(moatBin, ['rm', 'web-podman'], { env: podmanEnv, encoding: 'utf8', timeout: 60000 });
    }
    assert.deepEqual(await moatContainers(sockets.PODMAN_SOCKET, 'web-podman'), []);
  });

  test('--isolate-allow-network gives a container the network (docker bridge): the same probe now connects', async () => {
    const run = moat(['run', '--runtime', 'docker', '--name', 'egress', '--isolate-allow-network', '--detach', everything, 'stdio']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const listener = await hostListener();
    try {
      const url = /is served at (\S+)/.exec(run.stdout)[1];
      assert.equal(await echo(url, 'egress'), 'Echo: egress');
      const [container] = await moatContainers(sockets.DOCKER_SOCKET, 'egress');
      const inspected = (await engineCall(sockets.DOCKER_SOCKET, 'GET', `/containers/${container.Id}/json`)).json();
      assert.equal(inspected.HostConfig.NetworkMode, 'bridge');
      const inside = await probeInside(sockets.DOCKER_SOCKET, container.Id, `172.31.250.1:${listener.port}`);
      assert.equal(inside.connect, 'connected');
      assert.equal(inside.capEff, '0000000000000000');
    } finally {
      listener.server.close();
      moat(['rm', 'egress']);
    }
  });
});
