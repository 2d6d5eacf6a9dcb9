import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSuite } from '../helpers/browser.js';
import { importFolded } from '../../src/import/folded/importer.js';
import { importHeaptrack } from '../../src/import/heaptrack/importer.js';
import { renderHtml } from '../../src/export/html.js';
import { renderSvg } from '../../src/export/svg.js';
import { formatBytes } from '../../src/export/format.js';
import { loadProfile } from '../../src/load.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { fixture, fixtureFile, ROOT, runCli } from '../helpers/paths.js';

/** The HTML report in real Chromium: offline, every cost, zoom, search, hostile names. */

// These run in the page, where the DOM exists; this project compiles without DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals, untyped here
declare const document: any;
declare const devicePixelRatio: number;

const { skip, files, open: openPage } = browserSuite('html');

async function open(html: string) {
  const opened = await openPage(html, '.html');
  await opened.page.waitForFunction(() => window.heapflame?.ready === true, undefined, { timeout: 10_000 });
  return opened;
}

test('findings first: the native demo opens on its planted problems; a click shows one in the graph', {
  skip,
}, async () => {
  const p = await loadProfile(join(ROOT, 'examples/demo/heaptrack.s3-get.zst'));
  const { page, seen, url } = await open(renderHtml(p));
  const items = await page.$$eval('#findings li', (ls: { textContent: string }[]) => ls.map((l) => l.textContent));
  assert.match(items[0], /^leak: s3sim::cache_hot_object \(.*s3sim\.rs:243\): 300 KiB of 460 KiB leaked bytes/);
  assert.ok(
    items.some((t: string) => t.startsWith('temporary allocations: s3sim::read_object_body')),
    items.join('\n'),
  );
  assert.ok(
    items.some((t: string) => t.startsWith('peak: s3sim::assemble_multipart_object')),
    items.join('\n'),
  );
  // the findings come before the graph
  const above = await page.evaluate(
    () =>
      document.getElementById('findings-section').getBoundingClientRect().top <
      document.getElementById('flame').getBoundingClientRect().top,
  );
  assert.ok(above);
  // a click: the cost of the finding, zoomed to its function
  await page.click('#findings li:nth-child(1) button');
  const costs = await page.$$eval('#cost option', (os: { textContent: string }[]) => os.map((o) => o.textContent));
  assert.equal(costs[Number(await page.inputValue('#cost'))], 'leaked bytes');
  const crumbs = await page.$$eval('#crumbs button', (bs: { textContent: string }[]) => bs.map((b) => b.textContent));
  assert.equal(crumbs.at(-1), 's3sim::cache_hot_object');
  // a profile without problem costs (folded samples) has no findings section
  const folded = await open(renderHtml(await importFolded(fixtureFile('folded/perf-example.folded'))));
  assert.equal(await folded.page.isHidden('#findings-section'), true);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.requests, [url]);
  await page.close();
  await folded.page.close();
});

