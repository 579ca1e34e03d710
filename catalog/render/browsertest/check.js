// Loads every page of the HTML catalog (exportdb docs --format html) in Debian's Chromium,
// driven by playwright-core (which never downloads a browser), at a desktop and a phone
// width, and checks what a reader sees:
//   - nothing is requested from the network (every request is a file:// URL) and no script
//     error is logged;
//   - no page scrolls sideways at 375 px (wide tables and code scroll inside their own box);
//   - the navigation wraps: every link stays inside the viewport, on several rows on a phone;
//   - descriptions show their Markdown (code spans, lists; no backtick left in the text);
//   - examples are syntax-highlighted (keywords in a colour of their own).
// Screenshots of the index, its level table and one card (description, then code) at both
// widths go to $ARTEFACTS, with result.json.
//
// Usage: SITE=/path/to/site ARTEFACTS=/path/to/dir [CHROMIUM=/usr/bin/chromium] node check.js
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const site = process.env.SITE;
const artefacts = process.env.ARTEFACTS || path.join(__dirname, 'artefacts');
if (!site || !fs.existsSync(path.join(site, 'index.html'))) {
  console.error('check.js: SITE must name a directory with index.html (exportdb docs --format html --out DIR)');
  process.exit(2);
}
fs.mkdirSync(artefacts, { recursive: true });

const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
const results = [];
const check = (name, ok, detail) => {
  results.push({ name, ok: !!ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ' ' + JSON.stringify(detail)}`);
};

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const pages = fs.readdirSync(site).filter((f) => f.endsWith('.html')).sort();
  check('the site has an index and tag pages', pages.includes('index.html') && pages.length > 10, pages);
  try {
    for (const [device, opts] of Object.entries(viewports)) {
      const context = await browser.newContext(opts);
      const remote = [];
      const errors = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file://')) return route.continue();
        remote.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      const width = opts.viewport.width;
      for (const name of pages) {
        await page.goto('file://' + path.resolve(site, name), { waitUntil: 'load' });
        const layout = await page.evaluate(() => {
          const vw = window.innerWidth;
          const wide = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > vw + 0.5 && !el.closest('pre, .scroll')) wide.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.right)}px`);
          }
          const links = [...document.querySelectorAll('nav a')].map((a) => a.getBoundingClientRect());
          const rows = new Set(links.map((r) => Math.round(r.top)));
          return {
            scrollWidth: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 5),
            navOutside: links.filter((r) => r.left < 0 || r.right > vw + 0.5).length, navRows: rows.size, navLinks: links.length,
            backticks: [...document.querySelectorAll('.desc')].filter((d) => d.textContent.includes('`')).length,
          };
        });
        // a phone widens its layout viewport (zooms out) when a page is wider than the screen
        check(`${device} ${name}: no horizontal overflow`, layout.scrollWidth <= layout.vw && layout.vw === width, layout);
        check(`${device} ${name}: every navigation link is inside the viewport`, layout.navLinks > 3 && layout.navOutside === 0, layout);
        if (device === 'phone') {
          check(`${device} ${name}: the navigation wraps onto several rows`, layout.navRows > 1, layout);
        }
        check(`${device} ${name}: descriptions show no raw Markdown`, layout.backticks === 0, layout);
      }
      await page.goto('file://' + path.resolve(site, 'index.html'), { waitUntil: 'load' });
      const rendering = await page.evaluate(() => {
        const kw = document.querySelector('pre.py .k');
        const plain = document.querySelector('pre.py code');
        return {
          keywords: document.querySelectorAll('pre.py .k').length,
          strings: document.querySelectorAll('pre.py .s').length,
          coloured: !!kw && getComputedStyle(kw).color !== getComputedStyle(plain).color,
          listWithCode: document.querySelectorAll('#cond-operands .desc li code').length,
          fencedPython: document.querySelectorAll('#cond-branch-nonlocal-variables .desc pre.py .k').length,
          paragraphs: document.querySelectorAll('#cond-operands .desc p').length,
        };
      });
      check(`${device}: examples are highlighted (keywords in their own colour)`, rendering.keywords > 50 && rendering.coloured, rendering);
      check(`${device}: descriptions render lists with code spans and fenced Python`, rendering.listWithCode === 2 && rendering.fencedPython > 0 && rendering.paragraphs === 2, rendering);
      await page.screenshot({ path: path.join(artefacts, `${device}-index.png`) });
      await page.evaluate(() => document.querySelector('#cond-branch-nonlocal-variables').scrollIntoView());
      await page.screenshot({ path: path.join(artefacts, `${device}-card.png`) });
      await page.evaluate(() => document.querySelector('#cond-branch-nonlocal-variables h4').scrollIntoView());
      await page.screenshot({ path: path.join(artefacts, `${device}-card-code.png`) });
      await page.goto('file://' + path.resolve(site, 'index.html#by-level'), { waitUntil: 'load' });
      await page.screenshot({ path: path.join(artefacts, `${device}-by-level.png`) });
      check(`${device}: nothing was requested from the network`, remote.length === 0, remote.slice(0, 5));
      check(`${device}: no script errors`, errors.length === 0, errors.slice(0, 5));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(artefacts, 'result.json'), JSON.stringify(results, null, 2) + '\n');
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed; screenshots in ${artefacts}`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
