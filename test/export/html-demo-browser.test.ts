import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { browserSuite } from '../helpers/browser.js';
import { ROOT, runCli } from '../helpers/paths.js';

/**
 * The demo's HTML reports in Chromium, as a new user opens them: the findings name the
 * planted problems at their TypeScript lines, the diffs show the fix, and screenshots of each
 * page are kept (HEAPFLAME_SCREENSHOTS, default screenshots/: CI keeps the folder).
 */

// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const document: any;

const { skip, files, open: openPage } = browserSuite('html-demo');
const SHOTS = process.env.HEAPFLAME_SCREENSHOTS ?? join(ROOT, 'screenshots');
const demo = join(files.dir, 'demo');

before(() => {
  if (skip) return;
  const r = runCli(['demo', '-o', demo], { timeout: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  mkdirSync(SHOTS, { recursive: true });
});

async function openDemo(name: string) {
  const opened = await openPage(readFileSync(join(demo, name), 'utf8'), '.html');
  await opened.page.waitForFunction(() => window.heapflame?.ready === true, undefined, { timeout: 10_000 });
  await opened.page.screenshot({ path: join(SHOTS, `demo-${name.replace(/\.html$/, '')}.png`), fullPage: true });
  return opened;
}

const rowsOf = (page: import('playwright-core').Page, body: string) =>
  page.$$eval(`#${body} tr`, (trs: { textContent: string }[]) => trs.map((t) => t.textContent));

test('the demo before the fix: findings name the planted problems at their TypeScript lines', { skip }, async () => {
  const { page, seen, url } = await openDemo('before.html');
  const findings = await page.$$eval('#findings li', (ls: { textContent: string }[]) => ls.map((l) => l.textContent));
  // Node 20: the forgotten tasks first. Node 26 also sees what is alive at exit, so a sampled leak
  // comes first: the bodies the tasks hold, or the object catalog (alive by design), by a sample.
  const at = (name: string) => new RegExp(`^[a-z ]+: ${name} \\(.*examples/s3-get/[a-z]+\\.ts:\\d+\\): `);
  assert.match(
    findings[0],
    process.versions.node.startsWith('20.') ? at('startAccessLogTask') : /^(leak|forgotten tasks): /,
  );
  assert.ok(
    findings.some((f: string) => /^forgotten tasks: startAccessLogTask \(.*handler\.ts:\d+\): ([\d,]+) of \1/.test(f)),
    findings.join('\n'),
  );
  assert.ok(
    findings.some((f: string) => at('readObjectBody').test(f) && f.startsWith('most allocated')),
    findings.join('\n'),
  );
  // the first finding opens the graph on its cost, zoomed to its function
  await page.click('#findings li:nth-child(1) button');
  const crumbs = await page.$$eval('#crumbs button', (bs: { textContent: string }[]) => bs.map((b) => b.textContent));
  // "kind: name (place): …"; a name may hold spaces ("(unknown stack)")
  const named = findings[0].slice(findings[0].indexOf(': ') + 2);
  assert.ok(
    crumbs.length > 1 && (named.startsWith(`${crumbs.at(-1)} (`) || named.startsWith(`${crumbs.at(-1)}: `)),
    `${crumbs.at(-1)} vs ${findings[0]}`,
  );
  // tables and tooltips say where: the source map's TypeScript file and line
  await page.selectOption('#cost', '0');
  const top = await rowsOf(page, 'top');
  assert.match(top[0], /readObjectBody.*examples\/s3-get\/handler\.ts:\d+$/);
  const node = await page.evaluate(() => window.heapflame.nodesOf('readObjectBody')[0]);
  const tip = await page.evaluate((n: number) => window.heapflame.describe(n), node);
  assert.match(tip[1], /examples\/s3-get\/handler\.ts:\d+$/);
  // the (anonymous) functions of two files are two frames; merged by name they are one
  const anonymous = await page.evaluate(() => window.heapflame.nodesOf('(anonymous)').length);
  assert.ok(top.filter((r: string) => r.includes('(anonymous)')).length >= 2, top.join('\n'));
  await page.check('#by-name');
  const merged = await page.evaluate(() => window.heapflame.nodesOf('(anonymous)').length);
  assert.ok(merged < anonymous, `${merged} vs ${anonymous}`);
  const search = await page.evaluate(() => {
    window.heapflame.search('handler\\.ts');
    return document.getElementById('matched')!.textContent;
  });
  assert.match(search, /^Matched: /, 'search matches files too');
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.requests, [url]);
  await page.close();
});

test('the demo diff of allocated bytes shows the removed readObjectBody cost', { skip }, async () => {
  const { page, seen } = await openDemo('diff-allocated.html');
  const api = (js: string) => page.evaluate(`window.heapflame.${js}`) as Promise<number>;
  // opens on the larger side of each frame: the removed function keeps its width
  assert.equal(await page.inputValue('#cost'), '2');
  const sum = (cost: number) =>
    api(`nodesOf('readObjectBody').reduce((s, n) => s + window.heapflame.total(${cost}, n), 0)`);
  const share = (await sum(2)) / (await api('total(2, 0)'));
  assert.ok(share > 0.9, `readObjectBody is ${share} of the width`);
  assert.equal(await sum(1), 0);
  const rows = await rowsOf(page, 'changes');
  // among the largest changes (its callers lose as much, a sample more or less)
  const row = rows.slice(0, 5).find((r: string) => r.includes('readObjectBody'));
  assert.match(row ?? rows.join('\n'), /^\d+ MiB \([\d,]+ B\)0 B-\d+ MiB.*-100\.0%readObjectBody.*handler\.ts$/);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the demo diff of forgotten tasks is drawn: all of them before, none after', { skip }, async () => {
  const { page, seen } = await openDemo('diff-tasks.html');
  const api = (js: string) => page.evaluate(`window.heapflame.${js}`) as Promise<number>;
  // 500 intervals and 500 promises (Node 26 samples promises, 1 in 16, each counting 16)
  const before = await api('total(0, 0)');
  assert.ok(before > 900, `${before} tasks before`);
  assert.equal(await api('total(1, 0)'), 0);
  assert.equal(await api('total(2, 0)'), before, 'the graph has the removed tasks to draw');
  const n = before.toLocaleString('en-US');
  assert.ok((await rowsOf(page, 'changes')).some((r: string) => r.startsWith(`${n}0-${n}-100.0%startAccessLogTask`)));
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the demo after the fix opens without findings of the planted problems', { skip }, async () => {
  const { page, seen } = await openDemo('after.html');
  const findings = await page.$$eval('#findings li', (ls: { textContent: string }[]) => ls.map((l) => l.textContent));
  assert.ok(!findings.some((f: string) => /startAccessLogTask|readObjectBody \(/.test(f)), findings.join('\n'));
  assert.deepEqual(seen.errors, []);
  await page.close();
});
