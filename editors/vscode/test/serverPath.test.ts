// The server lookup order: the exportdb.path setting, then PATH, then the bundled binary; and
// what a workspace can and cannot make the extension run.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { findServer, type LookupInput, userPathSetting } from '../src/serverPath';

function input(executables: string[], over: Partial<LookupInput> = {}): LookupInput {
  const set = new Set(executables);
  return {
    configuredPath: '',
    pathEnv: '/usr/local/bin:/usr/bin',
    extensionPath: '/ext',
    platform: 'linux',
    homeDir: '/home/u',
    workspaceFolder: '/ws',
    trusted: true,
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
  assert.match(got.message, /bundles none for linux/);
  assert.equal(got.reason, 'missing');
  assert.match(got.message, /go install github\.com\/exportdb-lsp\/exportdb-lsp\/cmd\/exportdb@latest/);
});

test('a setting naming a missing binary is an error, not a silent fallback', () => {
  const got = findServer(input(all, { configuredPath: '/nope/exportdb' }));
  assert.ok(!got.ok);
  assert.match(got.message, /\/nope\/exportdb is not an executable file/);
});

test('the setting expands ~/ and ${userHome}', () => {
  for (const configuredPath of ['~/go/bin/exportdb', '${userHome}/go/bin/exportdb']) {
    assert.deepEqual(findServer(input(['/home/u/go/bin/exportdb'], { configuredPath })), {
      ok: true,
      path: '/home/u/go/bin/exportdb',
      source: 'setting',
    });
  }
});

test('${workspaceFolder} in the setting is the first folder, in a trusted workspace only', () => {
  const venv = ['/ws/.venv/bin/exportdb', ...all];
  assert.deepEqual(findServer(input(venv, { configuredPath: ' ${workspaceFolder}/.venv/bin/exportdb ' })), {
    ok: true,
    path: '/ws/.venv/bin/exportdb',
    source: 'setting',
  });
  const untrusted = findServer(input(venv, { configuredPath: '${workspaceFolder}/.venv/bin/exportdb', trusted: false }));
  assert.ok(!untrusted.ok);
  assert.equal(untrusted.reason, 'untrusted');
  assert.match(untrusted.message, /not trusted/);
  assert.match(untrusted.message, /Trust the workspace/);
  const noFolder = findServer(input(venv, { configuredPath: '${workspaceFolder}/x', workspaceFolder: undefined }));
  assert.ok(!noFolder.ok);
  assert.match(noFolder.message, /no folder is open/);
});

test('a relative path with a directory is refused, never resolved against the workspace', () => {
  const got = findServer(input(['/ws/.venv/bin/exportdb', ...all], { configuredPath: '.venv/bin/exportdb' }));
  assert.ok(!got.ok);
  assert.equal(got.reason, 'setting');
  assert.match(got.message, /relative path is ambiguous/);
});

test('only the user value of exportdb.path counts; workspace and folder values are reported, not used', () => {
  assert.deepEqual(userPathSetting({ globalValue: ' /opt/exportdb ' }), { value: '/opt/exportdb', ignored: [] });
  const got = userPathSetting({ globalValue: undefined, workspaceValue: 'trap/exportdb', workspaceFolderValue: '/ws/x' });
  assert.equal(got.value, '');
  assert.equal(got.ignored.length, 2);
  assert.match(got.ignored[0], /"trap\/exportdb" in the workspace settings is ignored/);
  assert.match(got.ignored[1], /folder settings/);
  assert.deepEqual(userPathSetting(undefined), { value: '', ignored: [] });
  assert.deepEqual(userPathSetting({ globalValue: 3 }), { value: '', ignored: [] });
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

test('empty and relative PATH entries (the current directory) are skipped', () => {
  const got = findServer(input(['exportdb', 'bin/exportdb', '/ext/bin/exportdb'], { pathEnv: ':/nowhere:bin:.' }));
  assert.deepEqual(got, { ok: true, path: '/ext/bin/exportdb', source: 'bundled' });
});

test('Windows: exportdb.exe and ; as the PATH delimiter', () => {
  const got = findServer(input(['C:\\tools\\exportdb.exe'], { platform: 'win32', pathEnv: 'C:\\nowhere;C:\\tools' }));
  assert.deepEqual(got, { ok: true, path: 'C:\\tools\\exportdb.exe', source: 'PATH' });
});
