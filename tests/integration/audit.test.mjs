// stage-audit end to end: the real oidc-provider, exchange-rfc8693 through its RFC 8693 grant,
// the TypeScript SDK client, and the sample server. Every event is checked field by field for
// a success, a tool error, a denial and a failure, and the whole audit file and the gateway's
// log are searched for every token and secret the test used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, postJson, startMoat, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, oidcAndExchangeStages, startIdp, userTokens } from './idp/idp-helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-audit-'));
const secretFile = path.join(dir, 'exchanger-secret');
writeFileSync(secretFile, 'exchanger-secret\n');
const auditFile = path.join(dir, 'audit.ndjson');
const deadAuditFile = path.join(dir, 'dead-audit.ndjson');
const readEvents = (file) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
// An event is written once its answer has gone, so the client may read the file a moment early.
async function eventsOnce(file, count) {
  for (let i = 0; i < 100 && readEvents(file).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return readEvents(file);
}

describe('stage-audit', () => {
  let idp, upstream, moat, resource, deadPort;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    deadPort = await freePort();
    moat = await startMoat(`
listen: { port: {{PORT}} }
log: { level: debug }
servers:
  tools:
    path: /mcp
    upstream: { url: ${upstream.url} }
    pipeline:
${oidcAndExchangeStages(idp, secretFile)}
      - plugin: stage-audit
        config: { file: ${auditFile}, payloads: true, redact: [card_number] }
  dead:
    path: /dead/mcp
    upstream: { url: "http://127.0.0.1:${deadPort}/mcp" }
    pipeline:
      - plugin: stage-audit
        config: { file: ${deadAuditFile} }
`);
    resource = `${moat.base}/mcp`;
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('success, tool error, denial and failure, each audited field by field; no token or secret anywhere', async () => {
    const denied = await postJson(resource, initializeMessage(), { Authorization: 'Bearer forged.token.value' });
    assert.equal(denied.status, 401);
    await denied.text();

    const { access_token: userToken, id_token: idToken, refresh_token: refreshToken } = await userTokens(idp, 'alice', resource);
    const client = new Client({ name: 'audit-test-client', version: '3.1.4' });
    const transport = new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { Authorization: `Bearer ${userToken}` } } });
    await client.connect(transport);
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: { card_number: '4111-1111-1111-1111' } })).content[0].text);
    const exchangedToken = seen.authorization.replace(/^Bearer /, '');
    assert.equal((await client.callTool({ name: 'no_such_tool', arguments: {} })).isError, true);
    await transport.terminateSession();
    await client.close();

    const failed = await postJson(`${moat.base}/dead/mcp`, initializeMessage());
    assert.equal(failed.status, 502);
    await failed.text();

    // The refusal, initialize, notifications/initialized, two calls, the GET stream, DELETE.
    const events = await eventsOnce(auditFile, 7);
    const byType = (type) => events.filter((e) => e.type === type);

    const [refusal] = events;
    assert.equal(refusal.type, 'initialize');
    assert.equal(refusal.outcome, 'denied');
    assert.equal(refusal.status, 401);
    assert.equal(refusal.answered_by, 'tools/auth-oidc');
    assert.equal(refusal.subject.sub, undefined, 'nobody was authenticated');
    assert.equal(refusal.subject.client_name, 'moat-test', 'the client says who it is even when refused');
    assert.equal(refusal.source, '127.0.0.1');

    const [init] = byType('initialize').filter((e) => e.outcome === 'success');
    assert.equal(init.subject.sub, 'alice');
    assert.equal(init.subject.client_name, 'audit-test-client');
    assert.equal(init.subject.client_version, '3.1.4');
    assert.deepEqual(init.delegation, ['exchanger'], 'the exchanged token names the gateway as actor (RFC 8693 act)');

    const calls = byType('tools/call');
    assert.equal(calls.length, 2);
    const [ok, toolError] = calls;
    assert.equal(ok.outcome, 'success');
    assert.equal(ok.status, 200);
    assert.equal(ok.subject.sub, 'alice');
    assert.equal(ok.subject.email, 'alice@example.com');
    assert.equal(ok.subject.client_name, 'audit-test-client', 'the session remembers its client');
    assert.deepEqual(ok.target, { route: 'tools', method: 'tools/call', name: 'whoami', session: ok.target.session });
    assert.match(ok.target.session, /^[0-9a-f]{12}$/, 'a fingerprint of the session id, not the id');
    assert.equal(ok.target.session, init.target.session);
    assert.deepEqual(ok.delegation, ['exchanger']);
    assert.equal(ok.params.name, 'whoami');
    assert.equal(ok.params.arguments.card_number, '[redacted]');
    assert.ok(ok.duration_ms > 0 && ok.duration_ms < 10000);
    assert.ok(ok.request_bytes > 50 && ok.response_bytes > 100);
    assert.match(ok.request_id, /^[0-9a-f]{16}$/);
    assert.match(ok.audit_id, /^[0-9a-f]{32}$/);
    assert.ok(!Number.isNaN(Date.parse(ok.time)));
    assert.equal(toolError.outcome, 'error');
    assert.equal(toolError.target.name, 'no_such_tool');
    assert.equal(new Set(events.map((e) => e.audit_id)).size, events.length, 'audit ids are unique');
    assert.equal(byType('session_end').length, 1);
    assert.equal(byType('session_end')[0].outcome, 'success');

    const [deadEvent] = await eventsOnce(deadAuditFile, 1);
    assert.equal(deadEvent.outcome, 'failure');
    assert.equal(deadEvent.status, 502);
    assert.equal(deadEvent.error_code, -32009);
    assert.equal(deadEvent.target.route, 'dead');

    assert.equal(statSync(auditFile).mode & 0o777, 0o600);
    const everything = readFileSync(auditFile, 'utf8') + readFileSync(deadAuditFile, 'utf8') + moat.child.output.text;
    for (const [name, secret] of Object.entries({ userToken, idToken, refreshToken, exchangedToken, clientSecret: 'exchanger-secret',
      forged: 'forged.token.value', card: '4111-1111-1111-1111', sessionId: transport.sessionId ?? init.target.session.repeat(0) }))
      if (secret) assert.ok(!everything.includes(secret), `${name} appears in the audit file or the log`);
  });
});

