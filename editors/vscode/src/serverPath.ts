// Where the exportdb binary comes from. Pure: every effect (file checks, environment) is passed
// in, so the lookup order is unit-tested without VS Code (test/serverPath.test.ts).

import * as nodePath from 'node:path';

/** Where a server binary was found, in lookup order. */
export type ServerSource = 'setting' | 'PATH' | 'bundled';

export type ServerLookup =
  | { ok: true; path: string; source: ServerSource }
  | { ok: false; message: string };

export interface LookupInput {
  /** The exportdb.path setting; empty or undefined when unset. */
  configuredPath: string | undefined;
  /** The PATH environment variable of the extension host. */
  pathEnv: string | undefined;
  /** The extension's install directory; the bundled binary is bin/exportdb below it. */
  extensionPath: string;
  platform: NodeJS.Platform;
  /** The user's home directory, for a leading "~/" in the setting. */
  homeDir: string;
  /** The first workspace folder, against which a relative setting is resolved. */
  workspaceFolder: string | undefined;
  /** Whether p is an existing file the extension host may execute. */
  isExecutable(p: string): boolean;
}

export const INSTALL_HINT =
  'Install it with `go install github.com/exportdb-lsp/exportdb-lsp/cmd/exportdb@latest` or set `exportdb.path`.';

/** Path functions of the target platform, so lookups for Windows are tested on Linux too. */
function pathFor(platform: NodeJS.Platform): nodePath.PlatformPath {
  return platform === 'win32' ? nodePath.win32 : nodePath.posix;
}

function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'exportdb.exe' : 'exportdb';
}

/** The bundled binary's path inside the extension. */
export function bundledPath(extensionPath: string, platform: NodeJS.Platform): string {
  return pathFor(platform).join(extensionPath, 'bin', binaryName(platform));
}

/**
 * Resolves the setting: "~/" is the home directory, a relative path with a directory part is
 * relative to the workspace folder, and a bare name ("exportdb-dev") is looked up on PATH.
 */
export function resolveConfiguredPath(p: string, input: LookupInput): string | undefined {
  const path = pathFor(input.platform);
  if (p === '~' || p.startsWith('~/')) {
    return path.join(input.homeDir, p.slice(1));
  }
  if (path.isAbsolute(p)) {
    return p;
  }
  if (!p.includes('/') && !p.includes(path.sep)) {
    return searchPath(input.pathEnv, p, input);
  }
  return path.resolve(input.workspaceFolder ?? input.homeDir, p);
}

/** The first executable file called name in the directories of pathEnv. */
export function searchPath(
  pathEnv: string | undefined,
  name: string,
  input: Pick<LookupInput, 'platform' | 'isExecutable'>,
): string | undefined {
  if (!pathEnv) {
    return undefined;
  }
  const path = pathFor(input.platform);
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir === '') {
      continue; // an empty entry means the current directory; never run a binary from there
    }
    const candidate = path.join(dir, name);
    if (input.isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Finds the server in this order: the exportdb.path setting, PATH, the bundled bin/exportdb.
 * A setting that names a missing binary is an error rather than a silent fallback: the user
 * asked for that binary.
 */
export function findServer(input: LookupInput): ServerLookup {
  const configured = input.configuredPath?.trim();
  if (configured) {
    const p = resolveConfiguredPath(configured, input);
    if (p !== undefined && input.isExecutable(p)) {
      return { ok: true, path: p, source: 'setting' };
    }
    const why = p === undefined ? `there is no ${configured} on PATH` : `${p} is not an executable file`;
    return {
      ok: false,
      message: `ExportDB: exportdb.path is "${configured}", but ${why}. Fix the setting, or clear it to use exportdb from PATH or the bundled binary.`,
    };
  }
  const onPath = searchPath(input.pathEnv, binaryName(input.platform), input);
  if (onPath !== undefined) {
    return { ok: true, path: onPath, source: 'PATH' };
  }
  const bundled = bundledPath(input.extensionPath, input.platform);
  if (input.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: 'bundled' };
  }
  return {
    ok: false,
    message: `ExportDB: no exportdb binary found: exportdb.path is unset, there is no exportdb on PATH, and this extension has no bundled binary for ${input.platform} (${bundled}). ${INSTALL_HINT}`,
  };
}
