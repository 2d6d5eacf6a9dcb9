import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite } from '../helpers/browser.js';
import { importFolded } from '../../src/import/folded/importer.js';
import { renderSvg } from '../../src/export/svg.js';

/**
 * The SVG as a user meets it, in real Chromium (Debian's, through playwright-core): zoom,
 * search with its percentage, and names that try to run script.
 */

// These run in the page, where the DOM exists; this project compiles without DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const window: any;

const { skip, files, open: openPage } = browserSuite('svg-browser');

const open = (svg: string) => openPage(svg, '.svg');

const frameBox = (page: Page, name: string) =>
  page.evaluate((n) => {
    // biome-ignore lint/suspicious/noExplicitAny: a page element, untyped here
    const g = [...document.querySelectorAll('#frames > g')].find((e: any) =>
      e.querySelector('title').textContent.startsWith(`${n} (`),
    );
    const r = g.querySelector('rect');
    return {
      x: +r.getAttribute('x'),
      width: +r.getAttribute('width'),
      cls: g.getAttribute('class') ?? '',
      title: g.querySelector('title').textContent,
    };
  }, name);

test('click zooms, Reset Zoom restores; search highlights and Matched stays right when zoomed', { skip }, async () => {
  const p = await importFolded(files.file('main;left;a 30\nmain;left;b 10\nmain;right;a 60\n'));
  const { page, seen } = await open(renderSvg(p, { minWidth: 0 }));
  assert.equal((await frameBox(page, 'main')).width, 1180);
  // search "^a$": 90 of 100 samples
  await page.evaluate(() => window.heapflame.search('^a$'));
  assert.equal(await page.textContent('#matched'), 'Matched: 90.0%');
  // zoom into "left" (40 samples): a is 30 of them
  await page.click('#frames > g:has(title:text-matches("^left "))');
  const left = await frameBox(page, 'left');
  assert.equal(left.width, 1180);
  assert.equal((await frameBox(page, 'right')).cls, 'hide');
  assert.equal((await frameBox(page, 'main')).cls, 'parent');
  assert.equal(await page.textContent('#matched'), 'Matched: 75.0%');
  assert.notEqual(await page.getAttribute('#unzoom', 'class'), 'hide');
  // hovering shows the share of the zoomed frame
  await page.hover('#frames > g:has(title:text-matches("^b "))');
  assert.match(
    (await page.textContent('#details'))!,
    /^Function: b \(10 samples, 10\.00%\); 25\.00% of the zoomed frame$/,
  );
  await page.click('#unzoom');
  assert.equal((await frameBox(page, 'right')).cls, '');
  assert.equal(await page.textContent('#matched'), 'Matched: 90.0%');
  // case toggle: "^A$" matches only when ignoring case
  await page.evaluate(() => window.heapflame.search('^A$'));
  assert.equal(await page.textContent('#matched'), 'Matched: 0.0%');
  await page.click('#ignorecase');
  assert.equal(await page.textContent('#matched'), 'Matched: 90.0%');
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('Ctrl-F asks for a regular expression', { skip }, async () => {
  const p = await importFolded(files.file('main;x 1\nmain;y 3\n'));
  const { page } = await open(renderSvg(p, { minWidth: 0 }));
  page.removeAllListeners('dialog');
  page.once('dialog', (d) => d.accept('^y$'));
  await page.keyboard.press('Control+f');
  await page.waitForFunction(() => document.getElementById('matched').textContent !== ' ');
  assert.equal(await page.textContent('#matched'), 'Matched: 75.0%');
  assert.equal(await page.textContent('#search'), 'Reset Search');
  await page.close();
});

test('hostile names and titles: no script runs, no request leaves, the page has no errors', { skip }, async () => {
  const names = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    ']]><script>alert(3)</script>',
    '"><svg onload=alert(4)>',
    "javascript:alert('5')",
    '\u0001\u001b[31m',
    'x'.repeat(5000),
  ];
  const p = await importFolded(files.file(names.map((n, i) => `main;${n} ${i + 1}\n`).join('')));
  const { page, seen, url } = await open(
    renderSvg(p, {
      minWidth: 0,
      title: '<script>alert("t")</script>',
      subtitle: '<img src=x onerror=alert(7)>',
      notes: '--><script>alert(8)</script>',
    }),
  );
  for (const n of names.slice(0, 4)) {
    await page.hover(
      `#frames > g:has(title:text-matches("^${n.slice(0, 4).replace(/[[\]()<>"^$.*+?|\\]/g, '\\$&')}"))`,
    );
  }
  await page.click('#frames > g:nth-child(3)');
  await page.evaluate(() => window.heapflame.search('script'));
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.requests, [url]);
  assert.equal(await page.evaluate(() => document.querySelectorAll('script').length), 1);
  await page.close();
});
