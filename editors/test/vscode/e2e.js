// Drives code-server's real VS Code workbench in Debian's chromium through playwright-core, with
// OUR extension installed (run.sh sets everything up). MODE=main checks, on fixtures/pool.py:
//   the error squiggle, the readiness code lens (and its update after the fix), the Problems view row (case name, Ln/Col of the
//   finding), the hover card, the quick fix through Ctrl+. and Enter, the edited buffer, the saved
//   file; the status bar item (running, torch 2.5 from the workspace's settings, the bundled
//   binary in its tooltip); the trap the workspace named as exportdb.path never ran; then our
//   commands: every ExportDB command in the palette, "ExportDB: Apply All Safe Fixes" on
//   fixtures/scratch.py (result = scratch.fixed.py), "ExportDB: Show Logs" (the bundled binary
//   started), "ExportDB: Restart Server" (a second start, running again); last, the lens
//   "Declare dynamic dims…" above Pool's forward: its input boxes (axis, the offered name, a
//   range) and the pyproject.toml the server edits and the extension saves, then the lens showing
//   the declared dims once the configuration is reloaded.
// MODE=restricted checks, in Restricted Mode with the universal package: the user's
//   exportdb.path ${workspaceFolder}/.venv/bin/exportdb is refused (error status, a message, it
//   never ran); once the setting is cleared in the Settings editor, exportdb from PATH runs and
//   the diagnostic appears in Restricted Mode; set again, it is refused again; once the workspace
//   is trusted, the workspace's binary starts.
// Env: MODE, URL, WS, WS_FILE, FILE, FOLDER, EXPECT, FIXALL_WS_FILE, FIXALL_GOLDEN, MANIFEST,
// MACHINE_SETTINGS, TRAP_MARKER, VENV_MARKER, PYPROJECT, SHOTS, PLAYWRIGHT_CORE. Writes SHOTS/*.png and result.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const shots = process.env.SHOTS;
const want = JSON.parse(fs.readFileSync(process.env.EXPECT, 'utf8'));
const fixtureLine = fs.readFileSync(process.env.WS_FILE, 'utf8').split('\n')[want.line];
const col = fixtureLine.indexOf(want.span); // 0-based, from the fixture text
const results = [];
const t0 = Date.now();
const check = (name, ok, detail) => {
  results.push({ name, ok: !!ok, detail, ms: Date.now() - t0 });
  if (!ok) throw new Error(`FAILED: ${name} ${JSON.stringify(detail)}`);
};
const text = (s) => s.replace(/\u00a0/g, ' ');
const oneLine = (s) => text(s).replace(/\s+/g, ' ').trim();
const onDisk = (file) => fs.readFileSync(file, 'utf8');

