// The questions of exportdb.declareDims, driven by a scripted UI, and the arguments they give the
// server (lsp/dims_command.go reads them).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { askDims, checkDimName, declaredMessage, type DimsInfo, type DimsUI, needsQuestions, parseRange, suggestDim } from '../src/dims';

const info: DimsInfo = {
  configFile: '/ws/pyproject.toml',
  configExists: true,
  classes: [
    {
      name: 'Model', qualified: 'vit.model.Model', forward: 'Model.forward', declared: [],
      params: [
        { name: 'x', tensor: true, rank: 4, rankFrom: 'B, C, H, W = x.shape at line 12', axes: { '2': 'h 32..1024' } },
        { name: 'mask', tensor: true, rank: -1, axes: {} },
        { name: 'scale', tensor: false, kind: 'a float', rank: -1, axes: {} },
      ],
    },
    { name: 'Head', qualified: 'vit.model.Head', forward: 'Head.forward', declared: [], params: [{ name: 'z', tensor: true, rank: 2, axes: {} }] },
  ],
};

/** A UI answering from a script, recording what it was asked. */
function scripted(answers: (string | undefined)[]): DimsUI & { asked: { title: string; items?: string[]; prompt?: string; value?: string; invalid?: string }[] } {
  const asked: { title: string; items?: string[]; prompt?: string; value?: string; invalid?: string }[] = [];
  return {
    asked,
    pick<T>(title: string, items: { label: string; description?: string; value: T }[]) {
      const a = answers.shift();
      asked.push({ title, items: items.map((i) => (i.description ? `${i.label} (${i.description})` : i.label)) });
      return Promise.resolve(items.find((i) => i.label === a)?.value);
    },
    input(title: string, prompt: string, value: string, validate: (text: string) => string | undefined) {
      const given = answers.shift();
      const a = given === '<default>' ? value : given;
      const invalid = a === undefined ? undefined : validate(a);
      asked.push({ title, prompt, value, invalid });
      return Promise.resolve(invalid !== undefined ? undefined : a);
    },
  };
}

test('the lens gives the class: input, axis, dim and range are asked', async () => {
  const ui = scripted(['x', '2', 'h', '32..1024']);
  const got = await askDims(info, { uri: 'file:///ws/vit/model.py', class: 'vit.model.Model' }, ui);
  assert.deepEqual(got, { uri: 'file:///ws/vit/model.py', class: 'vit.model.Model', parameter: 'x', axes: { '2': { dim: 'h', min: 32, max: 1024 } } });
  assert.deepEqual(ui.asked.map((a) => a.items ?? a.prompt), [
    ['x (4 dims)', 'mask'], // tensors only
    ['0', '1', '2 (now h 32..1024)', '3'],
    'Dim of x[2]: a name, or static, auto or dynamic',
    'Range of h as min..max (empty: none)',
  ]);
  assert.equal(ui.asked[2].value, 'h'); // the declared name is offered
});

test('the palette: the class at the cursor, an input of unknown rank, the offered name, no range', async () => {
  const ui = scripted(['mask', '0', '<default>', '']);
  const got = await askDims({ ...info, class: 'vit.model.Model' }, { uri: 'file:///m.py', class: '' }, ui);
  assert.deepEqual(got, { uri: 'file:///m.py', class: 'vit.model.Model', parameter: 'mask', axes: { '0': 'batch' } });
  assert.equal(ui.asked[1].prompt, 'Axis of mask, counted from 0');
  assert.equal(ui.asked[2].value, 'batch');
});

test('no class at the cursor: a choice; one tensor input is not asked; static needs no range', async () => {
  const ui = scripted(['Head', '1', 'static']);
  const got = await askDims(info, { uri: 'file:///m.py', class: '' }, ui);
  assert.deepEqual(got, { uri: 'file:///m.py', class: 'vit.model.Head', parameter: 'z', axes: { '1': 'static' } });
  assert.deepEqual(ui.asked[0].items, ['Model (vit.model.Model)', 'Head (vit.model.Head)']);
  assert.equal(ui.asked.length, 3);
});

test('bad answers are refused by the input box, a cancel ends the questions', async () => {
  const bad = scripted(['x', '3', '2w']);
  assert.equal(await askDims(info, { uri: 'u', class: 'Model' }, bad), undefined);
  assert.match(bad.asked[2].invalid ?? '', /"2w" is not a dim name/);
  const range = scripted(['x', '3', 'w', '9..3']);
  assert.equal(await askDims(info, { uri: 'u', class: 'Model' }, range), undefined);
  assert.equal(range.asked[3].invalid, 'min 9 is above max 3');
  const axis = scripted(['mask', 'two']);
  assert.equal(await askDims(info, { uri: 'u', class: 'Model' }, axis), undefined);
  assert.equal(axis.asked[1].invalid, 'A dimension index from 0, such as 0 or 2');
  assert.equal(await askDims(info, { uri: 'u', class: 'Model' }, scripted([undefined])), undefined);
});

test('errors: an invalid configuration, an unknown class, a class without tensor inputs', async () => {
  assert.equal(await askDims({ ...info, configFile: '', configError: 'pyproject.toml:3: select: empty' }, { uri: 'u', class: 'Model' }, scripted([])),
    'the configuration cannot take the entry: pyproject.toml:3: select: empty');
  assert.equal(await askDims(info, { uri: 'u', class: 'Nope' }, scripted([])), 'class Nope is not defined in this file');
  const noTensor: DimsInfo = { ...info, classes: [{ ...info.classes[0], params: [info.classes[0].params[2]] }] };
  assert.equal(await askDims(noTensor, { uri: 'u', class: 'Model' }, scripted([])), 'Model.forward takes no tensor input');
  assert.equal(await askDims({ ...info, classes: [] }, { uri: 'u', class: '' }, scripted([])), 'this file defines no nn.Module class');
});

test('ranges, dim names and suggestions', () => {
  assert.deepEqual(parseRange(''), {});
  assert.deepEqual(parseRange(' 32..1024 '), { min: 32, max: 1024 });
  assert.deepEqual(parseRange('1..'), { min: 1 });
  assert.deepEqual(parseRange('..512'), { max: 512 });
  assert.equal(parseRange('..'), '".." is not a range: write min..max, min.. or ..max (32..1024)');
  assert.equal(parseRange('32-1024'), '"32-1024" is not a range: write min..max, min.. or ..max (32..1024)');
  assert.equal(checkDimName('h_1'), undefined);
  assert.equal(checkDimName(' '), 'A dim name, or static, auto or dynamic');
  const x = info.classes[0].params[0];
  assert.deepEqual([0, 1, 2, 3].map((a) => suggestDim(x, a)), ['batch', '', 'h', 'w']);
  assert.equal(suggestDim({ name: 't', tensor: true, rank: 3, axes: {} }, 1), 'seq');
});

test('the lens passes the class only: the questions are needed; complete arguments go through', () => {
  assert.equal(needsQuestions([]), true);
  assert.equal(needsQuestions([{ uri: 'u', class: 'M' }]), true);
  assert.equal(needsQuestions([{ uri: 'u', class: 'M', parameter: 'x', axes: { '0': 'batch' } }]), false);
  assert.equal(declaredMessage({ uri: 'u', class: 'M', parameter: 'x', axes: { '2': { dim: 'h', min: 32 } } }, '/ws/pyproject.toml'),
    'Declared x[2]=h in pyproject.toml');
});
