// Server command arguments filled in for the command palette, as lsp/commands.go reads them.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseName, commandArguments } from '../src/commands';

test('exportdb.applyAllFixes takes the document URI', () => {
  assert.deepEqual(commandArguments('exportdb.applyAllFixes', { uri: 'file:///ws/model.py' }), ['file:///ws/model.py']);
  assert.equal(commandArguments('exportdb.applyAllFixes', {}), undefined);
});

test('exportdb.showCase takes the case name', () => {
  assert.deepEqual(commandArguments('exportdb.showCase', { uri: 'file:///x.py', caseName: 'list_unpack' }), ['list_unpack']);
  assert.equal(commandArguments('exportdb.showCase', { uri: 'file:///x.py', caseName: '' }), undefined);
});

test('commands without arguments get none', () => {
  assert.deepEqual(commandArguments('exportdb.debugInfo', {}), []);
  assert.deepEqual(commandArguments('exportdb.scanWorkspace', { uri: 'file:///x.py' }), []);
});

test('the case name comes from a string code or a { value, target } code', () => {
  assert.equal(caseName('dynamic_shape_round'), 'dynamic_shape_round');
  assert.equal(caseName({ value: 'list_unpack', target: 'https://x' }), 'list_unpack');
  assert.equal(caseName(7), undefined);
  assert.equal(caseName(undefined), undefined);
});
