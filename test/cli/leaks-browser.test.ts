import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSuite } from '../helpers/browser.js';
import { heapSnapshotJson, type SnapshotNode } from '../helpers/heap-snapshots.js';
import { ROOT, runCli } from '../helpers/paths.js';

/**
 * `leaks -o page.html` in real Chromium: README's leak hunt recorded with allocation tracking,
 * each cluster's retainer path beside its allocation stack, the classes without V8's own
 * objects, a click that finds a cluster in the flame graph; hostile names stay text.
 */

// These run in the page, where the DOM exists; this project compiles without DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const document: any;

const { skip, files, open: openPage } = browserSuite('leaks-html');

async function open(file: string) {
  const opened = await openPage(readFileSync(file, 'utf8'), '.html');
  await opened.page.waitForFunction(() => window.heapflame?.ready === true, undefined, { timeout: 10_000 });
  return opened;
}

test("README's leak hunt as a page: who holds each leak beside who allocated it", {
  skip,
  timeout: 120_000,
}, async () => {
  const stem = join(files.dir, 'hunt');
  const rec = runCli(
    [
      'record',
      '--track-allocations',
      '--snapshot',
      'exit',
      '--snapshot-every',
      '0.4',
      '-o',
      `${stem}.heapflame`,
      '--',
      process.execPath,
      join(ROOT, 'examples/leak-hunt/sessions.mjs'),
    ],
    { timeout: 90_000 },
  );
  assert.equal(rec.code, 0, rec.stderr);
  const html = `${stem}.html`;
  const r = runCli(['leaks', `${stem}.every-1.heapsnapshot`, `${stem}.exit.heapsnapshot`, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(html);
  assert.equal(await page.isVisible('#leaks-section'), true);
  const clusters = await page.$$eval('#leaks > li', (lis: { textContent: string }[]) => lis.map((l) => l.textContent));
  const session = clusters.findIndex((t: string) => /× Session: /.test(t));
  const listener = clusters.findIndex((t: string) => /× onLogout\(\): /.test(t));
  assert.ok(session >= 0 && session < 3 && listener >= 0 && listener < 3, clusters.slice(0, 3).join('\n'));
  // the path reads from the root to the object; the steps inside Node and V8 are folded away
  const first = `#leaks > li:nth-child(${session + 1})`;
  const path = await page.textContent(`${first} .path`);
  assert.match(path!, /--sessions \(context\)--> Map @\d+[\s\S]*--table \(internal\)--> \(array\)[\s\S]*Session @\d+/);
  assert.equal(await page.isVisible(`${first} .path details ol`), false, 'Node and V8 steps folded');
  assert.match((await page.textContent(`${first} .stack`))!, /handleLogin .*sessions\.mjs:21/);
  // find in graph: the cluster's frames are matched
  await page.click(`${first} .find`);
  assert.equal(await page.inputValue('#search'), '^\\[\\] → Session$');
  assert.match((await page.textContent('#matched'))!, /Matched: \d/);
  // classes: the program's; V8's own when asked for
  const classes = () =>
    page.$$eval('#classes tr td:nth-child(4)', (tds: { textContent: string }[]) => tds.map((t) => t.textContent));
  assert.ok((await classes()).includes('Session'));
  assert.ok(!(await classes()).includes('(compiled code)'));
  await page.check('#show-internal');
  assert.ok((await classes()).includes('(compiled code)'));
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(
    seen.requests.filter((u: string) => !u.startsWith('file:')),
    [],
  );
  await page.close();
});

test('hostile class and reference names in a leaks page are text, never markup or script', { skip }, async () => {
  const evil = ['<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>', '"><svg onload=alert(3)>'];
  const heap = (leaked: number): string => {
    const nodes: SnapshotNode[] = [
      { type: 'synthetic', name: '', size: 0, id: 1, edges: [['element', 1, 1]] },
      { type: 'synthetic', name: '(GC roots)', size: 0, id: 3, edges: [['property', evil[2], 2]] },
      { type: 'object', name: evil[1], size: 32, id: 5, edges: [] },
    ];
    for (let i = 0; i < leaked; i++) {
      nodes[2].edges?.push(['element', i, nodes.length]);
      nodes.push({ type: 'object', name: evil[0], size: 100, id: 1001 + 2 * i });
    }
    return heapSnapshotJson(nodes);
  };
  const base = files.file(Buffer.from(heap(0)));
  const target = files.file(Buffer.from(heap(3)));
  const html = join(files.dir, 'evil.html');
  const r = runCli(['leaks', base, target, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(html);
  assert.match((await page.textContent('#leaks'))!, /3 × <img src=x onerror=alert\(1\)>/);
  assert.match((await page.textContent('#leaks'))!, /<\/script><script>alert\(2\)<\/script> @5/);
  assert.match((await page.textContent('#classes'))!, /<img src=x onerror=alert\(1\)>/);
  assert.equal(await page.evaluate(() => document.querySelectorAll('script').length), 2, 'data and viewer only');
  assert.equal(await page.evaluate(() => document.querySelectorAll('img, svg').length), 0);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await page.close();
});