test('a recording: every cost, summary, top table; search and zoom; nothing leaves the file', { skip }, async () => {
  const p = await importHeaptrack(fixture('heaptrack.leaks.zst'));
  const { page, seen, url } = await open(renderHtml(p));
  assert.deepEqual(await page.$$eval('#cost option', (os: { textContent: string }[]) => os.map((o) => o.textContent)), [
    'allocations',
    'temporary allocations',
    'leaked bytes',
    'peak bytes',
    'allocated bytes',
  ]);
  assert.match((await page.textContent('#summary'))!, /allocations308/);
  assert.match((await page.textContent('#top'))!, /temp_alloc/);
  // search: temp_alloc has 100 of 308 allocations
  await page.fill('#search', '^temp_alloc$');
  assert.equal(await page.textContent('#matched'), 'Matched: 32.5%');
  // switch to leaked bytes: leak_small and leak_calloc, 1000 B each of 2000
  await page.selectOption('#cost', '2');
  await page.fill('#search', '^leak_');
  assert.equal(await page.textContent('#matched'), 'Matched: 100.0%');
  await page.fill('#search', 'leak_small');
  assert.equal(await page.textContent('#matched'), 'Matched: 50.0%');
  // zoom: click the "main" row, breadcrumbs show the path
  const box = (await page.$('#flame'))!;
  const bb = (await box.boundingBox())!;
  // the flame graph grows from the bottom: row 0 is "all", row 1 "main" (element-relative
  // positions, so the canvas is scrolled into view first)
  await box.click({ position: { x: bb.width / 2, y: bb.height - 18 - 9 } });
  assert.deepEqual(
    await page.$$eval('#crumbs button', (bs: { textContent: string }[]) => bs.map((b) => b.textContent)),
    ['all', 'main'],
  );
  // hover shows value and shares
  await box.hover({ position: { x: bb.width / 4, y: bb.height - 9 } });
  assert.match(
    (await page.textContent('#tip'))!,
    /^all\n1\.95 KiB \(2,000 B\)\n100\.00% of all, 100\.00% of the zoomed frame\nself: 0 B$/,
  );
  // sandwich: callers and callees of a function, merged over its occurrences
  await page.selectOption('#cost', '0');
  await page.click('#top tr:has(td:text-is("temp_alloc"))');
  assert.equal(await page.textContent('#sandwich-name'), 'temp_alloc');
  assert.equal(await page.getAttribute('#callers', 'data-total'), '100');
  assert.equal(await page.getAttribute('#callers', 'data-frames'), '2', 'temp_alloc <- main');
  assert.equal(await page.getAttribute('#callees', 'data-frames'), '1', 'temp_alloc calls malloc directly');
  // the heap over time, with its peak (leaks.c's peak phase)
  assert.match((await page.textContent('#timeline-caption'))!, /^peak heap 1\.02 MiB \(1,074,704 B\) at /);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.requests, [url]);
  await page.close();
});

test('heap over time: the peak of a recording, marked and stated', { skip }, async () => {
  const p = await importHeaptrack(fixture('heaptrack.s3sim.zst'));
  const { page, seen } = await open(renderHtml(p));
  assert.ok(await page.isVisible('#timeline'));
  assert.match(
    (await page.textContent('#timeline-caption'))!,
    /^peak heap 293 KiB \(300,004 B\) at \d\.\d{3} s of 1\.1\d{2} s; RSS up to /,
  );
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the page opens on the main cost; the top table counts every stack, also those too small to draw', {
  skip,
}, async () => {
  // "hot" is called from 3000 callers, each far below a pixel (pruned from the drawing)
  const lines = ['main;big 1000000000'];
  for (let i = 0; i < 3000; i++) lines.push(`main;caller${i};hot 7`);
  const { page, seen } = await open(renderHtml(await importFolded(files.file(`${lines.join('\n')}\n`))));
  const row = await page.$$eval('#top tr', (rows: { textContent: string }[]) =>
    rows.map((r) => r.textContent).find((t) => t.endsWith('hot')),
  );
  assert.equal(row, '21,00021,000hot', 'self and total of hot: 3000 × 7');
  assert.ok((await page.evaluate(() => window.heapflame.nodeCount)) < 100, 'the callers are not drawn');
  // the page says what it left out
  assert.match(
    (await page.textContent('#pruned'))!,
    /^2 of 6,002 frames are in this file: the 6,000 below 0\.001% of every cost's total are counted in their caller/,
  );
  await page.close();

  // a V8 heap profile has one cost, in use; a pprof heap profile opens on its default (last) sample type
  const { page: pprofPage } = await open(renderHtml(await loadProfile(fixtureFile('pprof/dd_heap.pb.gz'))));
  assert.equal(await pprofPage.inputValue('#cost'), '1');
  assert.equal(
    await pprofPage.$eval('#cost option:checked', (o: { textContent: string }) => o.textContent),
    'in-use bytes',
  );
  // one byte format for the report, the SVG and the page
  const values = [0, 1, 1023, 1024, 1536, 47309, 1048575, 1048576, 155_699_200, 2 ** 31, -3072, 10 * 2 ** 40];
  assert.deepEqual(
    await pprofPage.evaluate((vs: number[]) => vs.map((v) => window.formatBytes(v)), values),
    values.map(formatBytes),
  );
  await pprofPage.close();
  assert.deepEqual(seen.errors, []);
});

