// The server lookup order: the exportdb.path setting, then PATH, then the bundled binary.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { findServer, type LookupInput } from '../src/serverPath';

function input(executables: string[], over: Partial<LookupInput> = {}): LookupInput {
  const set = new Set(executables);
  return {
    configuredPath: '',
    pathEnv: '/usr/local/bin:/usr/bin',
    extensionPath: '/ext',
    platform: 'linux',
    homeDir: '/home/u',
    workspaceFolder: '/ws',
    isExecutable: (p) => set.has(p),
    ...over,
  };
}

const all = ['/opt/exportdb', '/usr/bin/exportdb', '/ext/bin/exportdb'];

test('the setting wins over PATH and the bundled binary', () => {
  assert.deepEqual(findServer(input(all, { configuredPath: '/opt/exportdb' })), {
    ok: true,
    path: '/opt/exportdb',
    source: 'setting',
  });
});

test('PATH comes before the bundled binary, first directory first', () => {
  const got = findServer(input([...all, '/usr/local/bin/exportdb']));
  assert.deepEqual(got, { ok: true, path: '/usr/local/bin/exportdb', source: 'PATH' });
});

test('the bundled binary is the last resort', () => {
  assert.deepEqual(findServer(input(['/ext/bin/exportdb'])), { ok: true, path: '/ext/bin/exportdb', source: 'bundled' });
});

test('nothing found: the message names every place and how to install', () => {
  const got = findServer(input([]));
  assert.equal(got.ok, false);
  assert.ok(!got.ok);
  assert.match(got.message, /exportdb\.path is unset/);
  assert.match(got.message, /no exportdb on PATH/);
  assert.match(got.message, /\/ext\/bin\/exportdb/);
  assert.match(got.message, /go install github\.com\/exportdb-lsp\/exportdb-lsp\/cmd\/exportdb@latest/);
});

test('a setting naming a missing binary is an error, not a silent fallback', () => {
  const got = findServer(input(all, { configuredPath: '/nope/exportdb' }));
  assert.ok(!got.ok);
  assert.match(got.message, /\/nope\/exportdb is not an executable file/);
});

test('the setting expands ~/ and resolves relative paths against the workspace folder', () => {
  assert.deepEqual(findServer(input(['/home/u/go/bin/exportdb'], { configuredPath: '~/go/bin/exportdb' })), {
    ok: true,
    path: '/home/u/go/bin/exportdb',
    source: 'setting',
  });
  assert.deepEqual(findServer(input(['/ws/.venv/bin/exportdb'], { configuredPath: ' .venv/bin/exportdb ' })), {
    ok: true,
    path: '/ws/.venv/bin/exportdb',
    source: 'setting',
  });
});

test('a bare name in the setting is looked up on PATH', () => {
  assert.deepEqual(findServer(input(['/usr/bin/exportdb-dev', ...all], { configuredPath: 'exportdb-dev' })), {
    ok: true,
    path: '/usr/bin/exportdb-dev',
    source: 'setting',
  });
  const got = findServer(input(all, { configuredPath: 'exportdb-dev' }));
  assert.ok(!got.ok);
  assert.match(got.message, /there is no exportdb-dev on PATH/);
});

test('empty PATH entries (the current directory) are skipped', () => {
  const got = findServer(input(['exportdb', '/ext/bin/exportdb'], { pathEnv: ':/nowhere:' }));
  assert.deepEqual(got, { ok: true, path: '/ext/bin/exportdb', source: 'bundled' });
});

test('Windows: exportdb.exe and ; as the PATH delimiter', () => {
  const got = findServer(input(['C:\\tools\\exportdb.exe'], { platform: 'win32', pathEnv: 'C:\\nowhere;C:\\tools' }));
  assert.deepEqual(got, { ok: true, path: 'C:\\tools\\exportdb.exe', source: 'PATH' });
});
