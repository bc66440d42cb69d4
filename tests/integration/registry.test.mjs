// `moat registry` and `moat run NAME`: the official MCP registry's own server.json examples
// (from its Go module, docs/reference/server-json/generic-server-json.md) parsed and resolved to
// what moat would start; a registry entry run for real (the everything server from npm, through
// npx) with a required secret that reaches the server's environment and nowhere else; and an MCP
// Registry API endpoint.
//
// STAND-IN: the registry API below is a small Node server answering GET /v0.1/servers and
// GET /v0.1/servers/{name}/versions/latest in the wire format of the registry's OpenAPI
// (docs/reference/api/openapi.yaml in the same module). The real registry needs PostgreSQL and
// is not run here; the README says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { moatBin, repoRoot } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'moat-registry-'));
const baseEnv = { ...process.env, MOAT_STATE_DIR: path.join(dir, 'state'), MOAT_REGISTRY: '' };
delete baseEnv.MOAT_SECRETS_PROVIDER;
const moat = (args, env = {}) => spawnSync(moatBin, args, { env: { ...baseEnv, ...env }, cwd: here, encoding: 'utf8', timeout: 60000 });
// The same without blocking this process, whose event loop serves the registry API below.
const moatAsync = (args, env = {}) => new Promise((resolve) => {
  execFile(moatBin, args, { env: { ...baseEnv, ...env }, cwd: here, encoding: 'utf8', timeout: 60000 }, (error, stdout, stderr) =>
    resolve({ status: error ? error.code : 0, stdout, stderr }));
});