test('hostile names are text, never markup or script', { skip }, async () => {
  const names = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    '</script><script>alert(3)</script>',
    '"><svg onload=alert(4)>',
  ];
  const p = await importFolded(files.file(names.map((n, i) => `main;${n} ${i + 1}\n`).join('')));
  const { page, seen } = await open(renderHtml(p, { title: '</title><script>alert(5)</script>' }));
  await page.fill('#search', 'script');
  assert.match((await page.textContent('#top'))!, /<script>alert\(1\)<\/script>/);
  assert.equal(await page.evaluate(() => document.querySelectorAll('script').length), 2, 'data and viewer only');
  assert.equal(await page.evaluate(() => document.querySelectorAll('img, svg').length), 0);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await page.close();

  // hostile files too: in places, tooltips, findings and the callers/callees title
  const b = new ProfileBuilder([{ id: 'leaked', unit: 'bytes', label: 'leaked bytes', description: '' }]);
  const frame = (name: string, file: string) =>
    b.internFrame({ name, file, line: 7, module: '', address: '', inlined: false });
  const leaf = b.child(b.child(0, frame('main', '/src/<b>main</b>.c')), frame(names[1], names[0]));
  b.addSample(leaf, [4096]);
  const hostile = b.build({ format: 'test' }, { leaked: 4096 }, []);
  const second = await open(renderHtml(hostile));
  assert.match((await second.page.textContent('#findings'))!, /<img src=x onerror=alert\(2\)> \(<script>/);
  assert.match((await second.page.textContent('#top'))!, /<script>alert\(1\)<\/script>:7/);
  await second.page.evaluate((n: string) => window.heapflame.sandwich(n), names[1]);
  assert.match((await second.page.textContent('#sandwich-section h2'))!, /<script>alert\(1\)<\/script>:7/);
  assert.equal(await second.page.evaluate(() => document.querySelectorAll('script').length), 2);
  assert.equal(await second.page.evaluate(() => document.querySelectorAll('img, svg, b').length), 0);
  assert.deepEqual(second.seen.dialogs, []);
  assert.deepEqual(second.seen.errors, []);
  await second.page.close();
});

test('many frames: 435k merged nodes stay responsive', { skip, timeout: 120_000 }, async () => {
  // the 20k-stack synthetic input (generated): 435,013 nodes before pruning
  const big = files.file('');
  const gen = join(ROOT, 'bench/gen-folded.mjs');
  const { execFileSync } = await import('node:child_process');
  writeFileSync(
    big,
    execFileSync(process.execPath, [gen, '--stacks', '20000', '--seed', '11'], { maxBuffer: 1 << 28 }),
  );
  const p = await importFolded(big);
  const html = renderHtml(p, { minShare: 0 });
  const svg = renderSvg(p);
  const { page, seen } = await open(html);
  assert.equal(await page.evaluate(() => window.heapflame.nodeCount), 435_014);
  const t0 = Date.now();
  await page.evaluate(() => window.heapflame.zoom(5));
  await page.evaluate(() => window.heapflame.zoom(0));
  const ms = (Date.now() - t0) / 2;
  assert.ok(ms < 1000, `zoom took ${ms} ms`);
  assert.deepEqual(seen.errors, []);
  // compact: all 435k frames in the HTML take less than the pruned SVG
  assert.ok(html.length < svg.length, `${html.length} vs ${svg.length}`);
  await page.close();
});

