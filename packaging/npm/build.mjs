#!/usr/bin/env node
// Writes exportdb's npm packages (the esbuild and Biome layout):
//
//   node build.mjs platform --binary PATH --platform linux-x64 --version V --out DIR
//       @exportdb-lsp/<platform>: the binary in bin/, with "os" and "cpu" set so npm
//       installs it only where it runs
//   node build.mjs main --version V --out DIR
//       exportdb-lsp: the `exportdb` launcher, with every platform package as an optional
//       dependency at exactly version V
//
// Each is packed with `npm pack` into DIR; the .tgz path is printed. Nothing is published.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
export const platforms = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const common = {
  license: 'MIT',
  homepage: 'https://github.com/exportdb-lsp/exportdb-lsp',
  repository: { type: 'git', url: 'git+https://github.com/exportdb-lsp/exportdb-lsp.git' },
  bugs: 'https://github.com/exportdb-lsp/exportdb-lsp/issues',
};

function fail(msg) {
  console.error(`build.mjs: ${msg}`);
  process.exit(2);
}

function pack(dir, out) {
  mkdirSync(out, { recursive: true });
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(out)], { cwd: dir, encoding: 'utf8' }),
  );
  return join(resolve(out), filename);
}

const [kind, ...rest] = process.argv.slice(2);
const { values: a } = parseArgs({
  args: rest,
  options: { binary: { type: 'string' }, platform: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' } },
});
if (!a.version || !a.out) fail('--version and --out are required');
const dir = mkdtempSync(join(tmpdir(), 'exportdb-npm-'));
try {
  if (kind === 'platform') {
    if (!platforms.includes(a.platform)) fail(`--platform must be one of ${platforms.join(', ')}`);
    if (!a.binary) fail('--binary is required');
    const [os, cpu] = a.platform.split('-');
    const exe = os === 'win32' ? 'exportdb.exe' : 'exportdb';
    mkdirSync(join(dir, 'bin'));
    copyFileSync(a.binary, join(dir, 'bin', exe));
    chmodSync(join(dir, 'bin', exe), 0o755);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: `@exportdb-lsp/${a.platform}`,
          version: a.version,
          description: `The exportdb binary (PyTorch ExportDB linter and language server) for ${a.platform}`,
          ...common,
          os: [os],
          cpu: [cpu],
          files: [`bin/${exe}`],
          preferUnplugged: true,
        },
        null,
        2,
      ) + '\n',
    );
  } else if (kind === 'main') {
    cpSync(join(here, 'exportdb-lsp'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: 'exportdb-lsp',
          version: a.version,
          description:
            'Find the Python patterns torch.export rejects or silently specialises (PyTorch ExportDB): a linter and language server',
          ...common,
          keywords: ['pytorch', 'torch.export', 'exportdb', 'linter', 'language-server', 'lsp'],
          main: 'index.js',
          bin: { exportdb: 'bin/exportdb.js' },
          files: ['index.js', 'bin/exportdb.js'],
          engines: { node: '>=16' },
          optionalDependencies: Object.fromEntries(platforms.map((p) => [`@exportdb-lsp/${p}`, a.version])),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    fail('usage: build.mjs platform|main ...');
  }
  copyFileSync(join(root, 'editors/vscode/LICENSE'), join(dir, 'LICENSE'));
  copyFileSync(join(root, 'packaging/python/README.md'), join(dir, 'README.md'));
  console.log(pack(dir, a.out));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