describe('stage-audit when its file cannot be written (/dev/full)', () => {
  test('on_failure: drop serves every request and counts the lost events; fail_closed answers 503 with Retry-After', async () => {
    const upstream = await startSampleServer('http');
    const moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  dropping:
    path: /drop/mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: stage-audit
        config: { file: /dev/full }
  closed:
    path: /closed/mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: stage-audit
        config: { file: /dev/full, on_failure: fail_closed }
`);
    try {
      for (let i = 0; i < 3; i++) {
        const served = await postJson(`${moat.base}/drop/mcp`, initializeMessage(i));
        assert.equal(served.status, 200);
        await served.text();
      }
      const first = await postJson(`${moat.base}/closed/mcp`, initializeMessage(1));
      assert.equal(first.status, 200, 'nothing had failed yet when it arrived');
      await first.text();
      let refused;
      for (let i = 0; i < 50; i++) {  // its event is written just after its answer
        refused = await postJson(`${moat.base}/closed/mcp`, initializeMessage(2));
        if (refused.status === 503) break;
        await refused.text();
      }
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match((await refused.json()).error.message, /audit trail cannot be written/);
      const metrics = await (await fetch(`${moat.diagnostics}/metrics`)).text();
      assert.match(metrics, /^moat_stage_audit_events_dropped_total\{instance="dropping\/stage-audit"\} 3$/m);
      assert.match(metrics, /^moat_stage_audit_requests_refused_total\{instance="closed\/stage-audit"\} [1-9]/m);
      assert.equal((moat.child.output.text.match(/cannot write the audit file \/dev\/full/g) ?? []).length, 2, 'one line per stage, not per event');
    } finally {
      await stop(moat.child);
      await stop(upstream.child);
    }
  });
});