test('differential report: colours from the inclusive change, a legend, before/after/change in tooltips', {
  skip,
}, async () => {
  const out = join(files.dir, 'diff.html');
  const base = files.file('main;a;x 10\nmain;b 10\n');
  const next = files.file('main;a;x 30\nmain;b 5\n');
  const r = runCli(['diff', base, next, '--cost', 'samples', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(readFileSync(out, 'utf8'));
  const costs = await page.$$eval('#cost option', (os: { textContent: string }[]) => os.map((o) => o.textContent));
  assert.deepEqual(costs, ['samples before', 'samples after', 'before or after, whichever is larger']);
  assert.equal(await page.inputValue('#cost'), '2', 'opens on the larger side of each frame');
  assert.equal(await page.isVisible('#diff-legend'), true);
  assert.match((await page.textContent('#diff-legend'))!, /grew.*shrank/);
  await page.selectOption('#cost', '1');
  const box = (await page.$('#flame'))!;
  const bb = (await box.boundingBox())!;
  // after: row 3 from the bottom holds x (30 of 35 samples, at the left)
  await box.hover({ position: { x: 20, y: bb.height - 3 * 18 - 9 } });
  assert.match((await page.textContent('#tip'))!, /^x\nbefore 10\nafter 30\nchange \+20 \(200\.0%\)/);
  const color = await page.evaluate(() => {
    const c = document.getElementById('flame');
    const d = c
      .getContext('2d')
      .getImageData(20 * devicePixelRatio, c.height - (3 * 18 + 9) * devicePixelRatio, 1, 1).data;
    return [d[0], d[1], d[2]];
  });
  assert.deepEqual(color, [255, 0, 0], 'the largest growth is full red');
  // functions by change: x +20 first; by percent, b (-50%) comes after a and x (+200%)
  const rows = () => page.$$eval('#changes tr', (trs: { textContent: string }[]) => trs.map((t) => t.textContent));
  assert.deepEqual(await page.isVisible('#changes-section'), true);
  assert.match((await rows())[0], /^1030\+20\+200\.0%(a|x)/);
  await page.click('#changes-by-percent');
  assert.match((await rows()).at(-1)!, /^105-5-50\.0%b/);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('differential widths: a removed cost keeps its width on the larger side, in blue', { skip }, async () => {
  const out = join(files.dir, 'removed.html');
  const r = runCli([
    'diff',
    files.file('main;gone 90\nmain;kept 10\n'),
    files.file('main;kept 10\n'),
    '--cost',
    'samples',
    '-o',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(readFileSync(out, 'utf8'));
  const api = 'window.heapflame';
  const gone = await page.evaluate(`${api}.nodesOf('gone')[0]`);
  // larger side: "gone" is 90% of the width; on "after" it has none
  assert.equal(await page.evaluate(`${api}.total(2, ${gone}) / ${api}.total(2, 0)`), 0.9);
  assert.equal(await page.evaluate(`${api}.total(1, ${gone})`), 0);
  const color = await page.evaluate(() => {
    const c = document.getElementById('flame');
    const d = c
      .getContext('2d')
      .getImageData(400 * devicePixelRatio, c.height - (2 * 18 + 9) * devicePixelRatio, 1, 1).data;
    return [d[0], d[1], d[2]];
  });
  assert.deepEqual(color, [0, 0, 255], 'the largest shrinkage is full blue');
  const rows = await page.$$eval('#changes tr', (trs: { textContent: string }[]) => trs.map((t) => t.textContent));
  // the two largest changes, -90 each: main (-90%) and gone (-100%)
  assert.deepEqual(rows.slice(0, 2).sort(), ['10010-90-90.0%main', '900-90-100.0%gone']);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('the canvas is as tall as the deepest frame of the shown cost', { skip }, async () => {
  // before: a stack four frames deep; after: only "main"
  const out = join(files.dir, 'depth.html');
  const r = runCli(['flamegraph', files.file('main;a;b;c 5 0\nmain 0 5\n'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(readFileSync(out, 'utf8'));
  const height = () => page.evaluate(() => document.getElementById('flame')!.clientHeight);
  await page.selectOption('#cost', '1');
  const after = await height();
  await page.selectOption('#cost', '0');
  const before = await height();
  // rows: all + main, against all + main + a + b + c
  assert.equal(before / after, 5 / 2, `${before} px vs ${after} px`);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('flamegraph -o report.html writes the report', { skip }, () => {
  const out = join(files.dir, 'r.html');
  const r = runCli(['flamegraph', fixture('heaptrack.s3sim.zst'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/);
});

test('a time range recomputes graph and totals as --from/--to do; jump to peak', { skip }, async () => {
  const recording = join(ROOT, 'examples/demo/heaptrack.s3-get.zst');
  const out = join(files.dir, 'range.html');
  const r = runCli(['flamegraph', recording, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const { page, seen } = await open(readFileSync(out, 'utf8'));
  assert.match((await page.textContent('#range-help'))!, /^Drag over the chart/);
  const costs: string[] = await page.$$eval('#cost option', (os: { value: string }[]) => os.map((o) => o.value));
  const ids = ['allocations', 'temporary', 'leaked', 'peak', 'allocated'];
  assert.equal(costs.length, ids.length);
  const totals = () =>
    page.evaluate((n: number) => [...Array(n).keys()].map((c) => window.heapflame.total(c)), ids.length);
  const whole = await totals();
  // drag over the chart from about 20% to 45% of the run
  const chart = (await page.$('#timeline'))!;
  const box = (await chart.boundingBox())!;
  const plot = (f: number) => box.x + 64 + f * (box.width - 66);
  await page.mouse.move(plot(0.2), box.y + 40);
  await page.mouse.down();
  await page.mouse.move(plot(0.45), box.y + 40);
  await page.mouse.up();
  const text = (await page.textContent('#range'))!;
  const [, from, to] = /--from (\d+)ms --to (\d+)ms/.exec(text)!;
  const inRange = await totals();
  const report = runCli(['report', '--json', '--from', `${from}ms`, '--to', `${to}ms`, recording]);
  assert.equal(report.code, 0, report.stderr);
  const windowed = JSON.parse(report.stdout).costs as { id: string; total: number }[];
  for (const [c, id] of ids.entries()) {
    if (id === 'peak') assert.equal(inRange[c], 0, 'no peak for a range');
    else assert.equal(inRange[c], windowed.find((w) => w.id === id)!.total, `${id} in ${from}..${to} ms`);
  }
  assert.ok(inRange[0] < whole[0]);
  // jump to peak: the whole recording by its peak cost, what was live at that moment
  await page.click('#jump-to-peak');
  assert.equal(costs[Number(await page.inputValue('#cost'))], String(ids.indexOf('peak')));
  assert.equal(await page.textContent('#range'), 'Whole recording.');
  const peakBytes = JSON.parse(runCli(['report', '--json', recording]).stdout).summary.peakBytes;
  assert.equal((await totals())[ids.indexOf('peak')], peakBytes);
  assert.deepEqual(await totals(), whole);
  assert.deepEqual(seen.errors, []);
  await page.close();
});

test('views: keyboard navigation, left heavy, a tall graph opens with its root in view', { skip }, async () => {
  const { page, seen } = await open(renderHtml(await importFolded(files.file('main;a;x 10\nmain;b 25\n'))));
  const selected = () => page.textContent('#selected');
  await page.focus('#flame');
  // flame graph: up goes towards the leaves (the widest child), right to the next sibling
  await page.keyboard.press('ArrowUp');
  assert.match((await selected())!, /^main · /);
  await page.keyboard.press('ArrowUp');
  assert.match((await selected())!, /^b · /, 'the widest child');
  await page.keyboard.press('ArrowLeft');
  assert.match((await selected())!, /^a · /);
  await page.keyboard.press('Enter');
  const crumbs = () => page.$$eval('#crumbs button', (bs: { textContent: string }[]) => bs.map((b) => b.textContent));
  assert.deepEqual(await crumbs(), ['all', 'main', 'a']);
  await page.keyboard.press('Escape');
  assert.deepEqual(await crumbs(), ['all', 'main']);
  await page.keyboard.press('s');
  assert.equal(await page.isVisible('#sandwich-section'), true);
  // names in order: a left of b; left heavy: b (25) first
  const box = (await (await page.$('#flame'))!.boundingBox())!;
  const leftName = async () => {
    await page.mouse.move(box.x + 5, box.y + box.height - 2 * 18 - 9);
    return (await page.textContent('#tip'))!.split('\n')[0];
  };
  assert.equal(await leftName(), 'a');
  await page.check('#left-heavy');
  assert.equal(await leftName(), 'b');
  await page.close();

  // 400 frames deep: taller than the screen, opened on its root (flame) or its top (icicle)
  const deep = Array.from({ length: 400 }, (_, i) => `f${i}`).join(';');
  const tall = await open(renderHtml(await importFolded(files.file(`${deep} 5\n`))));
  const rootRowVisible = () =>
    tall.page.evaluate(() => {
      const c = document.getElementById('flame').getBoundingClientRect();
      const rootTop = document.getElementById('icicle').checked ? c.top : c.bottom - 18;
      return rootTop >= 0 && rootTop + 18 <= window.innerHeight;
    });
  assert.ok((await tall.page.evaluate(() => document.getElementById('flame').clientHeight)) > 900);
  assert.equal(await rootRowVisible(), true, 'the root row is on the first screen');
  await tall.page.check('#icicle');
  assert.equal(await rootRowVisible(), true, 'icicle: the root at the top');
  await tall.page.close();
  assert.deepEqual(seen.errors, []);
});
