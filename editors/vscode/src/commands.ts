// The arguments of the server's commands when they are run from the command palette or a key
// binding, where VS Code passes none. Pure, so test/commands.test.ts pins them to the server's
// contract (lsp/commands.go): exportdb.applyAllFixes [uri], exportdb.showCase [name].

/** What the active editor offers a command. */
export interface CommandContext {
  /** The active document's URI. */
  uri?: string;
  /** The ExportDB case under the cursor, or the one the user typed. */
  caseName?: string;
}

/** The arguments for command, or undefined when the context lacks what it needs. */
export function commandArguments(command: string, ctx: CommandContext): unknown[] | undefined {
  switch (command) {
    case 'exportdb.applyAllFixes':
      return ctx.uri === undefined ? undefined : [ctx.uri];
    case 'exportdb.showCase':
      return ctx.caseName ? [ctx.caseName] : undefined;
    default:
      return [];
  }
}

/** The case name in a diagnostic's code: a string, or { value, target } when it has a link. */
export function caseName(code: unknown): string | undefined {
  if (typeof code === 'string' && code !== '') {
    return code;
  }
  if (code !== null && typeof code === 'object' && 'value' in code) {
    const value = code.value;
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
  return undefined;
}
