// Where the exportdb binary comes from. Pure: every effect (file checks, environment, workspace
// trust) is passed in, so the lookup order is unit-tested without VS Code (test/serverPath.test.ts).
//
// A repository must never choose the binary the editor runs: exportdb.path is a `machine` setting
// (package.json), so VS Code ignores it in a workspace's .vscode/settings.json, and userPathSetting
// reads only the user's value even if a workspace value were ever passed on. Inside the user's
// value, ${workspaceFolder} points into the workspace, so it is refused until the workspace is
// trusted.

import * as nodePath from 'node:path';

/** Where a server binary was found, in lookup order. */
export type ServerSource = 'setting' | 'PATH' | 'bundled';

export type ServerLookup =
  | { ok: true; path: string; source: ServerSource }
  | { ok: false; message: string; reason: 'setting' | 'untrusted' | 'missing' };

export interface LookupInput {
  /** The exportdb.path setting (the user's value, see userPathSetting); empty or undefined when unset. */
  configuredPath: string | undefined;
  /** The PATH environment variable of the extension host. */
  pathEnv: string | undefined;
  /** The extension's install directory; the bundled binary is bin/exportdb below it. */
  extensionPath: string;
  platform: NodeJS.Platform;
  /** The user's home directory, for "~/" and ${userHome} in the setting. */
  homeDir: string;
  /** The first workspace folder, for ${workspaceFolder} in the setting. */
  workspaceFolder: string | undefined;
  /** Whether the workspace is trusted; ${workspaceFolder} is refused when it is not. */
  trusted: boolean;
  /** Whether p is an existing file the extension host may execute. */
  isExecutable(p: string): boolean;
}

/** The part of vscode.WorkspaceConfiguration.inspect()'s result userPathSetting reads. */
export interface PathInspection {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export const INSTALL_HINT =
  'Install it with `go install github.com/exportdb-lsp/exportdb-lsp/cmd/exportdb@latest`, or set `exportdb.path` in your user settings.';

const WORKSPACE_FOLDER = '${workspaceFolder}';
const USER_HOME = '${userHome}';

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
 * The exportdb.path value to use: the user's (or, remotely, the remote machine's) value only.
 * A workspace or folder value is reported in ignored, never used.
 */
export function userPathSetting(inspection: PathInspection | undefined): { value: string; ignored: string[] } {
  const ignored: string[] = [];
  for (const [where, v] of [
    ['workspace settings', inspection?.workspaceValue],
    ['folder settings', inspection?.workspaceFolderValue],
  ] as const) {
    if (typeof v === 'string' && v.trim() !== '') {
      ignored.push(`exportdb.path "${v}" in the ${where} is ignored: only user settings may choose the binary.`);
    }
  }
  const user = inspection?.globalValue;
  return { value: typeof user === 'string' ? user.trim() : '', ignored };
}

type Resolved = { path: string } | { error: string; reason: 'setting' | 'untrusted' };

/**
 * Resolves the setting: "~/" and ${userHome} are the home directory, ${workspaceFolder} the first
 * workspace folder (trusted workspaces only), a bare name ("exportdb-dev") is looked up on PATH.
 * Any other relative path is an error: relative to what would be a guess.
 */
export function resolveConfiguredPath(p: string, input: LookupInput): Resolved {
  const path = pathFor(input.platform);
  if (p.includes(WORKSPACE_FOLDER)) {
    if (input.workspaceFolder === undefined) {
      return { error: `it uses ${WORKSPACE_FOLDER}, but no folder is open`, reason: 'setting' };
    }
    if (!input.trusted) {
      return {
        error: `it points into the workspace (${WORKSPACE_FOLDER}), which is not trusted; ExportDB runs no binary from an untrusted workspace`,
        reason: 'untrusted',
      };
    }
    return { path: path.normalize(p.split(WORKSPACE_FOLDER).join(input.workspaceFolder)) };
  }
  if (p.includes(USER_HOME)) {
    return { path: path.normalize(p.split(USER_HOME).join(input.homeDir)) };
  }
  if (p === '~' || p.startsWith('~/') || (input.platform === 'win32' && p.startsWith('~\\'))) {
    return { path: path.join(input.homeDir, p.slice(1)) };
  }
  if (path.isAbsolute(p)) {
    return { path: p };
  }
  if (!p.includes('/') && !p.includes(path.sep)) {
    const found = searchPath(input.pathEnv, p, input);
    return found === undefined ? { error: `there is no ${p} on PATH`, reason: 'setting' } : { path: found };
  }
  return {
    error: `a relative path is ambiguous; use an absolute path, ~/..., ${WORKSPACE_FOLDER}/... or a bare name looked up on PATH`,
    reason: 'setting',
  };
}

/**
 * The first executable file called name in the directories of pathEnv. Only absolute entries
 * count: an empty or relative entry would depend on the extension host's working directory.
 */
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
    if (!path.isAbsolute(dir)) {
      continue;
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
    const r = resolveConfiguredPath(configured, input);
    if ('path' in r && input.isExecutable(r.path)) {
      return { ok: true, path: r.path, source: 'setting' };
    }
    const why = 'error' in r ? r.error : `${r.path} is not an executable file`;
    const reason = 'reason' in r ? r.reason : 'setting';
    const advice =
      reason === 'untrusted'
        ? 'Trust the workspace to use it, or point the setting outside the workspace.'
        : 'Fix the setting, or clear it to use exportdb from PATH or the bundled binary.';
    return { ok: false, reason, message: `ExportDB: exportdb.path is "${configured}", but ${why}. ${advice}` };
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
    reason: 'missing',
    message: `ExportDB: no exportdb binary found: exportdb.path is unset, there is no exportdb on PATH, and this build of the extension bundles none for ${input.platform}. ${INSTALL_HINT}`,
  };
}
