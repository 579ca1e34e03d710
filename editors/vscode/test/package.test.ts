// scripts/package.ts with the real vsce: a .vsix per target with its binary, one universal
// without, nothing else inside; and a binary for the wrong platform refused before anything
// is written.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { packageAll, parseArgs, verifyVsix } from '../scripts/package';
import { zipEntries } from '../scripts/zip';
import * as h from './headers';

const extensionDir = path.join(__dirname, '..', '..');
const version = (JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { version: string }).version;

/** A temporary directory removed after the test; vsce's file listing is muted. */
function tmp(t: { after(fn: () => void): void; mock: { method(o: object, name: string, impl: () => void): void } }): string {
  t.mock.method(console, 'log', () => {});
  t.mock.method(console, 'info', () => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exportdb-package-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('one .vsix per target with its binary, and a universal one without', async (t) => {
  const dir = tmp(t);
  const linux = path.join(dir, 'linux-exportdb');
  const win = path.join(dir, 'exportdb.exe');
  fs.writeFileSync(linux, h.elf({ bits: 64, machine: h.ELF_X86_64, interp: h.GLIBC_X64 }), { mode: 0o644 });
  fs.writeFileSync(win, h.pe(0xaa64));
  const out = path.join(dir, 'out');
  const lines: string[] = [];
  const got = await packageAll(
    { extensionDir, targets: [{ target: 'linux-x64', binary: linux }, { target: 'win32-arm64', binary: win }], universal: true, outDir: out },
    (l) => lines.push(l),
  );
  assert.deepEqual(
    got.map((p) => [path.basename(p.path), p.target]),
    [
      [`exportdb-linux-x64-${version}.vsix`, 'linux-x64'],
      [`exportdb-win32-arm64-${version}.vsix`, 'win32-arm64'],
      [`exportdb-${version}.vsix`, 'universal'],
    ],
  );
  assert.equal(lines.length, 3);
  const names = (file: string) => zipEntries(fs.readFileSync(file)).map((e) => e.name).filter((n) => n.startsWith('extension/')).sort();
  const common = ['extension/LICENSE.txt', 'extension/changelog.md', 'extension/dist/extension.js', 'extension/images/hover.png',
    'extension/images/quickfix.png', 'extension/package.json', 'extension/readme.md'];
  assert.deepEqual(names(got[0].path), [...common, 'extension/bin/exportdb'].sort());
  assert.deepEqual(names(got[1].path), [...common, 'extension/bin/exportdb.exe'].sort());
  assert.deepEqual(names(got[2].path), common);
  // the binary went in executable although the file given was not
  const bin = zipEntries(fs.readFileSync(got[0].path)).find((e) => e.name === 'extension/bin/exportdb');
  assert.equal((bin?.mode ?? 0) & 0o777, 0o755);
  // the packaged manifest has no development scripts or tools
  assert.deepEqual(verifyVsix(fs.readFileSync(got[0].path), 'linux-x64', fs.readFileSync(linux)), []);
});

test('verifyVsix catches a package for another target or with another binary', async (t) => {
  const dir = tmp(t);
  const linux = path.join(dir, 'exportdb');
  fs.writeFileSync(linux, h.elf({ bits: 64, machine: h.ELF_X86_64 }));
  const [p] = await packageAll({ extensionDir, targets: [{ target: 'linux-x64', binary: linux }], universal: false, outDir: dir }, () => {});
  const vsix = fs.readFileSync(p.path);
  assert.deepEqual(verifyVsix(vsix, 'linux-arm64'), [
    'the manifest declares TargetPlatform linux-x64, want linux-arm64',
  ]);
  assert.match(verifyVsix(vsix, 'universal').join('\n'), /universal package holds extension\/bin\/exportdb/);
  assert.deepEqual(verifyVsix(vsix, 'linux-x64', Buffer.from('another binary')), ['extension/bin/exportdb differs from the binary given']);
});

test('a binary for another platform is refused and nothing is written', async (t) => {
  const dir = tmp(t);
  const arm = path.join(dir, 'exportdb');
  fs.writeFileSync(arm, h.elf({ bits: 64, machine: h.ELF_AARCH64, interp: '/lib/ld-linux-aarch64.so.1' }));
  const out = path.join(dir, 'out');
  await assert.rejects(
    packageAll({ extensionDir, targets: [{ target: 'linux-x64', binary: arm }, { target: 'darwin-arm64', binary: path.join(dir, 'nope') }], universal: true, outDir: out }, () => {}),
    (err: Error) => {
      assert.match(err.message, /linux-x64: .* does not fit: it is built for linux arm64 \(glibc\)/);
      assert.match(err.message, /darwin-arm64: .*nope: ENOENT/);
      return true;
    },
  );
  assert.equal(fs.existsSync(out), false);
});

test('arguments: TARGET=BINARY pairs, --no-universal, --out-dir', () => {
  assert.deepEqual(parseArgs(['--target', 'linux-x64=a/exportdb', '--target=darwin-arm64=b', '--no-universal', '--out-dir', 'o']), {
    targets: [{ target: 'linux-x64', binary: 'a/exportdb' }, { target: 'darwin-arm64', binary: 'b' }],
    universal: false,
    outDir: 'o',
  });
  assert.deepEqual(parseArgs([]), { targets: [], universal: true, outDir: undefined });
  assert.match((parseArgs(['--target', 'linux-amd64=x']) as { error: string }).error, /TARGET one of linux-x64/);
  assert.match((parseArgs(['--target', 'linux-x64']) as { error: string }).error, /want TARGET=BINARY/);
  assert.match((parseArgs(['--bogus']) as { error: string }).error, /unknown argument --bogus/);
  assert.deepEqual(parseArgs(['--help']), { help: true });
});
