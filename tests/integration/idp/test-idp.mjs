// The test identity provider: oidc-provider (OpenID Certified) on 127.0.0.1, configured the way
// an organisation would front MCP servers with it — resource indicators (RFC 8707) so access
// tokens name the MCP server as audience, JWT or opaque access tokens per resource, client
// credentials, introspection, dynamic client registration, PKCE required. Logging in is
// scripted: the interaction endpoint signs in the user named by login_hint (default "alice")
// and grants what was asked, so a test can follow redirects where a person would click.
//
//   node test-idp.mjs --port N --keys FILE [--issuer-path /tenant]
// FILE holds the private JWKS ({"keys":[...]}); a test rotates keys by restarting with another.
//
// RFC 8693 token exchange is registered as a grant (registerGrantType), the way an organisation
// would let the gateway swap a user's MCP token for a backend token: the subject token must be
// one this IdP issued, the user must still be enabled, and the issued token names the requested
// audience, the same subject and only backend scopes. /test/stats, /test/refresh-tokens and /test/disable-account let
// a test count exchanges and revoke a user.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    keys: { type: 'string' },
    'issuer-path': { type: 'string', default: '' },
    // Okta's URL layout: keys at {issuer}/v1/keys, introspection at {issuer}/v1/introspect.
    'okta-routes': { type: 'boolean', default: false },
    // Lifetime of exchanged tokens, short in tests that watch them expire.
    'exchange-ttl': { type: 'string', default: '300' },
    // Lifetime of access tokens for MCP resources, short in tests that watch them refresh.
    'access-ttl': { type: 'string', default: '300' },
    // A public client for moat's remote auth, registered with this redirect URI.
    'moat-redirect': { type: 'string', default: '' },
  },
});
const port = Number(values.port);
const issuer = `http://127.0.0.1:${port}${values['issuer-path']}`;
const jwks = JSON.parse(readFileSync(values.keys, 'utf8'));
const scopes = ['openid', 'offline_access', 'profile', 'email', 'mcp:read', 'mcp:tools'];

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:';
const backendScopes = ['backend:read', 'backend:write'];
const exchangeTtl = Number(values['exchange-ttl']);
const publicJwks = { keys: jwks.keys.map(({ d, p, q, dp, dq, qi, ...pub }) => pub) };
const stats = { exchanges: 0, refused: 0 };
const disabledAccounts = new Set();

const accounts = {
  alice: { email: 'alice@example.com', groups: ['engineering'] },
  bob: { email: 'bob@example.com', groups: ['sales'] },
};

const configuration = {
  jwks,
  clients: [
    // The gateway: introspects opaque tokens.
    { client_id: 'gateway', client_secret: 'gateway-secret', grant_types: [], response_types: [], redirect_uris: [] },
    // The gateway as a token-exchange client.
    { client_id: 'exchanger', client_secret: 'exchanger-secret', grant_types: [TOKEN_EXCHANGE], response_types: [], redirect_uris: [] },
    // A developer's MCP client: authorization code + PKCE, public.
    {
      client_id: 'cli', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], redirect_uris: ['http://127.0.0.1:1/callback'],
    },
    ...(values['moat-redirect'] ? [{
      client_id: 'moat-cli', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], redirect_uris: [values['moat-redirect']],
    }] : []),
    // A machine client: client credentials, tokens for any MCP resource.
    { client_id: 'machine', client_secret: 'machine-secret', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  ],
  scopes,
  claims: { openid: ['sub'], email: ['email'], profile: ['groups'] },
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, ...(accounts[id] ?? {}) }),
  }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: () => true },
    revocation: { enabled: true },
    registration: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => (oneOf ? oneOf[0] : undefined),
      useGrantedResource: () => true,
      // A resource whose path contains /opaque/ gets opaque tokens (to be introspected).
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'mcp:read mcp:tools',
        audience: resource,
        accessTokenTTL: Number(values['access-ttl']),
        accessTokenFormat: resource.includes('/opaque/') ? 'opaque' : 'jwt',
        ...(resource.includes('/opaque/') ? {} : { jwt: { sign: { alg: jwks.keys[0].alg ?? 'RS256' } } }),
      }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    if (!token.accountId) return undefined;
    const account = accounts[token.accountId] ?? {};
    // What Okta puts in its access tokens, so auth-okta is tested against the same claims.
    // RFC 8693 §4.1: an exchanged token names the client that acted for the user.
    const actor = token.gty === 'token_exchange' ? { act: { sub: token.clientId } } : {};
    return { email: account.email, groups: account.groups, uid: `00u-${token.accountId}`, cid: token.clientId, ...actor };
  },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  routes: values['okta-routes'] ? { jwks: '/v1/keys', introspection: '/v1/introspect', token: '/v1/token', authorization: '/v1/authorize' } : undefined,
  ttl: { AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL ?? 300, ClientCredentials: 300, Grant: 3600, Interaction: 600, Session: 3600, RefreshToken: 3600 },
  renderError: (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
};
if (!configuration.routes) delete configuration.routes;

