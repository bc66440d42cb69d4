// `moat client`: each MCP client's own file (JSONC, YAML, TOML) gains a moat workload without
// losing a byte of what was there, and gives it back byte for byte on removal. Golden files in
// clients/: before/ (foreign servers, comments, odd formatting), after/ ({{URL}} for the
// workload's URL). Results are read back by the parsers the clients themselves use or follow:
// Microsoft's jsonc-parser (VS Code's), PyYAML, and Python's tomllib.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJsonc } from 'jsonc-parser';
import { moatBin, sampleServer } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = path.join(here, 'clients');
const python = path.join(here, '.venv/bin/python');
const home = mkdtempSync(path.join(tmpdir(), 'moat-home-'));
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: '', MOAT_STATE_DIR: path.join(home, 'state') };
const moat = (args) => spawnSync(moatBin, args, { env, encoding: 'utf8', timeout: 30000 });

// CLIENT -> its file, as `moat client list` says.
function clientFiles() {
  const out = execFileSync(moatBin, ['client', 'list'], { env, encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').slice(1).map((line) => [line.split(/\s+/)[0], line.split(/\s+/).at(-1)]));
}

function goldenFile(dir, client) {
  for (const ext of ['json', 'yaml', 'toml']) {
    const file = path.join(golden, dir, `${client}.${ext}`);
    if (existsSync(file)) return file;
  }
  return null;
}

// The file parsed as its client would: JSONC, YAML or TOML.
function parsed(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const errors = [];
    const value = parseJsonc(text, errors, { allowTrailingComma: true });
    assert.deepEqual(errors, [], `${file} is not valid JSONC`);
    return value;
  }
  const reader = file.endsWith('.toml') ? 'import sys, json, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))'
    : 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  return JSON.parse(execFileSync(python, ['-c', reader, file], { encoding: 'utf8' }));
}

// The servers a client's parsed file lists, by name, whatever the client's shape.
function serversIn(client, document) {
  const key = { vscode: 'servers', zed: 'context_servers', goose: 'extensions', codex: 'mcp_servers' }[client] ?? 'mcpServers';
  const servers = document[key];
  if (Array.isArray(servers)) return Object.fromEntries(servers.map((s) => [s.name, s]));
  return servers ?? {};
}

function urlOf(entry) {
  return entry.url ?? entry.serverUrl ?? entry.uri ?? entry.args?.at(-1);
}

describe('moat client', () => {
  let files;
  let url;

  before(() => {
    files = clientFiles();
    const run = moat(['run', '--name', 'docs', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    url = /is served at (\S+)/.exec(run.stdout)[1];
  });
  after(() => {
    moat(['rm', 'docs']);
    moat(['rm', 'later']);
    rmSync(home, { recursive: true, force: true });
  });

  test('list names every client with its file; nothing is found in an empty home', () => {
    assert.deepEqual(Object.keys(files).sort(),
      ['claude-code', 'claude-desktop', 'cline', 'codex', 'continue', 'cursor', 'goose', 'vscode', 'windsurf', 'zed']);
    assert.equal(files.cursor, path.join(home, '.cursor/mcp.json'));
    assert.equal(files.vscode, path.join(home, '.config/Code/User/mcp.json'));
    const setup = moat(['client', 'setup']);
    assert.equal(setup.status, 2, setup.stdout + setup.stderr);
    assert.match(setup.stderr, /no MCP client found in this home directory; name one with --client/);
  });

  test('setup merges the workload into every format as the golden files say, keeping foreign servers and comments; remove restores each file byte for byte', () => {
    const originals = {};
    for (const [client, file] of Object.entries(files)) {
      mkdirSync(path.dirname(file), { recursive: true });
      originals[client] = readFileSync(goldenFile('before', client), 'utf8');
      writeFileSync(file, originals[client]);
      chmodSync(file, 0o640);
    }
    const setup = moat(['client', 'setup', '--server', 'docs']);
    assert.equal(setup.status, 0, setup.stderr);
    for (const [client, file] of Object.entries(files)) {
      const expected = readFileSync(goldenFile('after', client), 'utf8').replaceAll('{{URL}}', url);
      assert.equal(readFileSync(file, 'utf8'), expected, `${client}: ${file} differs from its golden file`);
      const servers = serversIn(client, parsed(file));
      assert.equal(urlOf(servers.docs), url, `${client} reads the workload's URL`);
      const foreign = Object.keys(serversIn(client, parsed(goldenFile('before', client))));
      for (const name of foreign) assert.ok(servers[name], `${client} still lists ${name}`);
      assert.equal(readFileSync(`${file}.moat-backup`, 'utf8'), originals[client], `${client}: the backup is the original`);
      assert.equal(statSync(file).mode & 0o777, 0o640, `${client}: the file keeps its permissions`);
      // No token or header goes into a client file: the client does its own OAuth.
      assert.doesNotMatch(readFileSync(file, 'utf8').replace(originals[client], ''), /Authorization|Bearer/);
    }
    const status = moat(['client', 'status']).stdout;
    for (const client of Object.keys(files)) assert.match(status, new RegExp(`^${client}\\s+yes\\s+yes\\s+docs\\s`, 'm'));

    // A second setup changes nothing and keeps the first backup.
    const again = moat(['client', 'setup', '--server', 'docs']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /cursor: already has docs/);

    const remove = moat(['client', 'remove']);
    assert.equal(remove.status, 0, remove.stderr);
    for (const [client, file] of Object.entries(files)) assert.equal(readFileSync(file, 'utf8'), originals[client], `${client}: restored byte for byte`);
    assert.doesNotMatch(moat(['client', 'status']).stdout, /\sdocs\s/);
  });

  test('a malformed file is refused with its path, line and column, and left untouched', () => {
    for (const client of ['cursor', 'goose', 'codex']) {
      const file = files[client];
      const broken = readFileSync(goldenFile('malformed', client), 'utf8');
      writeFileSync(file, broken);
      const setup = moat(['client', 'setup', '--client', client, '--server', 'docs']);
      assert.equal(setup.status, 1, `${client}: ${setup.stdout}`);
      assert.match(setup.stderr, new RegExp(`${file.replaceAll('.', '\\.')}: line \\d+, column \\d+: .*\\(left unchanged\\)`));
      assert.equal(readFileSync(file, 'utf8'), broken, `${client}: untouched`);
    }
    writeFileSync(files.goose, 'extensions: {fetch: {cmd: uvx}}\n');
    const flow = moat(['client', 'setup', '--client', 'goose', '--server', 'docs']);
    assert.equal(flow.status, 1);
    assert.match(flow.stderr, /line 1, column 13: extensions is written in flow style; moat edits block-style YAML only/);
    moat(['client', 'remove']);
  });

  test('a foreign server of the same name is never replaced', () => {
    const foreign = '{\n  "mcpServers": {\n    "docs": {"url": "https://docs.example.com/mcp"}\n  }\n}\n';
    writeFileSync(files.cursor, foreign);
    const setup = moat(['client', 'setup', '--client', 'cursor', '--server', 'docs']);
    assert.equal(setup.status, 1);
    assert.match(setup.stderr, /already lists a server named docs that moat did not add; left alone/);
    assert.equal(readFileSync(files.cursor, 'utf8'), foreign);
    const remove = moat(['client', 'remove', '--client', 'cursor', '--server', 'docs']);
    assert.equal(remove.status, 0);
    assert.equal(readFileSync(files.cursor, 'utf8'), foreign, 'remove leaves an entry moat did not write');
    moat(['client', 'remove']);
  });

  test('a registered client gains each workload moat run starts and loses it on moat rm; a symlinked file stays a symlink', () => {
    const real = path.join(home, 'dotfiles/codex.toml');
    mkdirSync(path.dirname(real), { recursive: true });
    writeFileSync(real, 'model = "o4-mini"\n');
    rmSync(files.codex, { force: true });
    mkdirSync(path.dirname(files.codex), { recursive: true });
    symlinkSync(real, files.codex);
    writeFileSync(files.cursor, '{}\n');
    const setup = moat(['client', 'setup', '--client', 'cursor', '--client', 'codex', '--server', 'docs']);
    assert.equal(setup.status, 0, setup.stderr);

    const run = moat(['run', '--name', 'later', '--detach', '--', 'node', sampleServer, '--transport', 'stdio']);
    assert.equal(run.status, 0, run.stderr);
    const laterUrl = /is served at (\S+)/.exec(run.stdout)[1];
    // The background run adds it once it listens, before the parent returns.
    assert.equal(serversIn('cursor', parsed(files.cursor)).later?.url, laterUrl);
    assert.equal(serversIn('codex', parsed(files.codex)).later?.url, laterUrl);
    assert.ok(statSync(files.codex, { throwIfNoEntry: false }) && readFileSync(real, 'utf8').includes('[mcp_servers.later]'), 'the link target was edited');
    assert.equal(execFileSync('readlink', [files.codex], { encoding: 'utf8' }).trim(), real);

    assert.equal(moat(['rm', 'later']).status, 0);
    assert.equal(serversIn('cursor', parsed(files.cursor)).later, undefined);
    assert.equal(readFileSync(real, 'utf8'), 'model = "o4-mini"\n\n[mcp_servers.docs]\nurl = "' + url + '"\n');
    assert.deepEqual(Object.keys(serversIn('cursor', parsed(files.cursor))), ['docs']);
    moat(['client', 'remove']);
    // The servers object moat had to add stays, empty.
    assert.equal(readFileSync(files.cursor, 'utf8'), '{\n  "mcpServers": {}\n}\n');
  });
});
