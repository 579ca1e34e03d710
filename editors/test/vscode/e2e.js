// Drives code-server's real VS Code workbench in Debian's chromium through playwright-core, with
// OUR extension installed (run.sh sets everything up). Checks, on fixtures/pool.py:
//   the error squiggle, the readiness code lens, the Problems view row (case name, Ln/Col of the
//   finding), the hover card, the quick fix through Ctrl+. and Enter, the edited buffer, the saved
//   file; then our commands:
//   "ExportDB: Apply All Safe Fixes" on fixtures/scratch.py (result = scratch.fixed.py) and
//   "ExportDB: Show Logs" with the server's origin (the bundled binary unless SERVER is set).
// Env: URL, WS_FILE, FILE, FOLDER, EXPECT, FIXALL_WS_FILE, FIXALL_GOLDEN, EXPECT_ORIGIN, SHOTS,
// PLAYWRIGHT_CORE. Writes SHOTS/*.png and result.json.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const shots = process.env.SHOTS;
const want = JSON.parse(fs.readFileSync(process.env.EXPECT, 'utf8'));
const fixtureLine = fs.readFileSync(process.env.WS_FILE, 'utf8').split('\n')[want.line];
const col = fixtureLine.indexOf(want.span); // 0-based, from the fixture text
const results = [];
const check = (name, ok, detail) => {
  results.push({ name, ok: !!ok, detail });
  if (!ok) throw new Error(`FAILED: ${name} ${JSON.stringify(detail)}`);
};
const text = (s) => s.replace(/\u00a0/g, ' ');
const oneLine = (s) => text(s).replace(/\s+/g, ' ').trim();

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => { if (m.type() === 'error') console.error('[console]', m.text().slice(0, 200)); });
  const shot = (name) => page.screenshot({ path: path.join(shots, name) });
  // the visible lines of the active editor, top to bottom
  const editorLines = () => page.$$eval('.monaco-editor .view-lines .view-line', (els) =>
    els.map((e) => ({ top: parseFloat(e.style.top), t: e.textContent.replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top).map((e) => e.t));
  // polls cond (sync or async) every 200 ms for up to ms; true once it holds
  const until = async (cond, ms = 15000) => {
    for (const end = Date.now() + ms; Date.now() < end; await page.waitForTimeout(200)) {
      if (await cond()) return true;
    }
    return !!(await cond());
  };
  const runCommand = async (title) => {
    await page.keyboard.press('F1');
    await page.keyboard.type(title);
    await page.waitForSelector(`.quick-input-list .monaco-list-row:has-text("${title}")`, { timeout: 10000 });
    await page.keyboard.press('Enter');
  };
  const gotoPosition = async (line, column) => {
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 10000 });
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press('Enter');
  };
  let code = 0;
  try {
    await page.goto(process.env.URL, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForSelector('.explorer-folders-view', { timeout: 60000 });
    // open model/pool.py from the Explorer (Quick Open lists files but did not open them here)
    const row = (label) => page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${label}"]`).first();
    await row(process.env.FOLDER).waitFor({ timeout: 30000 });
    await row(process.env.FOLDER).click();
    await row(process.env.FILE).waitFor({ timeout: 30000 });
    await row(process.env.FILE).dblclick();
    await page.waitForSelector('.monaco-editor .view-lines', { timeout: 20000 });

    // the diagnostic: a squiggle, then the Problems view row
    const squiggle = await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 60000 }).catch(() => null);
    // the readiness lens above the class (it shifts the lines below, so wait for it first)
    const lens = await page.waitForSelector(`.monaco-editor .codelens-decoration:has-text("${want.code_lens}")`,
      { timeout: 15000 }).catch(() => null);
    await shot('1-diagnostic.png');
    check('squiggle', squiggle, null);
    check('code_lens', lens, lens ? await lens.innerText() : null);
    await page.keyboard.press('Control+Shift+M');
    const where = `[Ln ${want.line + 1}, Col ${col + 1}]`;
    const problem = await page.waitForSelector(`.markers-panel .monaco-tl-row:has-text("${want.case}")`, { timeout: 15000 })
      .catch(() => null);
    const problemText = problem ? oneLine(await problem.innerText()) : null;
    await shot('2-problems.png');
    check('problems_row', problem, problemText);
    // "<message> exportdb(dynamic_shape_round) [Ln 6, Col 20]"; the code is a link to its ExportDB entry
    check('problems_row_source', problemText.includes(`${want.source} ${want.case}`), problemText);
    check('problems_row_position', problemText.includes(where), { problemText, where });
    check('one_problem', (await page.$$('.markers-panel .monaco-tl-row')).length === 2, 'file row + one marker');
    await page.keyboard.press('Control+Shift+M'); // close the panel again

    // the hover card on the finding; the cursor is placed with Go to Line (Ctrl+G "line:col"), as
    // the squiggle's box moves when the code lens or a re-pull re-renders the editor
    await gotoPosition(want.line + 1, col + 3);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I'); // editor.action.showHover
    // the diagnostic part shows first; the server's card follows
    const card = want.hover_contains.map((n) => `:has-text("${n}")`).join('');
    const hover = await page.waitForSelector(`.monaco-hover${card}`, { timeout: 15000 }).catch(() => null);
    if (!hover) console.error('hover:', await page.$$eval('.monaco-hover', (els) => els.map((e) => e.innerText)));
    await page.waitForTimeout(300);
    await shot('3-hover.png');
    check('hover_card', hover, want.hover_contains);
    await page.keyboard.press('Escape');

    // the quick fix: Ctrl+. on the finding, choose the fix, Enter
    await page.keyboard.press('Control+Period');
    await page.waitForSelector('.action-widget .monaco-list-row', { timeout: 15000 }).catch(() => null);
    const items = await page.$$eval('.action-widget .monaco-list-row.action', (els) => els.map((e) => e.textContent.trim()));
    await shot('4-quickfix.png');
    const fixAt = items.findIndex((t) => t.includes(want.fix_title_contains));
    const ignoreAt = items.findIndex((t) => t.includes(want.ignore_title));
    check('quickfix_menu', fixAt >= 0 && ignoreAt > fixAt, items);
    // the first item is focused; clicks are blocked by .context-view-pointerBlock, so use the keys
    for (let i = 0; i < fixAt; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const fixed = await until(async () => (await editorLines())[want.line] === want.fixed_line);
    await shot('5-fixed.png');
    check('fix_applied', fixed, await editorLines());
    const cleared = await until(async () => (await page.$('.monaco-editor .squiggly-error')) === null);
    check('diagnostic_cleared', cleared, null);
    await page.keyboard.press('Control+S');
    const onDisk = (file) => fs.readFileSync(file, 'utf8');
    const saved = await until(() => onDisk(process.env.WS_FILE).split('\n')[want.line] === want.fixed_line, 10000);
    check('saved_to_disk', saved, onDisk(process.env.WS_FILE));

    // our command from the palette: ExportDB: Apply All Safe Fixes on a file with a safe fix
    // (the extension fills in the active file's URI; the server answers with workspace/applyEdit)
    await row(path.basename(process.env.FIXALL_WS_FILE)).dblclick();
    const warn = await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 30000 }).catch(() => null);
    check('fixall_diagnostic', warn, null);
    await runCommand('ExportDB: Apply All Safe Fixes');
    const golden = onDisk(process.env.FIXALL_GOLDEN);
    const goldenLines = golden.replace(/\n$/, '').split('\n');
    const fixedAll = await until(async () => {
      const lines = await editorLines();
      return goldenLines.every((l, i) => lines[i] === l);
    });
    await shot('6-fixall.png');
    check('fixall_applied', fixedAll, await editorLines());
    await page.keyboard.press('Control+S');
    const fixallSaved = await until(() => onDisk(process.env.FIXALL_WS_FILE) === golden, 10000);
    check('fixall_saved', fixallSaved, onDisk(process.env.FIXALL_WS_FILE));

    // our command: ExportDB: Show Logs opens the output channel, which says which binary runs
    await runCommand('ExportDB: Show Logs');
    const origin = process.env.EXPECT_ORIGIN || 'bundled';
    // the channel is long (trace is on) and its view virtualised: filter it to the start line
    const filter = page.locator('.panel input[placeholder^="Filter"]').first();
    await filter.waitFor({ timeout: 10000 });
    await filter.fill('Starting');
    const log = await page.waitForSelector(`.output-view .view-line:has-text("(from ${origin})")`, { timeout: 15000 })
      .catch(() => null);
    await shot('7-logs.png');
    check('show_logs', log, origin);
  } catch (e) {
    code = 1;
    results.push({ error: String((e && e.stack) || e) });
    await shot('error.png').catch(() => {});
  }
  fs.writeFileSync(path.join(shots, 'result.json'), JSON.stringify(results, null, 1));
  for (const r of results) console.log(r.error ? r.error : `${r.ok ? 'ok  ' : 'FAIL'} ${r.name}`);
  await browser.close();
  process.exit(code);
})();
