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
  const { state, torchVersion, server } = input;
  const torch = torchVersion ? `torch ${torchVersion}` : 'torch (project)';
  const lines = [`ExportDB: ${STATE[state.kind]}`];
  if (state.kind === 'failed') {
    lines.push(state.message);
  }
  if (server) {
    const version = server.version ? `, exportdb ${server.version}` : '';
    lines.push(`Binary: ${server.path} (${SOURCE[server.source]}${version})`);
  }
  lines.push(
    torchVersion
      ? `Target torch version: ${torchVersion} (exportdb.torchVersion)`
      : 'Target torch version: the project\'s pyproject.toml / exportdb.toml, else the newest the catalog knows ("ExportDB: Show Server Info" shows which)',
  );
  lines.push('Click to show the logs.');
  return {
    text: `${ICON[state.kind]} ExportDB: ${torch}`,
    tooltip: lines.join('\n'),
    error: state.kind === 'failed' || state.kind === 'stopped',
  };
}
