// The ExportDB extension: it finds the exportdb binary (serverPath.ts), runs `exportdb lsp` on
// stdio through vscode-languageclient, and maps the exportdb.* settings to the server's
// (settings.ts). Diagnostics, hovers, code actions and code lenses all come from the server.
//
// Commands: exportdb.restartServer and exportdb.showLogs are the client's own. The server's
// commands (exportdb.applyAllFixes, exportdb.showCase, ...) are registered by vscode-languageclient
// from the server's executeCommandProvider; the middleware below fills in their arguments (the
// active file, the case under the cursor) when they are run from the command palette.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  RevealOutputChannelOn,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { findServer } from './serverPath';
import { caseName, commandArguments } from './commands';
import { serverArgs, toServerSettings } from './settings';

const SECTION = 'exportdb';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let extensionPath: string;

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

const middleware: Middleware = {
  async executeCommand(command, args, next) {
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

async function startClient(): Promise<void> {
  const cfg = config();
  const found = findServer({
    configuredPath: cfg.get<string>('path'),
    pathEnv: process.env.PATH,
    extensionPath,
    platform: process.platform,
    homeDir: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    isExecutable,
  });
  if (!found.ok) {
    output.appendLine(found.message);
    const choice = await vscode.window.showErrorMessage(found.message, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'exportdb.path');
    }
    return;
  }
  output.appendLine(`Starting ${found.path} (from ${found.source})`);
  const serverOptions: ServerOptions = {
    command: found.path,
    args: serverArgs(cfg),
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    initializationOptions: toServerSettings(cfg),
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware,
  };
  client = new LanguageClient(SECTION, 'ExportDB', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`The server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(`ExportDB: ${found.path} did not start; see "ExportDB: Show Logs".`);
  }
}

async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
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
  context.subscriptions.push(
    output,
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
      } else if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, { settings: toServerSettings(config()) });
      }
    }),
    { dispose: () => void stopClient() },
  );
  await startClient();
}

export function deactivate(): Promise<void> {
  return stopClient();
}
