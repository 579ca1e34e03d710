// The mapping from VS Code's exportdb.* settings to what the server reads, both in
// initializationOptions and in workspace/didChangeConfiguration. Pure, so test/settings.test.ts
// checks it without VS Code.

/** What the server reads; a key that is absent means "the project's config file, else the default". */
export interface ServerSettings {
  torchVersion?: string;
  severity?: Record<string, string>;
  select?: string[];
  ignore?: string[];
  logLevel?: string;
}

/** The part of vscode.WorkspaceConfiguration this module needs. */
export interface ConfigurationReader {
  get<T>(section: string): T | undefined;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function stringList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) {
    return undefined;
  }
  const out = v.filter((s): s is string => typeof s === 'string').map((s) => s.trim()).filter((s) => s !== '');
  return out.length > 0 ? out : undefined;
}

function severityMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [name, level] of Object.entries(v as Record<string, unknown>)) {
    if (typeof level === 'string' && name.trim() !== '') {
      out[name.trim()] = level.trim().toLowerCase();
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Maps the exportdb section of the settings to the server's settings. Empty values are left out
 * so that the project's pyproject.toml / exportdb.toml decides, as `exportdb check` does.
 */
export function toServerSettings(config: ConfigurationReader): ServerSettings {
  const out: ServerSettings = {};
  const torchVersion = config.get<string>('torchVersion')?.trim();
  if (torchVersion) {
    out.torchVersion = torchVersion;
  }
  const severity = severityMap(config.get<unknown>('severity'));
  if (severity) {
    out.severity = severity;
  }
  const select = stringList(config.get<unknown>('select'));
  if (select) {
    out.select = select;
  }
  const ignore = stringList(config.get<unknown>('ignore'));
  if (ignore) {
    out.ignore = ignore;
  }
  out.logLevel = logLevel(config);
  return out;
}

/** The server's log level; anything unknown falls back to "info". */
export function logLevel(config: ConfigurationReader): string {
  const level = config.get<string>('logLevel')?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(level ?? '') ? (level as string) : 'info';
}

/** The server's command line: `exportdb lsp --log-level L`. */
export function serverArgs(config: ConfigurationReader): string[] {
  return ['lsp', '--log-level', logLevel(config)];
}
