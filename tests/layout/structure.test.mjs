// The tree's shape, checked: core folders include only the folders below them (the order in
// docs/architecture.md), and a plugin includes only the SDK, plugins/common and its own files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Bottom first; a folder may include its own files and any folder before it in this list.
const coreLayers = ['net', 'log', 'metrics', 'trace', 'secrets', 'clients', 'config', 'kube', 'operator', 'registry', 'plugin', 'pipeline', 'runtime', 'tunnel', 'store', 'server', 'upstream', 'replicas', 'gateway', 'cli'];

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (/\.(h|hpp|c|cpp)$/.test(name)) out.push(full);
  }
  return out;
}

function includes(file) {
  return [...readFileSync(file, 'utf8').matchAll(/^\s*#include "([^"]+)"/gm)].map((m) => m[1]);
}

test('core folders include only the folders below them', () => {
  const problems = [];
  const coreSrc = path.join(root, 'core/src');
  for (const folder of readdirSync(coreSrc)) {
    const rank = coreLayers.indexOf(folder);
    assert.notEqual(rank, -1, `core/src/${folder} is not in the layer list (docs/architecture.md)`);
    for (const file of sources(path.join(coreSrc, folder))) {
      for (const include of includes(file)) {
        const target = include.split('/')[0];
        if (target === 'moat' || target === folder || !include.includes('/')) continue;
        const targetRank = coreLayers.indexOf(target);
        if (targetRank === -1 || targetRank > rank) problems.push(`${path.relative(root, file)} includes ${include}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('plugins include only the SDK, plugins/common and their own files', () => {
  const common = readdirSync(path.join(root, 'plugins/common')).filter((n) => statSync(path.join(root, 'plugins/common', n)).isDirectory());
  const problems = [];
  for (const plugin of readdirSync(path.join(root, 'plugins'))) {
    const dir = path.join(root, 'plugins', plugin);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of sources(dir)) {
      for (const include of includes(file)) {
        const top = include.split('/')[0];
        const own = !include.includes('/') || include.startsWith('lib/') || include.startsWith('../');
        if (include.includes('..')) problems.push(`${path.relative(root, file)} includes ${include}`);
        else if (top === 'moat' || common.includes(top) || own) continue;
        else problems.push(`${path.relative(root, file)} includes ${include}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('no plugin build reaches into another plugin folder', () => {
  const problems = [];
  for (const plugin of readdirSync(path.join(root, 'plugins'))) {
    const dir = path.join(root, 'plugins', plugin);
    if (!statSync(dir).isDirectory()) continue;
    const lists = [path.join(dir, 'CMakeLists.txt'), path.join(dir, 'tests/CMakeLists.txt')].filter((f) => {
      try { return statSync(f).isFile(); } catch { return false; }
    });
    for (const list of lists) {
      if (/\.\.\/\.\.\//.test(readFileSync(list, 'utf8'))) problems.push(path.relative(root, list));
    }
  }
  assert.deepEqual(problems, []);
});
