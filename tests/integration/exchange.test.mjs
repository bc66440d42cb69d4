// Token exchange end to end: the real oidc-provider issues the user's token for the MCP server
// and, through its registered RFC 8693 grant, the backend token; auth-oidc validates, and
// exchange-rfc8693 swaps it before the sample MCP server (the "backend") sees the request. The
// Google STS case runs against a STAND-IN (Google's service is unreachable here) that follows
// Google's documented wire format and verifies the subject token like the real one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, moatBin, postJson, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { idpStats, makeKeys, startIdp, userTokens } from './idp/idp-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'moat-exchange-'));
const secretFile = path.join(dir, 'exchanger-secret');
writeFileSync(secretFile, 'exchanger-secret\n');
const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One server at /mcp in front of `upstream`, with `stages` (YAML list items) as its pipeline.
function gatewayYaml(upstream, stages) {
  return `
listen: { port: {{PORT}} }
log: { level: debug }
servers:
  backend:
    path: /mcp
    upstream: { url: ${upstream} }
    pipeline:
${stages}`;
}

const oidcStage = (idp) => `      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:read] }`;

const exchangeStage = (tokenUrl, extra = '') => `      - plugin: exchange-rfc8693
        config: { token_url: "${tokenUrl}", client_id: exchanger, client_secret_file: ${secretFile}, audience: backend, scopes: [backend:read]${extra} }`;

// The headers the backend received on a tools/call made through the gateway.
async function backendHeaders(url, token) {
  const client = new Client({ name: 'exchange-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: bearer(token) } }));
  try {
    return JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
  } finally {
    await client.close();
  }
}

function challenge(response) {
  const header = response.headers.get('www-authenticate') ?? '';
  const params = {};
  for (const [, name, value] of header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) params[name] = value;
  return params;
}

describe('exchange-rfc8693 with oidc-provider\'s RFC 8693 grant', () => {
  let idp, upstream, moat, resource;
  before(async () => {
    // Exchanged tokens live 4 s, so the expiry test need not wait minutes.
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir, exchangeTtl: 4 });
    upstream = await startSampleServer('http');
    moat = await startMoat(gatewayYaml(upstream.url, `${oidcStage(idp)}\n${exchangeStage(`${idp.issuer}/token`, ', expiry_skew: 1s')}`));
    resource = `${moat.base}/mcp`;
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('the backend gets a token for itself (aud=backend, same sub, backend scopes), never the client\'s', async () => {
    const { access_token: userToken } = await userTokens(idp, 'alice', resource);
    assert.equal(claimsOf(userToken).aud, resource);
    const headers = await backendHeaders(resource, userToken);
    const forwarded = headers.authorization.replace(/^Bearer /, '');
    assert.notEqual(forwarded, userToken);
    for (const value of Object.values(headers)) assert.ok(!String(value).includes(userToken), 'the client token is nowhere upstream');
    const publicKeys = { keys: idp.keys.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub) };
    const { payload } = await jwtVerify(forwarded, createLocalJWKSet(publicKeys), { issuer: idp.issuer, audience: 'backend' });
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.scope, 'backend:read');
    assert.equal(payload.client_id, 'exchanger');
    assert.ok(!moat.child.output.text.includes(userToken) && !moat.child.output.text.includes(forwarded), 'no token in the log');
    assert.ok(!moat.child.output.text.includes('exchanger-secret'), 'no client secret in the log');
  });

  test('repeated calls are served from the cache; expiry triggers a new exchange', async () => {
    const { access_token: userToken } = await userTokens(idp, 'alice', resource);
    const before = (await idpStats(idp)).exchanges;
    const client = new Client({ name: 'exchange-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: bearer(userToken) } }));
    const seen = new Set();
    for (let i = 0; i < 10; i++) seen.add(JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text).authorization);
    assert.equal((await idpStats(idp)).exchanges - before, 1, 'initialize, notifications and ten calls cost one exchange');
    assert.equal(seen.size, 1);
    // 4 s lifetime minus the 1 s skew: after 3 s the next request exchanges again.
    await sleep(3200);
    const renewed = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text).authorization;
    assert.equal((await idpStats(idp)).exchanges - before, 2);
    assert.notEqual(renewed, [...seen][0]);
    await client.close();
  });

  test('a user the IdP has disabled: the exchange is refused and the client gets 401 invalid_token', async () => {
    const { access_token: bobToken } = await userTokens(idp, 'bob', resource);
    await fetch(`${idp.issuer}/test/disable-account?sub=bob`);
    const refusedBefore = (await idpStats(idp)).refused;
    const response = await postJson(resource, initializeMessage(), bearer(bobToken));
    assert.equal(response.status, 401);
    const c = challenge(response);
    assert.equal(c.error, 'invalid_token');
    assert.equal(c.resource_metadata, `${moat.base}/.well-known/oauth-protected-resource/mcp`);
    assert.equal((await response.json()).error.code, -32001);
    assert.equal((await idpStats(idp)).refused - refusedBefore, 1);
    assert.match(moat.child.output.text, /exchange refused for token [0-9a-f]{12}: token endpoint answered HTTP 400 invalid_grant/);
  });

  test('a token the backend refuses (401) leaves the cache: the next request is exchanged afresh', async () => {
    // A backend that answers initialize, and 401 for tokens it has revoked.
    const revoked = new Set();
    const backend = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        if (revoked.has(req.headers.authorization)) {
          res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer error="invalid_token"' });
          return res.end(JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, error: { code: -32001, message: 'revoked' } }));
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(body).id, result: { seen: req.headers.authorization } }));
      });
    });
    await new Promise((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const gateway = await startMoat(gatewayYaml(`http://127.0.0.1:${backend.address().port}/mcp`,
      `${oidcStage(idp)}\n${exchangeStage(`${idp.issuer}/token`, ', expiry_skew: 1s')}`));  // this IdP's tokens live 4 s
    try {
      const url = `${gateway.base}/mcp`;
      const { access_token: userToken } = await userTokens(idp, 'alice', url);
      const before = (await idpStats(idp)).exchanges;
      const first = await (await postJson(url, initializeMessage(1), bearer(userToken))).json();
      revoked.add(first.result.seen);
      assert.equal((await postJson(url, initializeMessage(2), bearer(userToken))).status, 401);
      const third = await postJson(url, initializeMessage(3), bearer(userToken));
      assert.equal(third.status, 200);
      assert.notEqual((await third.json()).result.seen, first.result.seen);
      assert.equal((await idpStats(idp)).exchanges - before, 2);
      assert.match(gateway.child.output.text, /the upstream refused exchanged token [0-9a-f]{12}; it is dropped from the cache/);
    } finally {
      await stop(gateway.child);
      backend.close();
    }
  });

  test('IdP down: 503 with Retry-After within the timeout; it recovers when the IdP is back', async () => {
    const { access_token: userToken } = await userTokens(idp, 'alice', resource);
    await stop(idp.child);
    const started = Date.now();
    const down = await postJson(resource, initializeMessage(), bearer(userToken));
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '5');
    assert.match((await down.json()).error.message, /token exchange is unavailable: token endpoint unreachable/);
    assert.ok(Date.now() - started < 6000);
    idp = await startIdp(idp.keys, { dir, port: idp.port, exchangeTtl: 4 });
    const back = await postJson(resource, initializeMessage(), bearer(userToken));
    assert.equal(back.status, 200);
  });
});

