// What the status bar item says: the server's state and the target torch version. Pure, so
// test/status.test.ts checks every state without VS Code; statusBar.ts puts it on screen.

import type { ServerSource } from './serverPath';

export type ServerState =
  | { kind: 'starting' }
  | { kind: 'running' }
  /** The server exited after it ran (a crash, or vscode-languageclient gave up restarting it). */
  | { kind: 'stopped' }
  /** It never ran: no binary, a refused exportdb.path, or a start that failed. */
  | { kind: 'failed'; message: string };

export interface StatusInput {
  state: ServerState;
  /** The exportdb.torchVersion the server was given; undefined when the project decides. */
  torchVersion: string | undefined;
  /**
   * What the server judges the active document by (its exportdb/documentStatus answer):
   * the torch version and where it comes from (a configuration file's path, or "" for the
   * newest version the catalog knows). Undefined until the server has answered.
   */
  project?: { torchVersion: string; from: string };
  /** The binary in use, once found; version is the server's serverInfo.version. */
  server?: { path: string; source: ServerSource; version?: string };
}

export interface StatusView {
  /** The item's text, with a codicon. */
  text: string;
  /** Plain-text tooltip, one fact a line. */
  tooltip: string;
  /** Whether the item shows the error background: the server is not running and will not start by itself. */
  error: boolean;
}

const ICON: Record<ServerState['kind'], string> = {
  starting: '$(sync~spin)',
  running: '$(check)',
  stopped: '$(circle-slash)',
  failed: '$(error)',
};

const STATE: Record<ServerState['kind'], string> = {
  starting: 'the server is starting',
  running: 'the server is running',
  stopped: 'the server stopped; run "ExportDB: Restart Server"',
  failed: 'the server is not running',
};

const SOURCE: Record<ServerSource, string> = {
  setting: 'exportdb.path',
  PATH: 'PATH',
  bundled: 'bundled with the extension',
};

/** The status bar item's text and tooltip for a state. */
export function statusView(input: StatusInput): StatusView {
  const { state, torchVersion, server, project } = input;
  let torch = 'torch (project)';
  if (torchVersion) {
    torch = `torch ${torchVersion}`;
  } else if (project) {
    torch = `torch ${project.torchVersion}`;
  }
  const lines = [`ExportDB: ${STATE[state.kind]}`];
  if (state.kind === 'failed') {
    lines.push(state.message);
  }
  if (server) {
    const version = server.version ? `, exportdb ${server.version}` : '';
    lines.push(`Binary: ${server.path} (${SOURCE[server.source]}${version})`);
  }
  if (torchVersion) {
    lines.push(`Target torch version: ${torchVersion} (exportdb.torchVersion)`);
  } else if (project) {
    lines.push(
      project.from
        ? `Target torch version: ${project.torchVersion} (${project.from})`
        : `Target torch version: ${project.torchVersion} (no configuration sets one: the newest the catalog knows)`,
    );
  } else {
    lines.push(
      'Target torch version: the project\'s pyproject.toml / exportdb.toml, else the newest the catalog knows ("ExportDB: Show Server Info" shows which)',
    );
  }
  lines.push('Click to show the logs.');
  return {
    text: `${ICON[state.kind]} ExportDB: ${torch}`,
    tooltip: lines.join('\n'),
    error: state.kind === 'failed' || state.kind === 'stopped',
  };
}
