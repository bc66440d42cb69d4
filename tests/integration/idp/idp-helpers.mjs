// Starting the test IdP and getting tokens from it the way real clients do.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT } from 'jose';
import { freePort, start } from '../helpers.mjs';
import { makeKeys } from './make-keys.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Starts oidc-provider with the given private JWKS; `port` reuses one (a restart, a rotation).
export async function startIdp(keys, { port, dir, issuerPath = '', oktaRoutes = false, exchangeTtl, accessTtl, moatRedirect } = {}) {
  const idpPort = port ?? (await freePort());
  const keysFile = path.join(dir, `idp-keys-${Date.now()}.json`);
  writeFileSync(keysFile, JSON.stringify(keys));
  const args = [path.join(here, 'test-idp.mjs'), '--port', String(idpPort), '--keys', keysFile, '--issuer-path', issuerPath];
  if (oktaRoutes) args.push('--okta-routes');
  if (exchangeTtl) args.push('--exchange-ttl', String(exchangeTtl));
  if (accessTtl) args.push('--access-ttl', String(accessTtl));
  if (moatRedirect) args.push('--moat-redirect', moatRedirect);
  const child = await start('node', args, { ready: /test IdP listening/ });
  return { child, port: idpPort, issuer: `http://127.0.0.1:${idpPort}${issuerPath}`, keys };
}

export { makeKeys };

export async function clientCredentialsToken(idp, resource, scope, { tokenPath = '/token' } = {}) {
  const response = await fetch(`${idp.issuer}${tokenPath}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from('machine:machine-secret').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

// A token signed with the IdP's own private key: a valid signature over whatever claims the
// test wants, to probe every claim check separately.
export async function forgeToken(idp, claims, { kid, alg = 'RS256', typ = 'at+jwt', keyIndex = 0, extraHeader = {} } = {}) {
  const jwk = idp.keys.keys[keyIndex];
  const key = await importJWK(jwk, alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: idp.issuer, sub: 'alice', iat: now, exp: now + 300, scope: 'mcp:read mcp:tools', ...claims })
    .setProtectedHeader({ alg, kid: kid ?? jwk.kid, typ, ...extraHeader })
    .sign(key);
}

// Plays the user's browser: follows the authorization URL through the IdP's (scripted) login
// and consent until it redirects to `redirectUri`, and returns the URL it was sent to.
export async function followAuthorization(authorizationUrl, redirectUri) {
  let url = authorizationUrl.toString();
  const cookies = new Map();
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(redirectUri)) return new URL(url);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`authorization stopped at ${url} with HTTP ${response.status}: ${await response.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects during authorization');
}

// A user's tokens the way a developer's MCP client gets them: authorization code + PKCE S256
// with the resource indicator, as the public client "cli", signing in as `user`.
export async function userTokens(idp, user, resource, { scope = 'openid mcp:read mcp:tools', okta = false } = {}) {
  const redirectUri = 'http://127.0.0.1:1/callback';
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${idp.issuer}${okta ? '/v1/authorize' : '/auth'}`);
  authorize.search = new URLSearchParams({
    client_id: 'cli', response_type: 'code', redirect_uri: redirectUri, scope, resource, login_hint: user,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  });
  const code = (await followAuthorization(authorize, redirectUri)).searchParams.get('code');
  const response = await fetch(`${idp.issuer}${okta ? '/v1/token' : '/token'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'cli', code_verifier: verifier, resource }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`code exchange failed: ${JSON.stringify(body)}`);
  return body;  // access_token, id_token, refresh_token, ...
}

export async function idpStats(idp) {
  return (await fetch(`${idp.issuer}/test/stats`)).json();
}

// Pipeline items (YAML, indented for a server's `pipeline:`): auth-oidc in front of this IdP,
// then exchange-rfc8693 trading the user's token at its RFC 8693 grant for one meant for
// "backend", as the `exchanger` client whose secret is in `secretFile`.
export function oidcAndExchangeStages(idp, secretFile) {
  return `      - plugin: auth-oidc
        config: { issuer: ${idp.issuer}, scopes: [mcp:read] }
      - plugin: exchange-rfc8693
        config: { token_url: "${idp.issuer}/token", client_id: exchanger, client_secret_file: ${secretFile}, audience: backend, scopes: [backend:read] }`;
}
