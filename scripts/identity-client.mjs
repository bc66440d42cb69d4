// The identity quick start's MCP client: node scripts/identity-client.mjs [--user NAME] URL
// Finds the IdP the way an MCP client does (the 401's RFC 9728 resource_metadata, then its
// authorization_servers), signs NAME in there (authorization code + PKCE with the resource, the
// development IdP logs anyone in), and lists the server's tools through Moat with the token.
import { parseArgs } from 'node:util';
import { Client } from '../tests/integration/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport } from '../tests/integration/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';
import { userTokens } from '../tests/integration/idp/idp-helpers.mjs';

const { values, positionals } = parseArgs({ options: { user: { type: 'string', default: 'alice' } }, allowPositionals: true });
if (positionals.length !== 1) {
  console.error('usage: node scripts/identity-client.mjs [--user NAME] URL');
  process.exit(2);
}
const url = positionals[0];

const challenge = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
  body: '{"jsonrpc":"2.0","id":0,"method":"ping"}',
});
const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
if (challenge.status !== 401 || !metadataUrl) {
  console.error(`${url} answered ${challenge.status} without an RFC 9728 challenge; is it behind auth-oidc?`);
  process.exit(1);
}
const metadata = await (await fetch(metadataUrl)).json();
const issuer = metadata.authorization_servers[0];
console.log(`${url} is protected by ${issuer}; signing in as ${values.user}`);

const { access_token: token } = await userTokens({ issuer }, values.user, metadata.resource);
const client = new Client({ name: 'moat-identity-quickstart', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
const { tools } = await client.listTools();
console.log(`tools through Moat as ${values.user}: ${tools.map((t) => t.name).join(', ')}`);
await client.close();
