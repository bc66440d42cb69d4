// The test identity provider: oidc-provider (OpenID Certified) on 127.0.0.1, configured the way
// an organisation would front MCP servers with it — resource indicators (RFC 8707) so access
// tokens name the MCP server as audience, JWT or opaque access tokens per resource, client
// credentials, introspection, dynamic client registration, PKCE required. Logging in is
// scripted: the interaction endpoint signs in the user named by login_hint (default "alice")
// and grants what was asked, so a test can follow redirects where a person would click.
//
//   node test-idp.mjs --port N --keys FILE [--issuer-path /tenant]
// FILE holds the private JWKS ({"keys":[...]}); a test rotates keys by restarting with another.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    keys: { type: 'string' },
    'issuer-path': { type: 'string', default: '' },
    // Okta's URL layout: keys at {issuer}/v1/keys, introspection at {issuer}/v1/introspect.
    'okta-routes': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
const issuer = `http://127.0.0.1:${port}${values['issuer-path']}`;
const jwks = JSON.parse(readFileSync(values.keys, 'utf8'));
const scopes = ['openid', 'offline_access', 'profile', 'email', 'mcp:read', 'mcp:tools'];

const accounts = {
  alice: { email: 'alice@example.com', groups: ['engineering'] },
  bob: { email: 'bob@example.com', groups: ['sales'] },
};

const configuration = {
  jwks,
  clients: [
    // The gateway: introspects opaque tokens.
    { client_id: 'gateway', client_secret: 'gateway-secret', grant_types: [], response_types: [], redirect_uris: [] },
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
        accessTokenTTL: 300,
        accessTokenFormat: resource.includes('/opaque/') ? 'opaque' : 'jwt',
        ...(resource.includes('/opaque/') ? {} : { jwt: { sign: { alg: jwks.keys[0].alg ?? 'RS256' } } }),
      }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    if (!token.accountId) return undefined;
    const account = accounts[token.accountId] ?? {};
    // What Okta puts in its access tokens, so auth-okta is tested against the same claims.
    return { email: account.email, groups: account.groups, uid: `00u-${token.accountId}`, cid: token.clientId };
  },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  routes: values['okta-routes'] ? { jwks: '/v1/keys', introspection: '/v1/introspect', token: '/v1/token', authorization: '/v1/authorize' } : undefined,
  ttl: { AccessToken: 300, ClientCredentials: 300, Grant: 3600, Interaction: 600, Session: 3600, RefreshToken: 3600 },
  renderError: (ctx, out) => { ctx.type = 'json'; ctx.body = out; },
};
if (!configuration.routes) delete configuration.routes;

const provider = new Provider(issuer, configuration);

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
