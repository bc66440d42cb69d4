// The stdio bridge in `mode: shared`: one server process for every client session. Two SDK
// clients at once must not see each other's ids, progress, log messages or subscriptions; both
// see list_changed; the process is restarted after it dies and the sessions go on; a command
// that keeps dying is reported in /healthz and fails fast. The conformance suite runs against it
// from two clients at the same time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema, LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { assertNothingLost, runSuite, suites } from './conformance-lib.mjs';
import { initializeMessage, postJson, sampleServer, startMoat, startSampleServer, stop } from './helpers.mjs';

let moat;

before(async () => {
  moat = await startMoat(`
listen: {address: 127.0.0.1, port: {{PORT}}}
servers:
  shared:
    path: /mcp
    upstream: {transport: stdio, mode: shared, command: node, args: ["${sampleServer}", "--transport", "stdio"], timeout: 5s}
  parallel:
    path: /parallel/mcp
    upstream: {transport: stdio, mode: shared, dispatch: parallel, command: node, args: ["${sampleServer}", "--transport", "stdio"], timeout: 5s}
  crashing:
    path: /crashing/mcp
    upstream: {transport: stdio, mode: shared, command: sh, args: ["-c", "exit 3"], timeout: 5s,
               restart: {backoff: 100ms, max_backoff: 400ms, failures: 3}}
`);
});

after(async () => { await stop(moat?.child); });

const text = (result) => result.content[0].text;
const until = async (check, ms = 3000) => {
  for (let waited = 0; waited < ms; waited += 50) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
};

async function connect(name, route = '/mcp') {
  const seen = { logs: [], updated: [], listChanged: 0 };
  const client = new Client({ name, version: '1' }, { capabilities: { sampling: {} } });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => seen.logs.push(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => seen.updated.push(n.params.uri));
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { seen.listChanged++; });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant', model: name, content: { type: 'text', text: `sampled by ${name}` },
  }));
  const transport = new StreamableHTTPClientTransport(new URL(`${moat.base}${route}`));
  await client.connect(transport);
  return { client, transport, seen };
}