// Every complete server.json among the reference's ```json blocks.
function officialExamples() {
  const reference = execFileSync(path.join(repoRoot, 'scripts/registry-examples'), { encoding: 'utf8' }).trim();
  const blocks = [...readFileSync(reference, 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((text) => { try { return JSON.parse(text); } catch { return null; } })
    .filter((doc) => doc && typeof doc.name === 'string' && (doc.packages || doc.remotes));
}

function infoOf(name, args = []) {
  const info = moat(['registry', 'info', name, ...args]);
  assert.equal(info.status, 0, info.stderr);
  return info.stdout;
}

describe('moat registry', () => {
  let examples;
  let examplesFile;
  before(() => {
    examples = officialExamples();
    examplesFile = path.join(dir, 'examples.json');
    writeFileSync(examplesFile, JSON.stringify(examples));
  });
  after(() => {
    const workloads = path.join(dir, 'state/workloads');
    for (const name of existsSync(workloads) ? readdirSync(workloads) : []) moat(['rm', name.replace(/\.json$/, '')]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the built-in set lists well-known servers, and search finds by word', () => {
    const list = moat(['registry', 'list']);
    assert.equal(list.status, 0, list.stderr);
    for (const name of ['io.github.modelcontextprotocol/everything', 'io.github.modelcontextprotocol/time', 'io.github.modelcontextprotocol/filesystem'])
      assert.match(list.stdout, new RegExp(`^${name.replaceAll('.', '\\.')}\\s`, 'm'));
    const search = moat(['registry', 'search', 'TIME-ZONE']);
    assert.equal(search.status, 0);
    assert.match(search.stdout, /io\.github\.modelcontextprotocol\/time\s+2026\.10\.19\s+pypi/);
    assert.equal(search.stdout.trim().split('\n').length, 2, 'a header and one match');
    assert.equal(moat(['registry', 'search', 'no-such-server-anywhere']).status, 1);
    assert.match(infoOf('time'), /runs as:\s+moat run -- uvx --from mcp-server-time==2026\.10\.19 mcp-server-time/);
    assert.match(infoOf('filesystem'), /needs <allowed_directory> \(the directory the server may use\): give it after the name, moat run filesystem VALUE/);
  });

  test("the official registry's server.json examples parse, and each resolves to a run or says why not", () => {
    assert.ok(examples.length >= 12, `only ${examples.length} examples found`);
    const list = moat(['registry', 'list', '--registry', examplesFile]);
    assert.equal(list.status, 0, list.stderr);
    for (const example of examples) assert.match(list.stdout, new RegExp(`^${example.name.replaceAll('.', '\\.')}\\s`, 'm'), example.name);
    for (const example of examples) assert.match(infoOf(example.name, ['--registry', examplesFile]), /runs as:\s+\S/, example.name);

    const brave = infoOf('io.modelcontextprotocol.anonymous/brave-search', ['--registry', examplesFile]);
    assert.match(brave, /env BRAVE_API_KEY\s+required secret Brave Search API Key/);
    assert.match(brave, /runs as:\s+moat run --secret BRAVE_API_KEY,target=BRAVE_API_KEY -- npx -y @modelcontextprotocol\/server-brave-search@1\.0\.2/);
    const nuget = infoOf('io.github.joelverhagen/knapcode-samplemcpserver', ['--registry', examplesFile]);
    assert.match(nuget, /runs as:\s+- \(.*published as nuget; moat run starts npm and PyPI packages and OCI images/);
    const database = infoOf('io.github.example/database-manager', ['--registry', examplesFile]);
    assert.match(database, /package:\s+oci docker\.io\/example\/database-manager-mcp:3\.1\.0/);
    assert.match(database, /runs as:\s+- \(.*<database_name>|runs as:\s+- \(.*needs DB_USERNAME/);

    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify([{ ...examples[0], packages: [{ registryType: 'npm', identifier: 'x', transport: { type: 'carrier-pigeon' } }] }]));
    const refused = moat(['registry', 'list', '--registry', broken]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, new RegExp(`${broken.replaceAll('.', '\\.')}: \\[0\\] server\\.packages\\[0\\]\\.transport\\.type: must be stdio, streamable-http or sse, not carrier-pigeon`));
  });

  test('moat run NAME starts the entry; a required secret comes from the store by name and reaches only the server', async () => {
    const registryFile = path.join(dir, 'team.json');
    writeFileSync(registryFile, JSON.stringify({
      name: 'io.example.team/everything-token', description: 'the everything server, needing a token', version: '2026.8.31',
      packages: [{
        registryType: 'npm', identifier: '@modelcontextprotocol/server-everything', version: '2026.8.31', transport: { type: 'stdio' },
        environmentVariables: [
          { name: 'EVERYTHING_TOKEN', description: 'a token', isRequired: true, isSecret: true },
          { name: 'EVERYTHING_GREETING', description: 'a greeting', default: 'hello from the registry' },
        ],
      }],
    }));
    const missing = moat(['run', 'everything-token', '--registry', registryFile, '--detach'], { MOAT_SECRETS_PROVIDER: 'environment' });
    assert.equal(missing.status, 2, missing.stdout);
    assert.match(missing.stderr, /EVERYTHING_TOKEN/);

    const secret = 'tok-registry-5f1c2a9e';
    const secretEnv = { MOAT_SECRETS_PROVIDER: 'environment', MOAT_SECRET_EVERYTHING_TOKEN: secret };
    const run = moat(['run', 'everything-token', '--registry', registryFile, '--detach'], secretEnv);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /io\.example\.team\/everything-token from the registry \(.*team\.json\): npm @modelcontextprotocol\/server-everything@2026\.8\.31/);
    const url = /is served at (\S+)/.exec(run.stdout)[1];
    const client = new Client({ name: 'registry-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const environment = JSON.parse((await client.callTool({ name: 'get-env', arguments: {} })).content[0].text);
    await client.close();
    assert.equal(environment.EVERYTHING_TOKEN, secret);
    assert.equal(environment.EVERYTHING_GREETING, 'hello from the registry');
    assert.equal(environment.MOAT_SECRET_EVERYTHING_TOKEN, undefined, 'the provider variable is scrubbed');

    const list = moat(['list']);
    assert.match(list.stdout, /everything-token\s+running\s+\d+\s+\S+\s+npx -y @modelcontextprotocol\/server-everything@2026\.8\.31/);
    const state = readFileSync(path.join(dir, 'state/workloads/everything-token.json'), 'utf8');
    assert.match(state, /EVERYTHING_TOKEN,target=EVERYTHING_TOKEN/);
    const pid = JSON.parse(state).pid;
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    for (const text of [list.stdout, state, commandLine, readFileSync(path.join(dir, 'state/logs/everything-token.log'), 'utf8'), run.stdout, run.stderr])
      assert.ok(!text.includes(secret), 'the secret stays out of moat list, the state, the command line and the log');
    assert.equal(moat(['rm', 'everything-token']).status, 0);
  });

  test('on a terminal, moat run NAME asks for a missing required secret and keeps it in the store', () => {
    const registryFile = path.join(dir, 'asks.json');
    writeFileSync(registryFile, JSON.stringify({
      name: 'io.example.team/asks-token', description: 'the everything server, asking for its token', version: '2026.8.31',
      packages: [{ registryType: 'npm', identifier: '@modelcontextprotocol/server-everything', version: '2026.8.31', transport: { type: 'stdio' },
        environmentVariables: [{ name: 'ASKED_TOKEN', description: 'the team token', isRequired: true, isSecret: true }] }],
    }));
    const passphraseFile = path.join(dir, 'passphrase');
    writeFileSync(passphraseFile, 'registry test passphrase\n', { mode: 0o600 });
    const typed = 'typed-at-the-prompt-41d2';
    // A pseudo-terminal, as a user's shell gives moat: read up to the prompt, type the value.
    const driver = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
deadline = time.time() + 60
while b"kept as secret ASKED_TOKEN: " not in seen and time.time() < deadline:
    seen += os.read(fd, 4096)
os.write(fd, sys.stdin.read().encode() + b"\\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;
    const env = { MOAT_SECRETS_PASSPHRASE_FILE: passphraseFile };
    const asked = spawnSync(path.join(here, '.venv/bin/python'), ['-c', driver, moatBin, 'run', 'asks-token', '--registry', registryFile, '--detach'],
      { env: { ...baseEnv, ...env }, cwd: here, input: typed, encoding: 'utf8', timeout: 90000 });
    assert.equal(asked.status, 0, asked.stdout + asked.stderr);
    assert.match(asked.stdout, /asks-token needs ASKED_TOKEN \(the team token\); it will be kept as secret ASKED_TOKEN: /);
    assert.ok(!asked.stdout.includes(typed), 'the value is not echoed');
    assert.equal(moat(['secret', 'get', 'ASKED_TOKEN'], env).stdout, `${typed}\n`);
    assert.equal(moat(['rm', 'asks-token']).status, 0);
  });

  test('an MCP Registry API extends the set: list, search, info and run by name', async () => {
    const served = examples.map((server) => ({ server, _meta: { 'io.modelcontextprotocol.registry/official': { status: 'active', isLatest: true } } }));
    const requests = [];
    const api = createServer((req, res) => {
      requests.push(req.url);
      const url = new URL(req.url, 'http://registry');
      const one = /^\/v0\.1\/servers\/([^/]+)\/versions\/latest$/.exec(url.pathname);
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/v0.1/servers') {
        const search = url.searchParams.get('search');
        const items = served.filter((item) => !search || item.server.name.includes(search));
        res.end(JSON.stringify({ servers: items, metadata: { count: items.length } }));
      } else if (one) {
        const item = served.find((s) => s.server.name === decodeURIComponent(one[1]));
        res.statusCode = item ? 200 : 404;
        res.end(JSON.stringify(item ?? { title: 'Not Found', status: 404, detail: 'Server not found' }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${api.address().port}`;
    try {
      const list = await moatAsync(['registry', 'list', '--registry', base]);
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^io\.modelcontextprotocol\.anonymous\/brave-search\s/m);
      assert.match(list.stdout, /^io\.github\.modelcontextprotocol\/time\s/m, 'the built-in set stays');
      const search = await moatAsync(['registry', 'search', 'brave'], { MOAT_REGISTRY: base });
      assert.match(search.stdout, /brave-search/);
      assert.ok(requests.some((r) => r.startsWith('/v0.1/servers?') && r.includes('search=brave')), requests.join(' '));
      const info = await moatAsync(['registry', 'info', 'io.modelcontextprotocol.anonymous/brave-search', '--registry', base]);
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, new RegExp(`from:\\s+${base.replaceAll('.', '\\.')}`));
      assert.ok(requests.includes('/v0.1/servers/io.modelcontextprotocol.anonymous%2Fbrave-search/versions/latest'), requests.join(' '));
      const byShortName = await moatAsync(['run', 'brave-search', '--registry', base], { MOAT_SECRETS_PROVIDER: 'environment' });
      assert.equal(byShortName.status, 2, 'refused before anything starts: the secret is missing');
      assert.match(byShortName.stderr, /BRAVE_API_KEY/);
    } finally {
      api.close();
    }
    const down = await moatAsync(['registry', 'search', 'brave', '--registry', base]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, new RegExp(`the registry at ${base.replaceAll('.', '\\.')}/v0\\.1/servers.* cannot be reached`));
  });
});
