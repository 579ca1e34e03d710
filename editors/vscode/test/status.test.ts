// The status bar item: the server's state and the target torch version, in every state.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusView } from '../src/status';

const bundled = { path: '/ext/bin/exportdb', source: 'bundled' as const, version: '0.1.0' };

test('running: a check mark, the torch version in the text, the binary and its version in the tooltip', () => {
  const v = statusView({ state: { kind: 'running' }, torchVersion: '2.5', server: bundled });
  assert.equal(v.text, '$(check) ExportDB: torch 2.5');
  assert.equal(v.error, false);
  assert.deepEqual(v.tooltip.split('\n'), [
    'ExportDB: the server is running',
    'Binary: /ext/bin/exportdb (bundled with the extension, exportdb 0.1.0)',
    'Target torch version: 2.5 (exportdb.torchVersion)',
    'Click to show the logs.',
  ]);
});

test('no torchVersion setting: the project decides, and the tooltip says where to see it', () => {
  const v = statusView({ state: { kind: 'running' }, torchVersion: undefined, server: { path: '/usr/bin/exportdb', source: 'PATH' } });
  assert.equal(v.text, '$(check) ExportDB: torch (project)');
  assert.match(v.tooltip, /Binary: \/usr\/bin\/exportdb \(PATH\)\n/);
  assert.match(v.tooltip, /pyproject\.toml \/ exportdb\.toml/);
  assert.match(v.tooltip, /ExportDB: Show Server Info/);
});

test('starting spins; stopped and failed are errors with what to do', () => {
  assert.equal(statusView({ state: { kind: 'starting' }, torchVersion: '2.10' }).text, '$(sync~spin) ExportDB: torch 2.10');
  assert.equal(statusView({ state: { kind: 'starting' }, torchVersion: '2.10' }).error, false);
  const stopped = statusView({ state: { kind: 'stopped' }, torchVersion: undefined, server: bundled });
  assert.equal(stopped.text, '$(circle-slash) ExportDB: torch (project)');
  assert.equal(stopped.error, true);
  assert.match(stopped.tooltip, /Restart Server/);
  const failed = statusView({ state: { kind: 'failed', message: 'ExportDB: no exportdb binary found' }, torchVersion: undefined });
  assert.equal(failed.text, '$(error) ExportDB: torch (project)');
  assert.equal(failed.error, true);
  assert.deepEqual(failed.tooltip.split('\n').slice(0, 2), ['ExportDB: the server is not running', 'ExportDB: no exportdb binary found']);
});

test('no setting, the server has answered for the active document: its version and the file that sets it', () => {
  const v = statusView({
    state: { kind: 'running' },
    torchVersion: undefined,
    project: { torchVersion: '2.7', from: '/work/proj/pyproject.toml' },
  });
  assert.equal(v.text, '$(check) ExportDB: torch 2.7');
  assert.match(v.tooltip, /Target torch version: 2\.7 \(\/work\/proj\/pyproject\.toml\)/);
  const newest = statusView({ state: { kind: 'running' }, torchVersion: undefined, project: { torchVersion: '2.13', from: '' } });
  assert.equal(newest.text, '$(check) ExportDB: torch 2.13');
  assert.match(newest.tooltip, /no configuration sets one: the newest the catalog knows/);
  // the setting wins over what the server answered
  assert.equal(statusView({ state: { kind: 'running' }, torchVersion: '2.5', project: { torchVersion: '2.7', from: 'x' } }).text, '$(check) ExportDB: torch 2.5');
});
