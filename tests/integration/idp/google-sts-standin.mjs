// STAND-IN for Google's Security Token Service and IAM Credentials API, which cannot be reached
// from these machines. It follows Google's documented wire format:
//   POST /v1/token (sts.googleapis.com): form-encoded RFC 8693 parameters — grant_type
//     token-exchange, audience = the pool provider's full resource name, scope,
//     requested_token_type access_token, subject_token_type id_token|jwt|access_token,
//     subject_token, options = JSON {"userProject": ...}; answers
//     {access_token, issued_token_type, token_type: "Bearer", expires_in} or an OAuth error
//     {error, error_description} with HTTP 400.
//   POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken (iamcredentials.googleapis.com):
//     Bearer federated token, JSON {scope: [...], lifetime: "3600s"}; answers
//     {accessToken, expireTime (RFC 3339)} or {error: {code, message, status}}.
// Like the real service, it verifies the subject token against the configured OIDC provider's
// keys (issuer and allowed audience), so a forged or foreign token is refused. Every request
// is recorded at GET /test/requests for tests to assert on the exact wire format.
//
//   node google-sts-standin.mjs --port N --provider //iam.googleapis.com/... --issuer URL
//        --jwks-url URL --allowed-audience AUD [--service-account EMAIL]
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    provider: { type: 'string' },
    issuer: { type: 'string' },
    'jwks-url': { type: 'string' },
    'allowed-audience': { type: 'string' },
    'service-account': { type: 'string', default: '' },
  },
});
const TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:';
const keys = createRemoteJWKSet(new URL(values['jwks-url']));
const requests = [];
const federatedTokens = new Map();  // federated token -> subject

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
const oauthError = (res, error, description) => send(res, 400, { error, error_description: description });
const googleError = (res, code, status, message) => send(res, code, { error: { code, message, status } });

async function stsToken(req, res, body) {
  const form = new URLSearchParams(body);
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return oauthError(res, 'invalid_request', 'Invalid Content-Type.');
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange')
    return oauthError(res, 'unsupported_grant_type', `Unsupported grant type: ${form.get('grant_type')}.`);
  if (form.get('requested_token_type') !== `${TOKEN_TYPE}access_token`)
    return oauthError(res, 'invalid_request', 'Invalid value for "requested_token_type".');
  if (form.get('audience') !== values.provider)
    return oauthError(res, 'invalid_target', 'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.');
  const type = form.get('subject_token_type');
  if (![`${TOKEN_TYPE}id_token`, `${TOKEN_TYPE}jwt`, `${TOKEN_TYPE}access_token`].includes(type))
    return oauthError(res, 'invalid_request', `Invalid value for "subject_token_type": ${type}.`);
  if (form.has('options')) {
    try { JSON.parse(form.get('options')); } catch { return oauthError(res, 'invalid_request', 'Invalid value for "options".'); }
  }
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(form.get('subject_token') ?? '', keys, { issuer: values.issuer }));
  } catch (err) {
    return oauthError(res, 'invalid_grant', `Invalid JWT: ${err.code ?? err.message}.`);
  }
  const audiences = [].concat(claims.aud ?? []);
  if (!audiences.includes(values['allowed-audience']))
    return oauthError(res, 'invalid_grant', `The audience in ID Token [${audiences.join(',')}] does not match the expected audience.`);
  const token = `ya29.standin-${randomBytes(12).toString('hex')}`;
  federatedTokens.set(token, claims.sub);
  send(res, 200, { access_token: token, issued_token_type: `${TOKEN_TYPE}access_token`, token_type: 'Bearer', expires_in: 3600 });
}

function generateAccessToken(req, res, body, email) {
  const federated = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (!federatedTokens.has(federated))
    return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  if (email !== values['service-account'])
    return googleError(res, 403, 'PERMISSION_DENIED', "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).");
  let request;
  try { request = JSON.parse(body); } catch { return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
  if (!Array.isArray(request.scope) || request.scope.length === 0)
    return googleError(res, 400, 'INVALID_ARGUMENT', 'Scope required.');
  const seconds = Number(/^(\d+)s$/.exec(request.lifetime ?? '3600s')?.[1] ?? NaN);
  if (!(seconds > 0 && seconds <= 43200)) return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid lifetime.');
  send(res, 200, {
    accessToken: `ya29.sa-standin-${randomBytes(12).toString('hex')}`,
    expireTime: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/test/requests') return send(res, 200, requests);
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const impersonation = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(req.url);
    if (req.method === 'POST' && req.url === '/v1/token') return void stsToken(req, res, body).catch((err) => oauthError(res, 'invalid_request', String(err)));
    if (req.method === 'POST' && impersonation) return generateAccessToken(req, res, body, decodeURIComponent(impersonation[1]));
    googleError(res, 404, 'NOT_FOUND', `${req.url} not found`);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => console.log(`Google STS stand-in listening on ${values.port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