const provider = new Provider(issuer, configuration);

// Refresh tokens as issued and consumed (opaque: the value is the jti), so tests can check
// rotation and grep files for the values. /test/refresh-tokens lists them.
const refreshTokens = [];
provider.on('refresh_token.saved', (token) => {
  if (!refreshTokens.some((t) => t.value === token.jti)) refreshTokens.push({ value: token.jti, clientId: token.clientId, consumed: false });
});
provider.on('refresh_token.consumed', (token) => {
  const known = refreshTokens.find((t) => t.value === token.jti);
  if (known) known.consumed = true;
});

// The subject's claims when the token is one this IdP issued and still honours.
async function subjectClaims(token, type) {
  if (type !== `${TOKEN_TYPE}access_token` && type !== `${TOKEN_TYPE}id_token` && type !== `${TOKEN_TYPE}jwt`)
    throw new errors.InvalidRequest(`unsupported subject_token_type ${type}`);
  try {
    return (await jwtVerify(token, createLocalJWKSet(publicJwks), { issuer })).payload;
  } catch {
    const opaque = await provider.AccessToken.find(token);
    if (!opaque) throw new errors.InvalidGrant('subject token is not valid');
    return { sub: opaque.accountId, scope: opaque.scope };
  }
}

provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
  stats.exchanges++;
  const { params, client } = ctx.oidc;
  try {
    const claims = await subjectClaims(params.subject_token, params.subject_token_type);
    if (!claims.sub) throw new errors.InvalidGrant('subject token names no user');
    if (disabledAccounts.has(claims.sub)) throw new errors.InvalidGrant('the user is disabled');
    const audience = params.audience;
    if (!audience) throw new errors.InvalidTarget('audience is required');
    const requested = (params.scope ?? backendScopes.join(' ')).split(' ').filter(Boolean);
    const refused = requested.filter((scope) => !backendScopes.includes(scope));
    if (refused.length) throw new errors.InvalidScope(`scopes not available to exchanged tokens: ${refused.join(' ')}`);
    const token = new provider.AccessToken({
      accountId: claims.sub, client, gty: 'token_exchange', grantId: randomUUID(), scope: requested.join(' '),
    });
    token.resourceServer = new provider.ResourceServer(audience, {
      scope: backendScopes.join(' '), audience, accessTokenTTL: exchangeTtl, accessTokenFormat: 'jwt',
      jwt: { sign: { alg: jwks.keys[0].alg ?? 'RS256' } },
    });
    const value = await token.save();
    ctx.body = {
      access_token: value, issued_token_type: `${TOKEN_TYPE}access_token`, token_type: 'Bearer',
      expires_in: token.expiration, scope: token.scope,
    };
  } catch (err) {
    stats.refused++;
    throw err;
  }
}, ['subject_token', 'subject_token_type', 'audience', 'scope', 'requested_token_type', 'actor_token', 'actor_token_type']);

async function interact(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    const accountId = params.login_hint || 'alice';
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [resource, wanted] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(resource, wanted.join(' '));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const prefix = values['issuer-path'];
const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = req.url.startsWith(prefix) ? req.url.slice(prefix.length) || '/' : req.url;
  if (url === '/test/stats') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  if (url === '/test/refresh-tokens') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(refreshTokens));
    return;
  }
  if (url.startsWith('/test/disable-account?')) {
    disabledAccounts.add(new URL(url, issuer).searchParams.get('sub'));
    res.end('disabled');
    return;
  }
  if (url.startsWith('/interaction/')) {
    interact(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  if (prefix && req.url.startsWith(prefix)) req.url = url;
  callback(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(`test IdP listening on ${port} as ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