/** Helpers bound to one page. */
function driver(page) {
  const d = {
    shot: (name) => page.screenshot({ path: path.join(shots, name) }),
    // the visible lines of the active editor, top to bottom
    editorLines: () => page.$$eval('.monaco-editor .view-lines .view-line', (els) =>
      els.map((e) => ({ top: parseFloat(e.style.top), t: e.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top).map((e) => e.t)),
    // polls cond (sync or async) every 200 ms for up to ms; true once it holds
    until: async (cond, ms = 15000) => {
      for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(200)) {
        if (await cond()) return true;
      }
      return !!(await cond());
    },
    runCommand: async (title) => {
      await page.keyboard.press('F1');
      await page.keyboard.type(title);
      await page.waitForSelector(`.quick-input-list .monaco-list-row:has-text("${title}")`, { timeout: 10000 });
      await page.keyboard.press('Enter');
    },
    gotoPosition: async (line, column) => {
      await page.keyboard.press('Control+G');
      await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
    },
    row: (label) => page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${label}"]`).first(),
    // opens FOLDER/FILE from the Explorer (Quick Open lists files but did not open them here)
    openFixture: async () => {
      await page.waitForSelector('.explorer-folders-view', { timeout: 60000 });
      await d.row(process.env.FOLDER).waitFor({ timeout: 30000 });
      await d.row(process.env.FOLDER).click();
      await d.row(process.env.FILE).waitFor({ timeout: 30000 });
      await d.row(process.env.FILE).dblclick();
      await page.waitForSelector('.monaco-editor .view-lines', { timeout: 20000 });
    },
    // our status bar item: its text and the codicon it shows
    status: async () => {
      const item = page.locator('.statusbar-item:has-text("ExportDB: torch")').first();
      if ((await item.count()) === 0) return null;
      return item.evaluate((e) => ({
        text: e.textContent.replace(/\u00a0/g, ' ').trim(),
        icon: [...e.querySelectorAll('.codicon')].map((c) => [...c.classList].find((k) => k.startsWith('codicon-') && k !== 'codicon-modifier-spin')).join(' '),
      }));
    },
    // the tooltip shown when the mouse rests on our status bar item
    statusTooltip: async () => {
      await page.locator('.statusbar-item:has-text("ExportDB: torch")').first().hover();
      const hover = await page.waitForSelector('.workbench-hover:has-text("Target torch version"), .monaco-hover:has-text("Target torch version")',
        { timeout: 10000 }).catch(() => null);
      const t = hover ? text(await hover.innerText()) : null;
      await page.mouse.move(10, 10);
      return t;
    },
    // the ExportDB output channel's lines containing needle (the view is virtualised: filter it)
    logLines: async (needle) => {
      const filter = page.locator('.panel input[placeholder^="Filter"]').first();
      await filter.waitFor({ timeout: 10000 });
      await filter.fill(needle);
      await page.waitForTimeout(500);
      return page.$$eval('.output-view .view-line', (els) => els.map((e) => e.textContent.replace(/\u00a0/g, ' ')).filter((t) => t.trim() !== ''));
    },
  };
  return d;
}

async function mainSession(page) {
  const d = driver(page);
  await d.openFixture();

  // the diagnostic: a squiggle, then the Problems view row
  const squiggle = await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 60000 }).catch(() => null);
  // the readiness lens above the class (it shifts the lines below, so wait for it first)
  const lens = await page.waitForSelector(`.monaco-editor .codelens-decoration:has-text("${want.code_lens}")`,
    { timeout: 15000 }).catch(() => null);
  await d.shot('1-diagnostic.png');
  check('squiggle', squiggle, null);
  check('code_lens', lens, lens ? await lens.innerText() : null);

  // the status bar: running, the torch version of the workspace's settings, the bundled binary
  const running = await d.until(async () => (await d.status())?.icon === 'codicon-check');
  const status = await d.status();
  check('status_bar', running && status.text === 'ExportDB: torch 2.5', status);
  const tooltip = await d.statusTooltip();
  await d.shot('1b-status.png');
  check('status_tooltip', tooltip && /the server is running/.test(tooltip) && /bundled with the extension, exportdb /.test(tooltip)
    && /Target torch version: 2\.5 \(exportdb\.torchVersion\)/.test(tooltip), tooltip);
  // the workspace's exportdb.path (a script in the repository) was ignored: it never ran
  check('workspace_path_ignored', !fs.existsSync(process.env.TRAP_MARKER), process.env.TRAP_MARKER);

  await page.keyboard.press('Control+Shift+M');
  const where = `[Ln ${want.line + 1}, Col ${col + 1}]`;
  const problem = await page.waitForSelector(`.markers-panel .monaco-tl-row:has-text("${want.case}")`, { timeout: 15000 })
    .catch(() => null);
  const problemText = problem ? oneLine(await problem.innerText()) : null;
  await d.shot('2-problems.png');
  check('problems_row', problem, problemText);
  // "<message> exportdb(dynamic_shape_round) [Ln 6, Col 20]"; the code is a link to its ExportDB entry
  check('problems_row_source', problemText.includes(`${want.source} ${want.case}`), problemText);
  check('problems_row_position', problemText.includes(where), { problemText, where });
  check('one_problem', (await page.$$('.markers-panel .monaco-tl-row')).length === 2, 'file row + one marker');
  await page.keyboard.press('Control+Shift+M'); // close the panel again

  // the hover card on the finding; the cursor is placed with Go to Line (Ctrl+G "line:col"), as
  // the squiggle's box moves when the code lens or a re-pull re-renders the editor
  await d.gotoPosition(want.line + 1, col + 3);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I'); // editor.action.showHover
  // the diagnostic part shows first; the server's card follows
  const card = want.hover_contains.map((n) => `:has-text("${n}")`).join('');
  const hover = await page.waitForSelector(`.monaco-hover${card}`, { timeout: 15000 }).catch(() => null);
  if (!hover) console.error('hover:', await page.$$eval('.monaco-hover', (els) => els.map((e) => e.innerText)));
  await page.waitForTimeout(300);
  await d.shot('3-hover.png');
  check('hover_card', hover, want.hover_contains);
  await page.keyboard.press('Escape');

  // the quick fix: Ctrl+. on the finding, choose the fix, Enter
  await page.keyboard.press('Control+Period');
  await page.waitForSelector('.action-widget .monaco-list-row', { timeout: 15000 }).catch(() => null);
  const items = await page.$$eval('.action-widget .monaco-list-row.action', (els) => els.map((e) => e.textContent.trim()));
  await d.shot('4-quickfix.png');
  const fixAt = items.findIndex((t) => t.includes(want.fix_title_contains));
  const ignoreAt = items.findIndex((t) => t.includes(want.ignore_title));
  check('quickfix_menu', fixAt >= 0 && ignoreAt > fixAt, items);
  // the first item is focused; clicks are blocked by .context-view-pointerBlock, so use the keys
  for (let i = 0; i < fixAt; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const fixed = await d.until(async () => (await d.editorLines())[want.line] === want.fixed_line);
  await d.shot('5-fixed.png');
  check('fix_applied', fixed, await d.editorLines());
  const cleared = await d.until(async () => (await page.$('.monaco-editor .squiggly-error')) === null);
  check('diagnostic_cleared', cleared, null);
  const lensFixed = await page.waitForSelector(`.monaco-editor .codelens-decoration:has-text("${want.code_lens_fixed}")`,
    { timeout: 15000 }).catch(() => null);
  check('code_lens_refreshed', lensFixed, null);
  await page.keyboard.press('Control+S');
  const saved = await d.until(() => onDisk(process.env.WS_FILE).split('\n')[want.line] === want.fixed_line, 10000);
  check('saved_to_disk', saved, onDisk(process.env.WS_FILE));

  // every ExportDB command is in the palette, under its category, exactly as package.json lists them
  const manifest = JSON.parse(onDisk(process.env.MANIFEST));
  const wantCommands = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`).sort();
  await page.keyboard.press('F1');
  await page.keyboard.type('ExportDB: ');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 10000 });
  await page.waitForTimeout(500);
  const labels = await page.$$eval('.quick-input-list .monaco-list-row .label-name', (els) => els.map((e) => e.textContent.replace(/\u00a0/g, ' ').trim()));
  const palette = [...new Set(labels.filter((l) => l.startsWith('ExportDB: ')))].sort();
  await d.shot('6-palette.png');
  check('palette_commands', JSON.stringify(palette) === JSON.stringify(wantCommands), { palette, want: wantCommands });
  await page.keyboard.press('Escape');

  // our command from the palette: ExportDB: Apply All Safe Fixes on a file with a safe fix
  // (the extension fills in the active file's URI; the server answers with workspace/applyEdit)
  await d.row(path.basename(process.env.FIXALL_WS_FILE)).dblclick();
  // (at torch 2.5, from the workspace's settings, its finding is an error; at 2.13 a warning)
  const finding = await page.waitForSelector('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning', { timeout: 30000 })
    .catch(() => null);
  check('fixall_diagnostic', finding, null);
  await d.runCommand('ExportDB: Apply All Safe Fixes');
  const golden = onDisk(process.env.FIXALL_GOLDEN);
  const goldenLines = golden.replace(/\n$/, '').split('\n');
  const fixedAll = await d.until(async () => {
    const lines = await d.editorLines();
    return goldenLines.every((l, i) => lines[i] === l);
  });
  await d.shot('7-fixall.png');
  check('fixall_applied', fixedAll, await d.editorLines());
  await page.keyboard.press('Control+S');
  const fixallSaved = await d.until(() => onDisk(process.env.FIXALL_WS_FILE) === golden, 10000);
  check('fixall_saved', fixallSaved, onDisk(process.env.FIXALL_WS_FILE));

  // ExportDB: Show Logs opens the output channel, which says which binary runs
  await d.runCommand('ExportDB: Show Logs');
  const starts = await d.logLines('Starting ');
  await d.shot('8-logs.png');
  check('show_logs', starts.length === 1 && starts[0].includes('(from bundled)'), starts);

  // ExportDB: Restart Server: a second start, and the server is running again
  await d.runCommand('ExportDB: Restart Server');
  const restarted = await d.until(async () => (await d.logLines('Starting ')).length === 2, 20000);
  check('restart_logged', restarted, await d.logLines('Starting '));
  const runningAgain = await d.until(async () => (await d.status())?.icon === 'codicon-check', 20000);
  await d.shot('9-restarted.png');
  check('restart_running', runningAgain, await d.status());

  // the dims lens above Pool's forward: input boxes for the axis (x's rank is not known), the
  // dim (the offered name) and its range; the server edits pyproject.toml, the extension saves it
  await d.row(process.env.FILE).dblclick();
  const declare = page.locator('.monaco-editor .codelens-decoration a:has-text("Declare dynamic dims")').first();
  check('dims_lens', await declare.waitFor({ timeout: 20000 }).then(() => true, () => false), null);
  const before = onDisk(process.env.PYPROJECT);
  await declare.click();
  const box = async (prompt) => page.waitForSelector(`.quick-input-widget:has-text("${prompt}") input`, { state: 'visible', timeout: 15000 })
    .then(() => true, () => false);
  check('dims_axis_box', await box('Axis of x, counted from 0'), null);
  await page.keyboard.type('0');
  await page.keyboard.press('Enter');
  check('dims_name_box', await box('Dim of x[0]'), null);
  const offered = await page.inputValue('.quick-input-widget input');
  check('dims_offered_name', offered === 'batch', offered);
  await page.keyboard.press('Enter');
  check('dims_range_box', await box('Range of batch'), null);
  await page.keyboard.type('1..64');
  await d.shot('10-dims-range.png');
  await page.keyboard.press('Enter');
  const entry = '\n[tool.exportdb.dynamic-shapes."model.pool.Pool"]\nx = { 0 = { dim = "batch", min = 1, max = 64 } }\n';
  const written = await d.until(() => onDisk(process.env.PYPROJECT) === before + entry, 15000);
  check('dims_saved', written, { got: onDisk(process.env.PYPROJECT), want: before + entry });
  const declared = await page.waitForSelector('.monaco-editor .codelens-decoration:has-text("dims: x[0]=batch (pyproject.toml)")',
    { timeout: 20000 }).catch(() => null);
  await d.shot('11-dims-declared.png');
  check('dims_lens_declared', declared, null);
}

async function restrictedSession(page) {
  const d = driver(page);
  const statusIs = (icon, ms = 30000) => d.until(async () => (await d.status())?.icon === icon, ms);
  // the Settings editor on exportdb.path; a machine setting, in a remote window (code-server is
  // one) it lives in the Remote tab
  const pathSetting = async () => {
    await d.runCommand('Preferences: Open User Settings');
    await page.waitForSelector('.settings-editor .settings-header', { timeout: 15000 });
    await page.waitForTimeout(500); // the search box has the focus when the editor opens
    await page.keyboard.type('exportdb.path');
    await page.locator('.settings-editor .settings-tabs-widget .action-label:has-text("Remote")').first().click();
    const input = page.locator('.settings-editor .setting-item-contents:has-text("Path") input').first();
    await input.waitFor({ timeout: 15000 });
    await input.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    return input;
  };
  const machineSetting = () => onDisk(process.env.MACHINE_SETTINGS);

  // the workspace is not trusted: VS Code shows Restricted Mode in the status bar
  const restricted = await page.waitForSelector('.statusbar-item:has-text("Restricted Mode")', { timeout: 60000 }).catch(() => null);
  check('restricted_mode', restricted, null);
  await d.openFixture();

  // 1. the user's exportdb.path points into the untrusted workspace: refused, said, never run
  const failed = await statusIs('codicon-error');
  const message = await page.waitForSelector('.notifications-toasts .notification-list-item:has-text("not trusted")', { timeout: 15000 })
    .catch(() => null);
  await d.shot('1-refused.png');
  check('status_refused', failed, await d.status());
  check('message_refused', message, message ? oneLine(await message.innerText()) : null);
  const tooltip = await d.statusTooltip();
  check('status_tooltip_refused', tooltip && /the server is not running/.test(tooltip) && /not trusted/.test(tooltip), tooltip);
  check('workspace_binary_not_run', !fs.existsSync(process.env.VENV_MARKER), process.env.VENV_MARKER);
  await page.keyboard.press('Escape');

  // 2. the user clears the setting: the universal package has no binary, so exportdb comes from
  // PATH, and it runs in Restricted Mode
  await pathSetting();
  await page.keyboard.press('Tab');
  check('setting_cleared', await d.until(() => !/"exportdb\.path"/.test(machineSetting()), 10000), machineSetting());
  await page.keyboard.press('Control+W'); // back to pool.py
  const squiggle = await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 60000 }).catch(() => null);
  const running = await statusIs('codicon-check', 20000);
  await d.shot('2-path.png');
  check('squiggle_restricted', squiggle, null);
  check('status_running', running && (await d.status()).text === 'ExportDB: torch 2.5', await d.status());
  const pathTooltip = await d.statusTooltip();
  check('status_tooltip_path', pathTooltip && /Binary: \S+\/exportdb \(PATH, exportdb /.test(pathTooltip), pathTooltip);
  check('still_restricted', await page.$('.statusbar-item:has-text("Restricted Mode")'), null);

  // 3. the setting again: refused again while the workspace is untrusted
  await pathSetting();
  await page.keyboard.type('${workspaceFolder}/.venv/bin/exportdb');
  await page.keyboard.press('Tab');
  check('setting_set', await d.until(() => machineSetting().includes('${workspaceFolder}/.venv/bin/exportdb'), 10000), machineSetting());
  check('status_refused_again', await statusIs('codicon-error'), await d.status());
  check('workspace_binary_still_not_run', !fs.existsSync(process.env.VENV_MARKER), process.env.VENV_MARKER);
  await page.keyboard.press('Control+W');

  // 4. the user trusts the workspace: the server starts from it at once
  await d.runCommand('Workspaces: Manage Workspace Trust');
  const trust = page.locator('.workspace-trust-editor .monaco-button:text-is("Trust")').first();
  await trust.waitFor({ timeout: 15000 });
  await d.shot('3-trust.png');
  await trust.click();
  const trusted = await statusIs('codicon-check', 30000);
  await d.shot('4-trusted.png');
  check('status_running_trusted', trusted, await d.status());
  check('workspace_binary_run', fs.existsSync(process.env.VENV_MARKER), process.env.VENV_MARKER);
  const venvTooltip = await d.statusTooltip();
  check('status_tooltip_setting', venvTooltip && /\.venv\/bin\/exportdb \(exportdb\.path, exportdb /.test(venvTooltip), venvTooltip);
  check('trap_not_run', !fs.existsSync(process.env.TRAP_MARKER), process.env.TRAP_MARKER);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => { if (m.type() === 'error') console.error('[console]', m.text().slice(0, 200)); });
  let code = 0;
  try {
    await page.goto(process.env.URL, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await (process.env.MODE === 'restricted' ? restrictedSession(page) : mainSession(page));
  } catch (e) {
    code = 1;
    results.push({ error: String((e && e.stack) || e) });
    await page.screenshot({ path: path.join(shots, 'error.png') }).catch(() => {});
  }
  fs.writeFileSync(path.join(shots, 'result.json'), JSON.stringify(results, null, 1));
  for (const r of results) console.log(r.error ? r.error : `${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${(r.ms / 1000).toFixed(1)} s)`);
  await browser.close();
  process.exit(code);
})();
