// Identity end to end: the real oidc-provider as the IdP, auth-oidc in front of the sample MCP
// server, and clients that get their tokens the real ways (client credentials, authorization
// code + PKCE through the TypeScript SDK's own OAuth discovery), plus a hostile-token corpus
// signed with the IdP's own key so each claim check is probed on its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { freePort, initializeMessage, moatBin, postJson, start, startMoat, startSampleServer, stop } from './helpers.mjs';
import { clientCredentialsToken, followAuthorization, forgeToken, makeKeys, startIdp } from './idp/idp-helpers.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'moat-auth-'));
const secretFile = path.join(dir, 'gateway-secret');
writeFileSync(secretFile, 'gateway-secret\n');

function gatewayYaml(idp, upstream) {
  const stage = (extra) => `
      - plugin: auth-oidc
        config:
          issuer: ${idp.issuer}
          client_id: gateway
          client_secret_file: ${secretFile}
          jwks_refetch_interval: 1s
${extra}
      - plugin: stage-headers
        config: { identity_headers: { X-Moat-User: subject, X-Moat-Email: "claim:email" } }`;
  return `
listen: { port: {{PORT}} }
log: { level: debug }
servers:
  tools:
    path: /mcp
    upstream: { url: ${upstream} }
    pipeline:${stage(`          scopes: [mcp:read]
          method_scopes: { tools/call: [mcp:tools] }`)}
  user:
    path: /user/mcp
    upstream: { url: ${upstream} }
    pipeline:${stage('          scopes: [mcp:read, mcp:tools]')}
  opaque:
    path: /opaque/mcp
    upstream: { url: ${upstream} }
    pipeline:${stage('          scopes: [mcp:read]')}
`;
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

async function connect(url, headers) {
  const client = new Client({ name: 'auth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function whoami(client) {
  return JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
}

function challenge(response) {
  const header = response.headers.get('www-authenticate') ?? '';
  const params = {};
  for (const [, name, value] of header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) params[name] = value;
  return { scheme: header.split(' ')[0], ...params };
}

// A counter's value summed over its instances (plugins count per instance: name{instance="..."}).
async function counter(moat, name) {
  const text = await (await fetch(`${moat.diagnostics}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`moat_${name}_total `) || l.startsWith(`moat_${name}_total{`));
  return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

// An in-memory OAuthClientProvider: what an MCP host application implements.
class TestOAuthProvider {
  constructor(loginHint) {
    this.loginHint = loginHint;
    this.redirectUrl = 'http://127.0.0.1:1/callback';
  }
  get clientMetadata() {
    return {
      client_name: 'moat auth test', redirect_uris: [this.redirectUrl], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    };
  }
  clientInformation() { return this.client; }
  saveClientInformation(client) { this.client = client; }
  tokens() { return this.savedTokens; }
  saveTokens(tokens) { this.savedTokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
}

describe('auth-oidc with oidc-provider', () => {
  let idp, upstream, moat;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    moat = await startMoat(gatewayYaml(idp, upstream.url));
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('no token: 401 with a challenge that leads to the RFC 9728 metadata and the IdP', async () => {
    const response = await postJson(`${moat.base}/mcp`, initializeMessage());
    assert.equal(response.status, 401);
    const c = challenge(response);
    assert.equal(c.scheme, 'Bearer');
    assert.equal(c.resource_metadata, `${moat.base}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(c.scope, 'mcp:read');
    assert.equal(c.error, undefined, 'RFC 6750 §3.1: no error code when no credentials were sent');
    assert.equal((await response.json()).error.code, -32001);

    const metadata = await (await fetch(c.resource_metadata)).json();
    assert.equal(metadata.resource, `${moat.base}/mcp`);
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
    assert.deepEqual(metadata.scopes_supported, ['mcp:read', 'mcp:tools']);
    assert.deepEqual(metadata.bearer_methods_supported, ['header']);
    const user = await (await fetch(`${moat.base}/.well-known/oauth-protected-resource/user/mcp`)).json();
    assert.equal(user.resource, `${moat.base}/user/mcp`);
    // Three protected servers and none at "/": the root URI names none of them.
    assert.equal((await fetch(`${moat.base}/.well-known/oauth-protected-resource`)).status, 404);
  });

  test('client credentials: a JWT for this resource works; the client token never reaches the upstream', async () => {
    const token = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read mcp:tools');
    const client = await connect(`${moat.base}/mcp`, bearer(token));
    const seen = await whoami(client);
    assert.equal(seen['x-moat-user'], 'machine');
    assert.equal(seen.authorization, undefined);
    await client.close();
  });

  test('a method needing more scope: 403 insufficient_scope naming it', async () => {
    const token = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read');
    const client = await connect(`${moat.base}/mcp`, bearer(token));
    assert.ok((await client.listTools()).tools.length > 0);
    const response = await postJson(`${moat.base}/mcp`,
      { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { ...bearer(token), 'Mcp-Session-Id': client.transport.sessionId, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(response.status, 403);
    const c = challenge(response);
    assert.equal(c.error, 'insufficient_scope');
    assert.equal(c.scope, 'mcp:read mcp:tools');
    const body = await response.json();
    assert.equal(body.id, 9);
    assert.match(body.error.message, /mcp:tools/);
    await client.close();
  });

  test('opaque tokens are introspected with the gateway client; audience still checked', async () => {
    const opaque = await clientCredentialsToken(idp, `${moat.base}/opaque/mcp`, 'mcp:read');
    assert.equal(opaque.split('.').length, 1, 'the IdP issued an opaque token');
    const client = await connect(`${moat.base}/opaque/mcp`, bearer(opaque));
    assert.ok((await client.listTools()).tools.length > 0);
    await client.close();
    const before = await counter(moat, 'auth_oidc_introspections');
    const again = await connect(`${moat.base}/opaque/mcp`, bearer(opaque));
    await again.listTools();
    await again.close();
    assert.equal(await counter(moat, 'auth_oidc_introspections'), before, 'answered from the cache');
    // A token for another resource is refused here, JWT or opaque.
    const jwtForTools = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read');
    const wrong = await postJson(`${moat.base}/opaque/mcp`, initializeMessage(), bearer(jwtForTools));
    assert.equal(wrong.status, 401);
    assert.match(challenge(wrong).error_description, /audience/);
  });

  test('authorization code + PKCE: the SDK client discovers everything from the 401 and logs in', async () => {
    const provider = new TestOAuthProvider('alice');
    const url = new URL(`${moat.base}/user/mcp`);
    const first = new Client({ name: 'oauth-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    const authorizationUrl = provider.authorizationUrl;
    assert.ok(authorizationUrl, 'the SDK asked to open the authorization URL');
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorizationUrl.searchParams.get('resource'), url.toString());
    assert.equal(authorizationUrl.searchParams.get('scope'), 'mcp:read mcp:tools');
    authorizationUrl.searchParams.set('login_hint', 'alice');
    const callback = await followAuthorization(authorizationUrl, provider.redirectUrl);
    assert.equal(callback.searchParams.get('iss'), idp.issuer, 'RFC 9207 issuer in the response');
    await transport.finishAuth(callback.searchParams.get('code'));

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    const seen = await whoami(client);
    assert.equal(seen['x-moat-user'], 'alice');
    assert.equal(seen['x-moat-email'], 'alice@example.com');
    assert.equal(seen.authorization, undefined);
    await client.close();
  });

  test('a session opened by one user is refused to another user\'s token', async () => {
    const alice = await forgeToken(idp, { sub: 'alice', aud: `${moat.base}/mcp` });
    const bob = await forgeToken(idp, { sub: 'bob', aud: `${moat.base}/mcp` });
    const client = await connect(`${moat.base}/mcp`, bearer(alice));
    const sessionId = client.transport.sessionId;
    assert.ok(sessionId);
    const hijack = await postJson(`${moat.base}/mcp`, { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      { ...bearer(bob), 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(hijack.status, 403);
    assert.match((await hijack.json()).error.message, /another identity/);
    assert.ok((await client.listTools()).tools.length > 0, 'the owner still gets through');
    await client.close();
  });

  describe('hostile tokens, one check each', () => {
    const expectRejected = async (token, reason, { status = 401, error = 'invalid_token', path = '/mcp' } = {}) => {
      const response = await postJson(`${moat.base}${path}`, initializeMessage(), bearer(token));
      assert.equal(response.status, status);
      const c = challenge(response);
      assert.equal(c.error, error);
      assert.match(c.error_description, reason);
      assert.ok(!c.error_description.includes(token.slice(-20)), 'no token material in the answer');
      assert.ok(!moat.child.output.text.includes(token.slice(-40)), 'no token material in the log');
    };
    const aud = () => `${moat.base}/mcp`;

    test('alg none', async () => {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      await expectRejected(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: idp.issuer, sub: 'eve', aud: aud(), exp: 9999999999 })}.`, /alg none/);
    });
    test('HS256 signed with the public key as the secret', async () => {
      const { createHmac } = await import('node:crypto');
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = `${b64({ alg: 'HS256', kid: 'key-1' })}.${b64({ iss: idp.issuer, sub: 'eve', aud: aud(), exp: 9999999999 })}`;
      const publicJwks = await (await fetch(`${idp.issuer}/jwks`)).text();
      await expectRejected(`${input}.${createHmac('sha256', publicJwks).update(input).digest('base64url')}`, /HMAC/);
    });
    test('wrong kid for the algorithm', async () => {
      const es = await makeKeys(['ES256:key-1']);
      await expectRejected(await forgeToken({ ...idp, keys: es }, { aud: aud() }, { alg: 'ES256' }), /does not match its algorithm/);
    });
    test('unknown kid: one refetch, then rejected', async () => {
      await new Promise((r) => setTimeout(r, 1100));  // past the refetch interval
      const fetchesBefore = await counter(moat, 'auth_oidc_jwks_fetches');
      for (let i = 0; i < 4; i++) await expectRejected(await forgeToken(idp, { aud: aud() }, { kid: `forged-${i}` }), /unknown key/);
      assert.equal(await counter(moat, 'auth_oidc_jwks_fetches') - fetchesBefore, 1);
    });
    test('expired', async () => expectRejected(await forgeToken(idp, { aud: aud(), exp: Math.floor(Date.now() / 1000) - 120 }), /expired/));
    test('nbf in the future', async () => expectRejected(await forgeToken(idp, { aud: aud(), nbf: Math.floor(Date.now() / 1000) + 3600 }), /not valid yet/));
    test('wrong iss', async () => expectRejected(await forgeToken(idp, { aud: aud(), iss: 'http://127.0.0.1:1' }), /another issuer/));
    test('wrong aud', async () => expectRejected(await forgeToken(idp, { aud: 'https://api.example.com' }), /audience/));
    test('missing scope', async () => expectRejected(await forgeToken(idp, { aud: aud(), scope: 'profile' }), /mcp:read/, { status: 403, error: 'insufficient_scope' }));
    test('malformed base64', async () => expectRejected('eyJhbGciOiJSUzI1NiJ9.@@@.sig', /payload is not/));
    test('oversized header', async () => {
      const big = await forgeToken(idp, { aud: aud() }, { extraHeader: { x5c_padding: 'x'.repeat(3000) } });
      await expectRejected(big, /header is larger than/);
      const huge = await postJson(`${moat.base}/mcp`, initializeMessage(), bearer('a'.repeat(100000)));
      assert.ok(huge.status >= 400 && huge.status < 500, `a 100 kB header is refused (HTTP ${huge.status})`);
      assert.equal((await fetch(`${moat.base}/healthz`)).status, 200);
    });
    test('token in the query string', async () => {
      const good = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read');
      const response = await postJson(`${moat.base}/mcp?access_token=${good}`, initializeMessage());
      assert.equal(response.status, 401);
      assert.match(challenge(response).error_description, /in the URL/);
      assert.ok(!moat.child.output.text.includes(good), 'the query token is not logged');
    });
  });
});

describe('moat proxy with ToolHive\'s --oidc-* flags', () => {
  let idp, upstream;
  before(async () => {
    idp = await startIdp(await makeKeys(['ES256:ec-1', 'RS256:rsa-1']), { dir });
    upstream = await startSampleServer('http');
  });
  after(async () => {
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('the flags build the same auth-oidc stage as the YAML (ES256 keys, introspection secret from a file)', async () => {
    const port = await freePort();
    const proxy = await start(moatBin, ['proxy', 'flags', '--target-uri', upstream.url, '--port', String(port),
      '--oidc-issuer', idp.issuer, '--oidc-audience', 'https://mcp.example.com/mcp', '--oidc-scopes', 'mcp:read',
      '--oidc-client-id', 'gateway', '--oidc-client-secret-file', secretFile,
      '--resource-url', 'https://mcp.example.com/mcp'], { ready: /moat: listening on/ });
    try {
      const base = `http://127.0.0.1:${port}`;
      const none = await postJson(`${base}/mcp`, initializeMessage());
      assert.equal(none.status, 401);
      assert.equal(challenge(none).resource_metadata, 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
      const jwt = await clientCredentialsToken(idp, 'https://mcp.example.com/mcp', 'mcp:read');
      assert.equal(JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url')).alg, 'ES256');
      const client = await connect(`${base}/mcp`, bearer(jwt));
      assert.ok((await client.listTools()).tools.length > 0);
      await client.close();
      const opaque = await clientCredentialsToken(idp, 'https://mcp.example.com/opaque/', 'mcp:read');
      const refused = await postJson(`${base}/mcp`, initializeMessage(), bearer(opaque));
      assert.equal(refused.status, 401, 'introspected, active, but for another audience');
      assert.match(challenge(refused).error_description, /audience/);
    } finally {
      await stop(proxy);
    }
  });
});

describe('auth-oidc when the IdP goes away or rotates its keys', () => {
  let idp, upstream, moat;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
    upstream = await startSampleServer('http');
    moat = await startMoat(gatewayYaml(idp, upstream.url));
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('IdP down: keys already fetched keep working; a gateway with no keys answers 503, never 200', async () => {
    const first = await forgeToken(idp, { aud: `${moat.base}/mcp`, jti: '1' });
    assert.equal((await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(first))).status, 200);
    await stop(idp.child);
    const second = await forgeToken(idp, { aud: `${moat.base}/mcp`, jti: '2' });
    assert.equal((await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(second))).status, 200);
    // A kid it does not hold makes the gateway try the IdP: that fails, it says so once, and
    // keeps the keys it has.
    await new Promise((r) => setTimeout(r, 1100));  // past the refetch interval
    const unknown = await forgeToken(idp, { aud: `${moat.base}/mcp`, jti: '3' }, { kid: 'key-unknown' });
    assert.equal((await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(unknown))).status, 401);
    assert.match(moat.child.output.text, /keeping the keys already held/);
    const third = await forgeToken(idp, { aud: `${moat.base}/mcp`, jti: '4' });
    assert.equal((await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(third))).status, 200);

    const cold = await startMoat(gatewayYaml(idp, upstream.url));
    try {
      const token = await forgeToken(idp, { aud: `${cold.base}/mcp` });
      const response = await postJson(`${cold.base}/mcp`, initializeMessage(), bearer(token));
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.match((await response.json()).error.message, /cannot be reached/);
    } finally {
      await stop(cold.child);
    }
  });

  test('key rotation at the IdP during the run; the IdP back after being down is used again', async () => {
    const rotated = await makeKeys(['RS256:key-2']);
    idp = await startIdp({ keys: [...rotated.keys, ...idp.keys.keys] }, { dir, port: idp.port });
    await new Promise((r) => setTimeout(r, 1100));  // past the refetch interval
    const mark = moat.child.output.text.length;
    const token = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read');
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid, 'key-2');
    const client = await connect(`${moat.base}/mcp`, bearer(token));
    assert.ok((await client.listTools()).tools.length > 0);
    await client.close();
    assert.match(moat.child.output.text.slice(mark), /fetched 2 signing keys/, 'the new key set was fetched from the IdP that came back');
  });
});

// Okta's cloud cannot be reached from here: the stand-in is the same oidc-provider serving
// Okta's URL layout ({issuer} = /oauth2/default, keys at /v1/keys, tokens at /v1/token).
describe('auth-okta against oidc-provider in Okta\'s URL layout (stand-in for Okta)', () => {
  let idp, upstream, moat;
  before(async () => {
    idp = await startIdp(await makeKeys(['RS256:okta-1']), { dir, issuerPath: '/oauth2/default', oktaRoutes: true });
    upstream = await startSampleServer('http');
    moat = await startMoat(`
listen: { port: {{PORT}} }
servers:
  okta:
    path: /mcp
    upstream: { url: ${upstream.url} }
    pipeline:
      - plugin: auth-okta
        config:
          domain: http://127.0.0.1:${idp.port}
          scopes: [mcp:read]
      - plugin: stage-headers
        config: { identity_headers: { X-Okta-Subject: subject } }
`);
  });
  after(async () => {
    await stop(moat?.child);
    await stop(upstream?.child);
    await stop(idp?.child);
  });

  test('a token for api://default from the default authorization server is accepted', async () => {
    const token = await clientCredentialsToken(idp, 'api://default', 'mcp:read mcp:tools', { tokenPath: '/v1/token' });
    const client = await connect(`${moat.base}/mcp`, bearer(token));
    assert.equal((await whoami(client))['x-okta-subject'], 'machine');
    await client.close();
    const metadata = await (await fetch(`${moat.base}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.deepEqual(metadata.authorization_servers, [`http://127.0.0.1:${idp.port}/oauth2/default`]);
    // The root URI names the only protected server.
    assert.equal((await (await fetch(`${moat.base}/.well-known/oauth-protected-resource`)).json()).resource, `${moat.base}/mcp`);
  });

  test('a token for another audience is refused', async () => {
    const token = await clientCredentialsToken(idp, `${moat.base}/mcp`, 'mcp:read', { tokenPath: '/v1/token' });
    const response = await postJson(`${moat.base}/mcp`, initializeMessage(), bearer(token));
    assert.equal(response.status, 401);
    assert.match(challenge(response).error_description, /audience/);
  });
});