async function health() {
  const response = await fetch(`${moat.base}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe('stdio bridge, shared mode', () => {
  test('two sessions share one process and stay apart', async () => {
    const a = await connect('alice'), b = await connect('bob');
    try {
      assert.notEqual(a.transport.sessionId, b.transport.sessionId);
      assert.equal(text(await a.client.callTool({ name: 'pid', arguments: {} })), text(await b.client.callTool({ name: 'pid', arguments: {} })));
      assert.equal(moat.child.output.text.match(/started the shared server process/g).length, 1);

      // Both clients number their requests alike; each answer reaches its own caller.
      const [ea, eb] = await Promise.all([
        a.client.callTool({ name: 'echo', arguments: { message: 'from alice' } }),
        b.client.callTool({ name: 'echo', arguments: { message: 'from bob' } }),
      ]);
      assert.match(text(ea), /from alice/);
      assert.match(text(eb), /from bob/);

      // Progress goes to the session whose request asked for it.
      const progress = [];
      await a.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
      assert.ok(progress.length >= 3, `progress seen: ${progress}`);

      // Sampling is asked of the session whose call caused it.
      assert.match(text(await b.client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } })), /sampled by bob/);

      // Subscriptions are counted: the process subscribes once, unsubscribes with the last session.
      const subscribed = async () => JSON.parse(text(await a.client.callTool({ name: 'list_subscriptions', arguments: {} })));
      await a.client.subscribeResource({ uri: 'test://watched-resource' });
      await b.client.subscribeResource({ uri: 'test://watched-resource' });
      assert.deepEqual(await subscribed(), ['test://watched-resource']);
      await a.client.unsubscribeResource({ uri: 'test://watched-resource' });
      assert.deepEqual(await subscribed(), ['test://watched-resource'], 'bob still holds it');
      // resources/updated reaches the subscriber only.
      await a.client.callTool({ name: 'update_resource', arguments: { uri: 'test://watched-resource' } });
      assert.ok(await until(() => b.seen.updated.length === 1), 'bob was told');
      assert.deepEqual(a.seen.updated, [], 'alice unsubscribed and was not told');
      await b.client.unsubscribeResource({ uri: 'test://watched-resource' });
      assert.deepEqual(await subscribed(), []);

      // list_changed reaches every session.
      await a.client.callTool({ name: 'change_tools', arguments: {} });
      assert.ok(await until(() => a.seen.listChanged === 1 && b.seen.listChanged === 1), `${a.seen.listChanged}, ${b.seen.listChanged}`);

      // Log levels: the process runs at the most verbose one asked for; each session gets its own share.
      await a.client.setLoggingLevel('error');
      await b.client.setLoggingLevel('debug');
      assert.equal(text(await a.client.callTool({ name: 'log_level', arguments: {} })), 'debug');
      a.seen.logs.length = 0;
      b.seen.logs.length = 0;
      await a.client.callTool({ name: 'log_at', arguments: { level: 'info', data: 'an info line' } });
      await a.client.callTool({ name: 'log_at', arguments: { level: 'error', data: 'an error line' } });
      assert.ok(await until(() => b.seen.logs.length >= 2), JSON.stringify(b.seen.logs));
      assert.ok(await until(() => a.seen.logs.some((l) => l.data === 'an error line')));
      assert.ok(!a.seen.logs.some((l) => l.data === 'an info line'), 'alice asked for errors only');
      // When bob leaves, the process goes back to alice's level.
      await b.transport.terminateSession();
      assert.ok(await until(() => false, 300) || true);
      assert.equal(text(await a.client.callTool({ name: 'log_level', arguments: {} })), 'error');
      const afterLeave = await postJson(`${moat.base}/mcp`, { jsonrpc: '2.0', id: 1, method: 'ping' },
        { 'Mcp-Session-Id': b.transport.sessionId ?? 'gone', 'MCP-Protocol-Version': '2025-11-25' });
      assert.equal(afterLeave.status, 404);
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  test('dispatch: serial makes a session wait for another\'s request; parallel does not', async () => {
    for (const [route, waits] of [['/mcp', true], ['/parallel/mcp', false]]) {
      const a = await connect('slow', route), b = await connect('quick', route);
      try {
        const started = Date.now();
        const slow = a.client.callTool({ name: 'sleep', arguments: { ms: 1500 } });
        await new Promise((r) => setTimeout(r, 200));
        await b.client.callTool({ name: 'echo', arguments: { message: 'quick' } });
        const quickMs = Date.now() - started;
        await slow;
        if (waits) assert.ok(quickMs >= 1400, `serial: the echo waited for the sleep (${quickMs} ms)`);
        else assert.ok(quickMs < 1200, `parallel: the echo did not wait (${quickMs} ms)`);
      } finally {
        await a.client.close();
        await b.client.close();
      }
    }
  });

  test('kill -9 mid-call: the call fails at once, the process restarts, the session goes on', async () => {
    const a = await connect('survivor');
    try {
      const pid = Number(text(await a.client.callTool({ name: 'pid', arguments: {} })));
      const started = Date.now();
      const slow = a.client.callTool({ name: 'sleep', arguments: { ms: 10000 } });
      await new Promise((r) => setTimeout(r, 200));
      process.kill(pid, 'SIGKILL');
      await assert.rejects(slow, /ended before answering: the server process exited/);
      assert.ok(Date.now() - started < 3000, 'failed at once, not at the timeout');
      // Same session, new process: initialize was replayed by the bridge.
      assert.ok(await until(async () => true));
      let next;
      for (let i = 0; i < 40 && !next; i++) {
        try { next = Number(text(await a.client.callTool({ name: 'pid', arguments: {} }))); } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      assert.ok(next && next !== pid, `a new process answers (${pid} → ${next})`);
      const { status, body } = await health();
      assert.equal(status, 200);
      assert.equal(body.servers.shared.state, 'up');
      assert.ok(body.servers.shared.restarts >= 1);
    } finally {
      await a.client.close();
    }
  });

  test('a command that keeps dying is reported failed in /healthz and requests fail fast', async () => {
    let last;
    for (let attempt = 0; attempt < 40; attempt++) {
      const started = Date.now();
      last = await postJson(`${moat.base}/crashing/mcp`, initializeMessage());
      assert.equal(last.status, 502);
      assert.ok(Date.now() - started < 4000, 'no request waits for the timeout');
      if ((await health()).body.servers.crashing.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { status, body } = await health();
    assert.equal(status, 503);
    assert.equal(body.servers.crashing.restarts + 1, 3, 'failed after restart.failures attempts');
    assert.equal(body.status, 'degraded');
    assert.equal(body.servers.crashing.state, 'failed');
    const fast = Date.now();
    const refused = await postJson(`${moat.base}/crashing/mcp`, initializeMessage());
    assert.equal(refused.status, 502);
    assert.match((await refused.json()).error.message, /cannot be restarted/);
    assert.ok(Date.now() - fast < 500, 'failed fast');
  });

  test('era translation: the 2026-07-28 suite passes through the shared bridge exactly as it does over HTTP', { timeout: 400000 }, async () => {
    const sample = await startSampleServer('http');
    const work = mkdtempSync(path.join(tmpdir(), 'moat-shared-2026-'));
    try {
      await runSuite(suites['2026-07-28'], sample.url, path.join(work, 'http'));
    } finally {
      await stop(sample.child);
    }
    await runSuite(suites['2026-07-28'], `${moat.base}/mcp`, path.join(work, 'bridge'));
    assertNothingLost(assert, path.join(work, 'http'), [{ dir: path.join(work, 'bridge'),
      label: ['the sample server over HTTP (its own 2026 layer)', 'its stdio server through the shared bridge'] }],
    { minimumPassing: 20 });
  });

  test('conformance 2025-11-25 from two clients at once: every check passing over HTTP passes through the shared bridge', { timeout: 400000 }, async () => {
    const sample = await startSampleServer('http');
    const work = mkdtempSync(path.join(tmpdir(), 'moat-shared-conformance-'));
    try {
      await runSuite(suites['2025-11-25'], sample.url, path.join(work, 'http'));
    } finally {
      await stop(sample.child);
    }
    await Promise.all(['a', 'b'].map((run) => runSuite(suites['2025-11-25'], `${moat.base}/mcp`, path.join(work, run))));
    assertNothingLost(assert, path.join(work, 'http'), ['a', 'b'].map((run) => ({
      dir: path.join(work, run), label: ['over HTTP', `through the shared bridge (client ${run})`] })),
    { minimumPassing: 25, tolerated: (c) => c.startsWith('server-sse-polling/') });
  });
});
