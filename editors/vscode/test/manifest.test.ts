// The contract package.json makes with VS Code and with the server: every command in the palette
// with the ExportDB category, setting scopes (a repository cannot choose the binary), the
// Restricted Mode declaration, and the bundle as the entry point.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..', '..');
interface Command {
  command: string;
  title: string;
  category?: string;
}
interface Manifest {
  main: string;
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; description?: string } };
  contributes: {
    commands: Command[];
    menus: { commandPalette: { command: string; when?: string }[] };
    configuration: { properties: Record<string, { scope?: string }> };
  };
}
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

/** The commands the server announces in executeCommandProvider (lsp/lifecycle.go). */
function serverCommands(): string[] {
  const src = fs.readFileSync(path.join(root, '..', '..', 'lsp', 'lifecycle.go'), 'utf8');
  return [...src.matchAll(/\bcmd\w+\s*=\s*"(exportdb\.\w+)"/g)].map((m) => m[1]);
}

/** The commands the extension registers itself. */
function clientCommands(): string[] {
  const src = fs.readFileSync(path.join(root, 'src', 'extension.ts'), 'utf8');
  return [...src.matchAll(/registerCommand\('(exportdb\.\w+)'/g)].map((m) => m[1]);
}

test('every command, the server\'s and the client\'s, is contributed with the ExportDB category', () => {
  const server = serverCommands();
  assert.ok(server.length >= 4, `server commands found in lsp/lifecycle.go: ${server.join(', ')}`);
  const want = [...new Set([...server, ...clientCommands()])].sort();
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(contributed, want);
  for (const c of manifest.contributes.commands) {
    assert.equal(c.category, 'ExportDB', c.command);
    assert.match(c.title, /^[A-Z]/, c.command);
  }
});

test('no command is hidden from the palette for good; the server\'s show while it runs', () => {
  const server = new Set(serverCommands());
  for (const m of manifest.contributes.menus.commandPalette) {
    assert.notEqual(m.when, 'false', m.command);
    if (server.has(m.command)) {
      assert.match(m.when ?? '', /exportdb\.serverRunning/, m.command);
    }
  }
  const gated = new Set(manifest.contributes.menus.commandPalette.map((m) => m.command));
  for (const c of server) {
    assert.ok(gated.has(c), `${c}: without a when clause it would show while no server registers it`);
  }
});

test('exportdb.path is a machine setting: a workspace\'s .vscode/settings.json cannot set it', () => {
  assert.equal(manifest.contributes.configuration.properties['exportdb.path'].scope, 'machine');
});

test('settings that may differ per folder have resource scope; every setting has a scope', () => {
  const props = manifest.contributes.configuration.properties;
  for (const key of ['exportdb.torchVersion', 'exportdb.severity', 'exportdb.select', 'exportdb.ignore']) {
    assert.equal(props[key].scope, 'resource', key);
  }
  for (const [key, p] of Object.entries(props)) {
    assert.ok(p.scope, `${key} has no scope`);
  }
});

test('Restricted Mode is declared: limited, and the description says what is limited', () => {
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, 'limited');
  assert.match(trust.description ?? '', /exportdb\.path/);
  assert.match(trust.description ?? '', /\$\{workspaceFolder\}/);
});

test('the entry point is the esbuild bundle', () => {
  assert.equal(manifest.main, './dist/extension.js');
  assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'run `npm run bundle` first (npm test does)');
});
