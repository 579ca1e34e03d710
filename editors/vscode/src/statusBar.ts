// The status bar item: the server's state and the target torch version (status.ts says what it
// reads), shown while a Python file is active and whenever the server is not running. A click
// opens the logs.

import * as vscode from 'vscode';
import { statusView, type StatusInput } from './status';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly listener: vscode.Disposable;
  private input: StatusInput = { state: { kind: 'starting' }, torchVersion: undefined };
  private error = false;

  constructor() {
    this.item = vscode.window.createStatusBarItem('exportdb.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'ExportDB';
    this.item.command = 'exportdb.showLogs';
    this.listener = vscode.window.onDidChangeActiveTextEditor(() => this.updateVisibility());
    this.render();
  }

  /** Replaces the given parts of what the item shows. */
  update(change: Partial<StatusInput>): void {
    this.input = { ...this.input, ...change };
    this.render();
  }

  private render(): void {
    const view = statusView(this.input);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.tooltip.split('\n')[0] };
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.error = view.error;
    this.updateVisibility();
  }

  /**
   * Visible for Python files, for views that are not files (the Output panel, Settings), and
   * always when the server is not running, so that a failure is never hidden.
   */
  private updateVisibility(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const otherFile = doc !== undefined && (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && doc.languageId !== 'python';
    if (this.error || !otherFile) {
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
