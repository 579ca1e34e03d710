// The ExportDB extension: it finds the exportdb binary (serverPath.ts), runs `exportdb lsp` on
// stdio through vscode-languageclient, maps the exportdb.* settings to the server's
// (settings.ts), and shows the server's state and target torch version in the status bar
// (statusBar.ts). Diagnostics, hovers, code actions and code lenses all come from the server.
//
// Commands: exportdb.restartServer and exportdb.showLogs are the client's own. The server's
// commands (exportdb.applyAllFixes, exportdb.showCase, exportdb.debugInfo, exportdb.scanWorkspace,
// exportdb.declareDims) are registered by vscode-languageclient from the server's
// executeCommandProvider; package.json lists them in the palette while the server runs (context
// key exportdb.serverRunning), and the middleware below fills in their arguments (the active
// file, the case under the cursor; for exportdb.declareDims, from the palette or the code lens,
// quick picks and input boxes ask for the dims: dims.ts).
//
// Workspace trust (package.json capabilities.untrustedWorkspaces, "limited"): in Restricted Mode
// the server runs as usual, since it only reads code; what is limited is the binary, which never
// comes from the workspace: exportdb.path is a machine setting, and ${workspaceFolder} in it is
// refused until the workspace is trusted.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { findServer, type ServerLookup, userPathSetting } from './serverPath';
import { caseName, commandArguments } from './commands';
import { askDims, type DeclareArgs, declaredMessage, type DimsInfo, type DimsUI, needsQuestions } from './dims';
import { serverArgs, toServerSettings } from './settings';
import { StatusBar } from './statusBar';

const SECTION = 'exportdb';
const RUNNING_CONTEXT = 'exportdb.serverRunning';
const DECLARE_DIMS = 'exportdb.declareDims';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: StatusBar;
let extensionPath: string;
/** The last lookup's result; a lookup refused for trust is retried when trust is granted. */
let lastLookup: ServerLookup | undefined;

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** The case of the exportdb diagnostic under the cursor, else of the first on the cursor's line. */
function caseAtCursor(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return undefined;
  }
  const ours = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'exportdb');
  const pos = editor.selection.active;
  const hit = ours.find((d) => d.range.contains(pos)) ?? ours.find((d) => d.range.start.line === pos.line);
  return caseName(hit?.code);
}

/** Arguments for a server command run without any: the active file, the case under the cursor. */
async function defaultArguments(command: string): Promise<unknown[] | undefined> {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  let name: string | undefined;
  if (command === 'exportdb.showCase') {
    name =
      caseAtCursor() ??
      (await vscode.window.showInputBox({ prompt: 'ExportDB case name', placeHolder: 'dynamic_shape_round' }));
  }
  return commandArguments(command, { uri, caseName: name });
}

/** The questions of exportdb.declareDims, as quick picks and input boxes. */
const dimsUI: DimsUI = {
  async pick(title, items) {
    const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
    return picked?.value;
  },
  input(title, prompt, value, validate) {
    return Promise.resolve(vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: validate }));
  },
};

/**
 * exportdb.declareDims: asks for what the arguments lack (exportdb/dimsInfo says what there is),
 * runs the command, then saves the configuration file the server edited, so that the server's
 * file watcher reloads it. Errors are the server's own messages.
 */
async function declareDims(c: LanguageClient, args: unknown[]): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  let a = (args[0] ?? {}) as DeclareArgs;
  if (!a.uri && editor !== undefined) {
    a = { ...a, uri: editor.document.uri.toString() };
  }
  if (!a.uri) {
    void vscode.window.showErrorMessage('ExportDB: open the Python file of the module first.');
    return undefined;
  }
  let configFile: string | undefined;
  try {
    if (needsQuestions([a])) {
      const position = editor?.document.uri.toString() === a.uri ? editor.selection.active : undefined;
      const info = await c.sendRequest<DimsInfo>('exportdb/dimsInfo', { textDocument: { uri: a.uri }, position });
      configFile = info.configFile;
      const asked = await askDims(info, a, dimsUI);
      if (asked === undefined) {
        return undefined;
      }
      if (typeof asked === 'string') {
        void vscode.window.showErrorMessage(`ExportDB: ${asked}`);
        return undefined;
      }
      a = asked;
    }
    // the server edits the file as it is on disk: unsaved changes are saved first
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === configFile);
    if (open?.isDirty) {
      await open.save();
    }
    const result = await c.sendRequest<{ file: string; uri: string; created: boolean }>(ExecuteCommandRequest.type.method,
      { command: DECLARE_DIMS, arguments: [a] });
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.uri));
    if (doc.isDirty) {
      await doc.save();
    }
    void vscode.window.showInformationMessage(`ExportDB: ${declaredMessage(a, result.file)}`);
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.appendLine(`${DECLARE_DIMS}: ${message}`);
    void vscode.window.showErrorMessage(`ExportDB: ${message}`);
    return undefined;
  }
}

const middleware: Middleware = {
  async executeCommand(command, args, next) {
    if (command === DECLARE_DIMS && client !== undefined) {
      return declareDims(client, args);
    }
    if (args.length === 0) {
      const filled = await defaultArguments(command);
      if (filled === undefined) {
        return undefined;
      }
      args = filled;
    }
    const result: unknown = await next(command, args);
    return result;
  },
  workspace: {
    // Answer the server's workspace/configuration requests with the same mapping as
    // initializationOptions, not with the raw VS Code settings (which hold client-only keys).
    // A request with a scopeUri gets that resource's (folder's) values.
    configuration(params, token, next) {
      if (params.items.every((item) => item.section === undefined || item.section === SECTION)) {
        return params.items.map((item) =>
          toServerSettings(vscode.workspace.getConfiguration(SECTION, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)),
        );
      }
      return next(params, token);
    },
  },
};

