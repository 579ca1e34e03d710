// `npm run package`: builds the .vsix files. One per platform target, each with that platform's
// exportdb binary in bin/, plus one universal .vsix without a binary (it runs exportdb from
// exportdb.path or PATH). The Marketplace serves a platform's own package where there is one and
// the universal package elsewhere.
//
//   npm run package                                   # go build for this machine: its target + universal
//   npm run package -- --target linux-x64=dist/linux_amd64/exportdb \
//                      --target linux-arm64=dist/linux_arm64/exportdb --out-dir release/
//   npm run package -- --target win32-x64=exportdb.exe --no-universal
//
// Each package is staged in a temporary directory (the bundled dist/extension.js, the manifest,
// README, LICENSE, CHANGELOG, images and the binary), so the source tree is never modified, and is
// checked after vsce wrote it: the expected files and nothing else, the binary byte for byte and
// executable, the target in the manifest. A binary built for another platform than its target is
// refused before anything is written (binaryTarget.ts).

import * as childProcess from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';
import { HEADER_BYTES, TARGETS, type Target, binaryPlatform, isTarget, mismatch } from './binaryTarget';
import { zipEntries, zipRead } from './zip';

export interface PackageRequest {
  /** The editors/vscode directory. */
  extensionDir: string;
  targets: { target: Target; binary: string }[];
  universal: boolean;
  outDir: string;
}

export interface Packaged {
  path: string;
  target: Target | 'universal';
  files: number;
  bytes: number;
}

/** What goes into every package besides package.json and the binary, relative to extensionDir. */
const STAGED = ['dist/extension.js', 'README.md', 'LICENSE', 'CHANGELOG.md', 'images', '.vscodeignore'];

/** The binary's name inside a package for target. */
export function binaryName(target: Target): string {
  return target.startsWith('win32-') ? 'exportdb.exe' : 'exportdb';
}

function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    return buf.subarray(0, fs.readSync(fd, buf, 0, HEADER_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** Problems with the requested binaries: missing files, or files built for another platform. */
export function checkBinaries(targets: PackageRequest['targets']): string[] {
  const problems: string[] = [];
  const seen = new Set<Target>();
  for (const { target, binary } of targets) {
    if (seen.has(target)) {
      problems.push(`${target}: given twice`);
    }
    seen.add(target);
    let st: fs.Stats;
    try {
      st = fs.statSync(binary);
    } catch (err) {
      problems.push(`${target}: ${binary}: ${(err as Error).message}`);
      continue;
    }
    if (!st.isFile()) {
      problems.push(`${target}: ${binary} is not a regular file`);
      continue;
    }
    const why = mismatch(target, binaryPlatform(readHead(binary)));
    if (why !== undefined) {
      problems.push(`${target}: ${binary} does not fit: ${why}`);
    }
  }
  return problems;
}

/** The manifest as packaged: what VS Code reads, without the development scripts and tools. */
function stagedManifest(extensionDir: string): Record<string, unknown> {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete manifest.scripts; // vsce would run vscode:prepublish in the staging directory
  delete manifest.devDependencies;
  return manifest;
}

function stage(extensionDir: string, dir: string, binary?: { target: Target; file: string }): void {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(stagedManifest(extensionDir), null, 2) + '\n');
  for (const rel of STAGED) {
    const from = path.join(extensionDir, rel);
    if (!fs.existsSync(from)) {
      throw new Error(`${from} is missing${rel.startsWith('dist/') ? ' (run `npm run bundle`)' : ''}`);
    }
    fs.cpSync(from, path.join(dir, rel), { recursive: true });
  }
  if (binary) {
    const to = path.join(dir, 'bin', binaryName(binary.target));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(binary.file, to);
    fs.chmodSync(to, 0o755);
  }
}

/**
 * What is wrong with a written package: vsix is its bytes, binary the file that should be in it
 * (undefined for the universal package).
 */
export function verifyVsix(vsix: Buffer, target: Target | 'universal', binary?: Buffer): string[] {
  const problems: string[] = [];
  const entries = zipEntries(vsix);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const manifestEntry = byName.get('extension/package.json');
  if (manifestEntry === undefined) {
    return ['no extension/package.json'];
  }
  const manifest = JSON.parse(zipRead(vsix, manifestEntry).toString('utf8')) as { main?: string };
  const main = `extension/${path.posix.normalize(manifest.main ?? '')}`;
  if (!byName.has(main)) {
    problems.push(`main ${manifest.main} is not in the package`);
  }
  const allowed = /^(extension\.vsixmanifest|\[Content_Types\]\.xml|extension\/(package\.json|dist\/extension\.js|readme\.md|license(\.txt)?|changelog\.md|images\/[^/]+\.png|bin\/exportdb(\.exe)?))$/i;
  for (const e of entries) {
    if (!allowed.test(e.name)) {
      problems.push(`unexpected file ${e.name}`);
    }
  }
  const bins = entries.filter((e) => e.name.startsWith('extension/bin/'));
  const xml = zipRead(vsix, byName.get('extension.vsixmanifest') ?? entries[0]).toString('utf8');
  const declared = /TargetPlatform="([^"]+)"/.exec(xml)?.[1];
  if (target === 'universal') {
    if (bins.length > 0) {
      problems.push(`the universal package holds ${bins.map((e) => e.name).join(', ')}`);
    }
    if (declared !== undefined) {
      problems.push(`the universal package declares TargetPlatform ${declared}`);
    }
    return problems;
  }
  if (declared !== target) {
    problems.push(`the manifest declares TargetPlatform ${declared ?? '(none)'}, want ${target}`);
  }
  const name = `extension/bin/${binaryName(target)}`;
  const bin = byName.get(name);
  if (bin === undefined || bins.length !== 1) {
    problems.push(`want exactly ${name}, have ${bins.map((e) => e.name).join(', ') || 'none'}`);
    return problems;
  }
  if (!target.startsWith('win32-') && (bin.mode & 0o111) === 0) {
    problems.push(`${name} is not executable (mode ${bin.mode.toString(8)})`);
  }
  if (binary !== undefined) {
    const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
    if (sha(zipRead(vsix, bin)) !== sha(binary)) {
      problems.push(`${name} differs from the binary given`);
    }
  }
  return problems;
}

