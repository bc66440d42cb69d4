// Reloading a running gateway (`moat reload`, SIGHUP) with real MCP SDK clients and servers: new
// requests see the new pipeline and new servers, a call in flight finishes on the old one whose
// plugin instances are retired only after it, an unchanged stdio server keeps its processes and
// sessions, and a configuration that does not validate, or changes the listen section, is
// refused with its file, line and key while the old one keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, moatBin, sampleServer, start, startSampleServer, stop } from './helpers.mjs';

const run = promisify(execFile);
let sample, moat, pidFile, port;

// The configuration with the stage-headers value `tag`; `extra` adds lines under `servers:`.
const configText = (tag, extra = '') => `
listen: {address: 127.0.0.1, port: ${port}}
log: {level: info}
servers:
  sample:
    path: /mcp
    upstream: {url: "${sample.url}"}
    pipeline:
      - plugin: stage-headers
        config:
          set: {X-Config: ${tag}}
  tools:
    path: /tools/mcp
    upstream: {transport: stdio, command: node, args: ["${sampleServer}", "--transport", "stdio"]}
${extra}`;

before(async () => {
  sample = await startSampleServer('http');
  port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-reload-'));
  pidFile = path.join(dir, 'moat.pid');
  moat = { file: path.join(dir, 'moat.yaml') };
  writeFileSync(moat.file, configText('first'));
  moat.child = await start(moatBin, ['serve', '--config', moat.file, '--pid-file', pidFile], { ready: /moat: listening on/ });
});

after(async () => {
  await stop(moat?.child);
  await stop(sample?.child);
});

async function connect(route) {
  const client = new Client({ name: 'moat-reload', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}${route}`));
  await client.connect(transport);
  return { client, transport };
}

const configSeen = async (client) =>
  JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text)['x-config'];

async function waitForLog(pattern, since, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(moat.child.output.text.slice(since))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no log line matching ${pattern} within ${timeoutMs} ms:\n${moat.child.output.text.slice(since)}`);
}

const reload = (...args) => run(moatBin, ['reload', '--pid-file', pidFile, ...args]);

describe('reload', () => {
  test('new requests take the new pipeline and servers; the call in flight finishes on the old one, retired after it', async () => {
    const { client: before } = await connect('/mcp');
    assert.equal(await configSeen(before), 'first');
    const { client: tools } = await connect('/tools/mcp');
    assert.equal((await tools.callTool({ name: 'echo', arguments: { message: 'one' } })).content[0].text, 'one');
    const processes = (moat.child.output.text.match(/started stdio-\d+/g) ?? []).length;

    const inFlight = before.callTool({ name: 'sleep', arguments: { ms: 3000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mark = moat.child.output.text.length;
    writeFileSync(moat.file, configText('second', `  added:\n    path: /added/mcp\n    upstream: {url: "${sample.url}"}\n`));
    const { stdout } = await reload('--config', moat.file);
    assert.match(stdout, /asked process \d+ to reload/);
    await waitForLog(/configuration reloaded.*generation=2/, mark);

    const { client: after } = await connect('/mcp');
    assert.equal(await configSeen(after), 'second', 'a new session sees the new pipeline');
    assert.equal(await configSeen(before), 'second', 'a new request on an old session sees it too');
    const { client: added } = await connect('/added/mcp');
    assert.equal((await added.callTool({ name: 'echo', arguments: { message: 'new server' } })).content[0].text, 'new server');
    assert.doesNotMatch(moat.child.output.text.slice(mark), /configuration retired generation=1/,
      'the old configuration lives while its call is in flight');

    assert.equal((await inFlight).content[0].text, 'slept 3000 ms', 'the call in flight finished on the old pipeline');

    // The stdio server's settings did not change: its process and session carried over.
    assert.equal((await tools.callTool({ name: 'echo', arguments: { message: 'two' } })).content[0].text, 'two');
    assert.equal((moat.child.output.text.match(/started stdio-\d+/g) ?? []).length, processes, 'no process was started');

    // The clients' GET streams opened before the reload are old requests too: the old
    // configuration is retired once they end.
    for (const c of [before, after, added, tools]) await c.close();
    await waitForLog(/configuration retired generation=1/, mark);
  });

  test('a configuration with an error is refused by moat reload before any signal, and by the gateway on SIGHUP', async () => {
    writeFileSync(moat.file, configText('third').replace('upstream: {url:', 'upstreem: {url:'));
    const refused = await reload('--config', moat.file).then(() => null, (e) => e);
    assert.ok(refused, 'moat reload exits non-zero');
    assert.match(refused.stderr, new RegExp(`${path.basename(moat.file)}:\\d+:\\d+: servers\\.sample\\.upstreem`));

    const mark = moat.child.output.text.length;
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGHUP');
    await waitForLog(/reload refused; the running configuration keeps serving.*upstreem/, mark);
    const { client } = await connect('/mcp');
    assert.equal(await configSeen(client), 'second', 'the running configuration still serves');
    await client.close();
  });

  test('a changed listen section or plugin search path is refused: they need a restart', async () => {
    writeFileSync(moat.file, configText('fourth').replace('address: 127.0.0.1', 'address: 127.0.0.1, threads: 7'));
    const mark = moat.child.output.text.length;
    await reload();
    await waitForLog(/reload refused.*listen.*restart/, mark);
    writeFileSync(moat.file, configText('fifth').replace('log: {level: info}', 'log: {level: info}\nplugins: {search_path: [/opt/elsewhere]}'));
    const again = moat.child.output.text.length;
    await reload();
    await waitForLog(/reload refused.*plugins\.search_path.*restart/, again);
    const { client } = await connect('/mcp');
    assert.equal(await configSeen(client), 'second');
    await client.close();
  });
});