/** The binary to run, by the lookup order of serverPath.ts, with the user's exportdb.path only. */
function lookup(): ServerLookup {
  const setting = userPathSetting(config().inspect<string>('path'));
  for (const line of setting.ignored) {
    output.appendLine(line);
  }
  return findServer({
    configuredPath: setting.value,
    pathEnv: process.env.PATH,
    extensionPath,
    platform: process.platform,
    homeDir: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    trusted: vscode.workspace.isTrusted,
    isExecutable,
  });
}

async function reportLookupFailure(found: Extract<ServerLookup, { ok: false }>): Promise<void> {
  output.appendLine(found.message);
  const action = found.reason === 'untrusted' ? 'Manage Workspace Trust' : 'Open User Settings';
  const choice = await vscode.window.showErrorMessage(found.message, action, 'Show Logs');
  if (choice === 'Manage Workspace Trust') {
    await vscode.commands.executeCommand('workbench.trust.manage');
  } else if (choice === 'Open User Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@id:exportdb.path');
  } else if (choice === 'Show Logs') {
    output.show();
  }
}

async function startClient(): Promise<void> {
  const cfg = config();
  const torchVersion = toServerSettings(cfg).torchVersion;
  status.update({ state: { kind: 'starting' }, torchVersion, server: undefined });
  const found = lookup();
  lastLookup = found;
  if (!found.ok) {
    status.update({ state: { kind: 'failed', message: found.message } });
    void reportLookupFailure(found);
    return;
  }
  output.appendLine(`Starting ${found.path} (from ${found.source})`);
  const server = { path: found.path, source: found.source };
  status.update({ server });
  const serverOptions: ServerOptions = {
    command: found.path,
    args: serverArgs(cfg),
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      // the Python cells of Jupyter notebooks: the server syncs them as notebooks (LSP 3.17
      // notebook sync); this selector routes hover, code actions and code lens for cells
      { notebook: 'jupyter-notebook', language: 'python' },
    ],
    initializationOptions: toServerSettings(cfg),
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware,
  };
  const c = new LanguageClient(SECTION, 'ExportDB', serverOptions, clientOptions);
  client = c;
  c.onDidChangeState((e) => {
    if (client !== c) {
      return; // a client being replaced by a restart
    }
    const running = e.newState === State.Running;
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, running);
    if (running) {
      status.update({ state: { kind: 'running' }, server: { ...server, version: c.initializeResult?.serverInfo?.version } });
      void refreshDocumentStatus();
    } else {
      status.update({ state: { kind: e.newState === State.Starting ? 'starting' : 'stopped' } });
    }
  });
  try {
    await c.start();
  } catch (err) {
    const message = `${found.path} did not start: ${String(err)}`;
    output.appendLine(message);
    if (client === c) {
      status.update({ state: { kind: 'failed', message } });
    }
    void vscode.window.showErrorMessage(`ExportDB: ${message}. See "ExportDB: Show Logs".`);
  }
}

/** The server's exportdb/documentStatus answer (lsp/status.go). */
interface DocumentStatus {
  torchVersion: string;
  torchVersionFrom: string;
}

/**
 * Asks the server what it judges the active editor's document by, for the status bar. A
 * document the server does not serve, or a server not running, leaves the item as it is.
 */
async function refreshDocumentStatus(): Promise<void> {
  const c = client;
  const doc = vscode.window.activeTextEditor?.document;
  if (c === undefined || !c.isRunning() || doc === undefined || doc.languageId !== 'python') {
    return;
  }
  try {
    const st = await c.sendRequest<DocumentStatus>('exportdb/documentStatus', { textDocument: { uri: doc.uri.toString() } });
    if (client === c) {
      const from = st.torchVersionFrom === 'settings' ? 'exportdb.torchVersion' : st.torchVersionFrom;
      status.update({ project: { torchVersion: st.torchVersion, from } });
    }
  } catch (err) {
    output.appendLine(`exportdb/documentStatus: ${String(err)}`);
  }
}

async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
  void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false);
  if (old !== undefined) {
    try {
      await old.stop();
    } catch (err) {
      output.appendLine(`Stopping the server: ${String(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stopClient();
  await startClient();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('ExportDB');
  status = new StatusBar();
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand('exportdb.restartServer', restart),
    vscode.commands.registerCommand('exportdb.showLogs', () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SECTION)) {
        return;
      }
      // A new binary needs a new process; everything else (the log level too) goes to the
      // running server.
      if (e.affectsConfiguration(`${SECTION}.path`)) {
        await restart();
        return;
      }
      status.update({ torchVersion: toServerSettings(config()).torchVersion });
      if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, { settings: toServerSettings(config()) });
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshDocumentStatus()),
    vscode.workspace.onDidSaveTextDocument(() => void refreshDocumentStatus()),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      if (lastLookup !== undefined && !lastLookup.ok && lastLookup.reason === 'untrusted') {
        await restart();
      }
    }),
    { dispose: () => void stopClient() },
  );
  await startClient();
}

export function deactivate(): Promise<void> {
  return stopClient();
}