/** Writes every requested package into req.outDir; throws on the first problem. */
export async function packageAll(req: PackageRequest, log: (line: string) => void = console.log): Promise<Packaged[]> {
  const problems = checkBinaries(req.targets);
  if (problems.length > 0) {
    throw new Error(`refusing to package:\n  ${problems.join('\n  ')}`);
  }
  const version = (stagedManifest(req.extensionDir) as { version: string }).version;
  fs.mkdirSync(req.outDir, { recursive: true });
  const jobs: { target: Target | 'universal'; binary?: string }[] = req.targets.map((t) => ({ target: t.target, binary: t.binary }));
  if (req.universal) {
    jobs.push({ target: 'universal' });
  }
  const out: Packaged[] = [];
  for (const job of jobs) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exportdb-vsix-'));
    try {
      const platform = job.target === 'universal' ? undefined : job.target;
      stage(req.extensionDir, dir, platform && job.binary ? { target: platform, file: job.binary } : undefined);
      const file = path.resolve(req.outDir, platform ? `exportdb-${platform}-${version}.vsix` : `exportdb-${version}.vsix`);
      await createVSIX({ cwd: dir, packagePath: file, target: platform, dependencies: false });
      const vsix = fs.readFileSync(file);
      const wrong = verifyVsix(vsix, job.target, job.binary ? fs.readFileSync(job.binary) : undefined);
      if (wrong.length > 0) {
        throw new Error(`${file}:\n  ${wrong.join('\n  ')}`);
      }
      const files = zipEntries(vsix).filter((e) => e.name.startsWith('extension/')).length;
      out.push({ path: file, target: job.target, files, bytes: vsix.length });
      log(`${path.basename(file)}: ${job.target}, ${files} files, ${(vsix.length / 1e6).toFixed(1)} MB`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** The VS Code target of this machine, for the default build. */
export function hostTarget(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Target | undefined {
  const a = arch === 'arm' ? 'armhf' : arch;
  const t = `${platform}-${a}`;
  return isTarget(t) ? t : undefined;
}

const USAGE = `usage: node out/scripts/package.js [--target TARGET=BINARY]... [--no-universal] [--out-dir DIR]

Writes exportdb-TARGET-VERSION.vsix for each --target (with BINARY as bin/exportdb) and the
universal exportdb-VERSION.vsix (no binary). Without --target, builds exportdb for this machine
with \`go build\` and packages that target. TARGET is one of:
  ${TARGETS.join(', ')}
--out-dir defaults to ./vsix.`;

export type Args = { help: true } | { error: string } | { targets: PackageRequest['targets']; universal: boolean; outDir?: string };

export function parseArgs(argv: string[]): Args {
  const targets: PackageRequest['targets'] = [];
  let universal = true;
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { help: true };
      case '--no-universal':
        universal = false;
        break;
      case '--out-dir':
        outDir = value();
        if (!outDir) {
          return { error: '--out-dir needs a directory' };
        }
        break;
      case '--target': {
        const v = value() ?? '';
        const eq = v.indexOf('=');
        const target = eq < 0 ? v : v.slice(0, eq);
        if (!isTarget(target) || eq < 0 || eq === v.length - 1) {
          return { error: `--target ${v}: want TARGET=BINARY with TARGET one of ${TARGETS.join(', ')}` };
        }
        targets.push({ target, binary: v.slice(eq + 1) });
        break;
      }
      default:
        return { error: `unknown argument ${arg}` };
    }
  }
  return { targets, universal, outDir };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if ('help' in args) {
    console.log(USAGE);
    return 0;
  }
  if ('error' in args) {
    console.error(`package: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const extensionDir = path.resolve(__dirname, '..', '..');
  let tmp: string | undefined;
  try {
    if (args.targets.length === 0) {
      const target = hostTarget();
      if (target === undefined) {
        console.error(`package: no VS Code target for ${process.platform}-${process.arch}; pass --target`);
        return 2;
      }
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exportdb-build-'));
      const binary = path.join(tmp, binaryName(target));
      const repo = path.resolve(extensionDir, '..', '..');
      console.log(`go build -trimpath -o ${binary} ./cmd/exportdb`);
      childProcess.execFileSync('go', ['build', '-trimpath', '-o', binary, './cmd/exportdb'], { cwd: repo, stdio: 'inherit' });
      args.targets.push({ target, binary });
    }
    await packageAll({
      extensionDir,
      targets: args.targets.map((t) => ({ ...t, binary: path.resolve(t.binary) })),
      universal: args.universal,
      outDir: path.resolve(args.outDir ?? path.join(extensionDir, 'vsix')),
    });
    return 0;
  } catch (err) {
    console.error(`package: ${(err as Error).message}`);
    return 1;
  } finally {
    if (tmp !== undefined) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