describe('exchange-rfc8693 when the token endpoint hangs', () => {
  let idp, upstream, silent, moat;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    // Accepts connections and never answers: an IdP stuck behind a load balancer.
    silent = net.createServer(() => {});
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    moat = await startMoat(gatewayYaml(upstream.url,
      `${oidcStage(idp)}\n${exchangeStage(`http://127.0.0.1:${silent.address().port}/token`, ', timeout: 1s')}`));
  });
  after(async () => {
    await stop(moat?.child);
    silent?.close();
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('503 after the configured timeout, and the gateway keeps serving', async () => {
    const { access_token: userToken } = await userTokens(idp, 'alice', `${moat.base}/mcp`);
    const started = Date.now();
    const [first, second] = await Promise.all([1, 2].map((id) => postJson(`${moat.base}/mcp`, initializeMessage(id), bearer(userToken))));
    const elapsed = Date.now() - started;
    assert.equal(first.status, 503);
    assert.equal(second.status, 503);
    const metrics = await (await fetch(`${moat.diagnostics}/metrics`)).text();
    assert.match(metrics, /^moat_exchange_rfc8693_exchanges_total\{instance="[^"]+\/exchange-rfc8693"\} 1$/m, 'the two requests shared one exchange');
    assert.match(metrics, /^moat_exchange_rfc8693_failures_total\{instance="[^"]+\/exchange-rfc8693"\} 2$/m);
    assert.ok(elapsed >= 900 && elapsed < 4000, `answered after ${elapsed} ms with a 1 s timeout`);
    assert.equal((await fetch(`${moat.base}/healthz`)).status, 200);
  });
});

describe('exchange-rfc8693 when the token endpoint is slow', () => {
  let idp, upstream, slow, moat;
  let received = 0;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    // The real token endpoint behind 1.5 s of latency: an IdP under load.
    slow = http.createServer(async (request, response) => {
      received++;
      const chunks = [];
      for await (const chunk of request) chunks.push(chunk);
      await sleep(1500);
      const answer = await fetch(`${idp.issuer}/token`, { method: 'POST', body: Buffer.concat(chunks),
        headers: { 'Content-Type': request.headers['content-type'], Authorization: request.headers.authorization } });
      response.writeHead(answer.status, { 'Content-Type': 'application/json' });
      response.end(await answer.text());
    });
    await new Promise((resolve) => slow.listen(0, '127.0.0.1', resolve));
    moat = await startMoat(`
listen: { port: {{PORT}}, threads: 64 }
servers:
  backend:
    path: /mcp
    upstream: { url: ${upstream.url} }
    pipeline:
${oidcStage(idp)}
${exchangeStage(`http://127.0.0.1:${slow.address().port}/token`, ', timeout: 5s')}
  direct:
    path: /direct/mcp
    upstream: { url: ${upstream.url} }
`);
  });
  after(async () => {
    await stop(moat?.child);
    slow?.close();
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('forty requests waiting on one slow exchange share it (single flight), and other routes are served meanwhile', async () => {
    const { access_token: userToken } = await userTokens(idp, 'alice', `${moat.base}/mcp`);
    const started = Date.now();
    const waiting = Promise.all(Array.from({ length: 40 }, (_, i) => postJson(`${moat.base}/mcp`, initializeMessage(i + 1), bearer(userToken))));
    await sleep(300);
    const directStarted = Date.now();
    const direct = await postJson(`${moat.base}/direct/mcp`, initializeMessage());
    assert.equal(direct.status, 200);
    await direct.text();
    const directMs = Date.now() - directStarted;
    const answers = await waiting;
    for (const answer of answers) { assert.equal(answer.status, 200); await answer.text(); }
    assert.equal(received, 1, 'one exchange reached the token endpoint for forty requests');
    assert.ok(directMs < 1000, `a route without exchange answered in ${directMs} ms while the exchange was pending`);
    assert.ok(Date.now() - started >= 1500, 'the requests did wait for the exchange');
  });
});

describe('moat proxy with ToolHive\'s --token-exchange-* flags', () => {
  let idp, upstream;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
  });
  after(async () => {
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('a custom header carries the exchanged token, Authorization is dropped, the secret comes from the environment', async () => {
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const proxy = await start(moatBin, ['proxy', 'flags', '--target-uri', upstream.url, '--port', String(port),
      '--oidc-issuer', idp.issuer, '--token-exchange-url', `${idp.issuer}/token`, '--token-exchange-client-id', 'exchanger',
      '--token-exchange-audience', 'backend', '--token-exchange-scopes', 'backend:read,backend:write',
      '--token-exchange-subject-token-type', 'access_token', '--token-exchange-header-name', 'X-Backend-Token'],
    { env: { TOOLHIVE_TOKEN_EXCHANGE_CLIENT_SECRET: 'exchanger-secret' }, ready: /moat: listening on/ });
    try {
      const { access_token: userToken } = await userTokens(idp, 'alice', resource);
      const headers = await backendHeaders(resource, userToken);
      assert.equal(headers.authorization, undefined);
      assert.match(headers['x-backend-token'], /^Bearer /);
      const claims = claimsOf(headers['x-backend-token'].slice(7));
      assert.equal(claims.aud, 'backend');
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.scope, 'backend:read backend:write');
    } finally {
      await stop(proxy);
    }
  });

  test('exchange flags without an authenticator are refused up front', async () => {
    const proxy = start(moatBin, ['proxy', 'x', '--target-uri', upstream.url, '--port', '0', '--token-exchange-url', `${idp.issuer}/token`,
      '--token-exchange-audience', 'backend'], { ready: /never/ });
    await assert.rejects(proxy, /exited with 2[\s\S]*\(give --oidc-issuer\) or your own login.s \(give --remote-auth\)/);
  });
});

describe('exchange-google-sts: Okta ID token to Workforce Identity Federation (BigQuery), Google STS STAND-IN', () => {
  const provider = '//iam.googleapis.com/locations/global/workforcePools/okta-pool/providers/okta-oidc';
  let okta, sts, upstream, moat;
  before(async () => {
    // oidc-provider serving Okta's URL layout stands in for the Okta org.
    okta = await startIdp(await makeKeys(['RS256:okta-1']), { dir, issuerPath: '/oauth2/default', oktaRoutes: true });
    const stsPort = await freePort();
    sts = await start('node', [path.join(here, 'idp/google-sts-standin.mjs'), '--port', String(stsPort), '--provider', provider,
      '--issuer', okta.issuer, '--jwks-url', `${okta.issuer}/v1/keys`, '--allowed-audience', 'cli',
      '--service-account', 'bq-reader@analytics.iam.gserviceaccount.com'], { ready: /stand-in listening/ });
    sts.base = `http://127.0.0.1:${stsPort}`;
    upstream = await startSampleServer('http');
    moat = await startMoat(gatewayYaml(upstream.url, `      - plugin: auth-okta
        config: { domain: "http://127.0.0.1:${okta.port}", audience: cli }
      - plugin: exchange-google-sts
        config:
          sts_url: ${sts.base}/v1/token
          iam_credentials_url: ${sts.base}
          audience: "${provider}"
          subject_token_type: id_token
          user_project: analytics-prod
          scopes: [https://www.googleapis.com/auth/bigquery, https://www.googleapis.com/auth/cloud-platform]`));
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(sts);
    await stop(okta?.child);
  });

  test('the exact STS request, and the Google token reaches the backend in place of the Okta token', async () => {
    const { id_token: idToken } = await userTokens(okta, 'alice', 'api://default', { okta: true, scope: 'openid email' });
    assert.equal(claimsOf(idToken).aud, 'cli');
    const headers = await backendHeaders(`${moat.base}/mcp`, idToken);
    assert.match(headers.authorization, /^Bearer ya29\.standin-/);
    const requests = await (await fetch(`${sts.base}/test/requests`)).json();
    assert.equal(requests.length, 1, 'one exchange for the whole session');
    const [request] = requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/token');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.body)), {
      audience: provider,
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/cloud-platform',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      subject_token: idToken,
      options: '{"userProject":"analytics-prod"}',
    });
  });

  test('with service_account, the federated token is turned into the service account\'s through generateAccessToken', async () => {
    const gateway = await startMoat(gatewayYaml(upstream.url, `      - plugin: auth-okta
        config: { domain: "http://127.0.0.1:${okta.port}", audience: cli }
      - plugin: exchange-google-sts
        config:
          sts_url: ${sts.base}/v1/token
          iam_credentials_url: ${sts.base}
          audience: "${provider}"
          user_project: analytics-prod
          service_account: bq-reader@analytics.iam.gserviceaccount.com
          impersonation_lifetime: 20m
          scopes: [https://www.googleapis.com/auth/bigquery]`));
    try {
      const { id_token: idToken } = await userTokens(okta, 'alice', 'api://default', { okta: true, scope: 'openid email' });
      const before = (await (await fetch(`${sts.base}/test/requests`)).json()).length;
      const headers = await backendHeaders(`${gateway.base}/mcp`, idToken);
      assert.match(headers.authorization, /^Bearer ya29\.sa-standin-/);
      const [exchange, impersonation] = (await (await fetch(`${sts.base}/test/requests`)).json()).slice(before);
      assert.equal(exchange.url, '/v1/token');
      assert.equal(impersonation.url, '/v1/projects/-/serviceAccounts/bq-reader@analytics.iam.gserviceaccount.com:generateAccessToken');
      assert.match(impersonation.headers.authorization, /^Bearer ya29\.standin-/, 'authorized by the federated token');
      assert.deepEqual(JSON.parse(impersonation.body), { scope: ['https://www.googleapis.com/auth/bigquery'], lifetime: '1200s' });
    } finally {
      await stop(gateway.child);
    }
  });

  test('a token STS does not trust (wrong audience) gives 401 and Google\'s reason in the log', async () => {
    const { access_token: accessToken } = await userTokens(okta, 'alice', 'api://default', { okta: true });
    // Valid at the gateway only if its audience matched; here the gateway accepts "cli" only.
    const refusedAtGateway = await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(accessToken));
    assert.equal(refusedAtGateway.status, 401);
    const cold = await startMoat(gatewayYaml(upstream.url, `      - plugin: auth-okta
        config: { domain: "http://127.0.0.1:${okta.port}" }
      - plugin: exchange-google-sts
        config: { sts_url: ${sts.base}/v1/token, audience: "${provider}", subject_token_type: access_token }`));
    try {
      const response = await postJson(`${cold.base}/mcp`, initializeMessage(), bearer(accessToken));
      assert.equal(response.status, 401);
      assert.equal(challenge(response).error, 'invalid_token');
      assert.match(cold.child.output.text, /Google STS answered HTTP 400 invalid_grant \(The audience in ID Token \[api:\/\/default\] does not match/);
    } finally {
      await stop(cold.child);
    }
  });
});
