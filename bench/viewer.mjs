#!/usr/bin/env node
// heapflame benchmark: the HTML report at the size of a large service, in Debian's Chromium.
// A synthetic heaptrack recording (bench/gen-heaptrack.mjs: the call tree of gen-folded.mjs,
// more than 500k frames, a million allocation events over 10 s) goes through
// `heapflame flamegraph -o report.html` as a user runs it; the page is opened and driven:
// targets open <= 2 s, and every zoom, cost switch and time-range change painted <= 100 ms.
// The file's size is set against flamegraph.pl's SVG of the same stacks (allocations), run side
// by side: target <= 25 %.
// Usage: node bench/viewer.mjs [--stacks N] [--events N]
// A report, not a test: exits 0 whatever the numbers; skipped without /usr/bin/chromium.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const stacks = arg('stacks', '30000');
const events = arg('events', '1000000');
const OPEN_MS = 2000;
const PAINT_MS = 100;
const SIZE_RATIO = 0.25;
const FLAMEGRAPH_PL = [
  ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'flamegraph.pl')),
  '/usr/share/perl5/Devel/NYTProf/flamegraph.pl',
].find((p) => fs.existsSync(p));
if (!fs.existsSync('/usr/bin/chromium')) {
  console.log('viewer benchmark skipped: /usr/bin/chromium is not installed');
  process.exit(0);
}
const { chromium } = await import('playwright-core');
const cli = path.join(root, 'dist/src/cli/main.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapflame-viewer-'));
try {
  const recording = path.join(dir, 'service.heaptrack');
  fs.writeFileSync(
    recording,
    execFileSync(
      process.execPath,
      [path.join(root, 'bench/gen-heaptrack.mjs'), '--stacks', stacks, '--events', events],
      {
        maxBuffer: 2 ** 31,
      },
    ),
  );
  const html = path.join(dir, 'report.html');
  const t0 = Date.now();
  execFileSync(process.execPath, [cli, 'flamegraph', recording, '-o', html, '--quiet'], { stdio: 'inherit' });
  const writeMs = Date.now() - t0;
  const svgBytes = flamegraphPlSvg(recording);
  const htmlBytes = fs.statSync(html).size;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const t1 = Date.now();
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => window.heapflame?.ready === true, undefined, { timeout: 120_000 });
    const openMs = Date.now() - t1;
    const frames = await page.evaluate(() => window.heapflame.nodeCount);
    const times = await drive(page);
    const worst = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.max(...v)]));
    const ok = (v, target) => (v <= target ? 'PASS' : 'FAIL');
    console.log(
      `HTML report of a synthetic heaptrack recording: ${frames.toLocaleString('en')} frames, ${events} events`,
    );
    console.log(`  written in ${writeMs} ms (heapflame flamegraph -o report.html)`);
    console.log(`  open ${openMs} ms: ${ok(openMs, OPEN_MS)} (target <= ${OPEN_MS} ms)`);
    for (const [what, ms] of Object.entries(worst))
      console.log(
        `  ${what.padEnd(12)} median ${median(times[what]).toFixed(0)} ms, worst ${ms.toFixed(0)} ms: ${ok(ms, PAINT_MS)} (target <= ${PAINT_MS} ms)`,
      );
    const ratio = svgBytes ? htmlBytes / svgBytes : undefined;
    console.log(
      `  size ${(htmlBytes / 1e6).toFixed(2)} MB; flamegraph.pl's SVG of the allocations ${svgBytes ? `${(svgBytes / 1e6).toFixed(2)} MB` : 'not measured (flamegraph.pl not installed)'}${ratio === undefined ? '' : `: ratio ${ratio.toFixed(3)} ${ok(ratio, SIZE_RATIO)} (target <= ${SIZE_RATIO})`}`,
    );
  } finally {
    await browser.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** flamegraph.pl's SVG (default options) of the recording's allocations, in bytes; 0 without it. */
function flamegraphPlSvg(recording) {
  if (!FLAMEGRAPH_PL) return 0;
  const folded = path.join(dir, 'allocations.folded');
  execFileSync(process.execPath, [cli, 'folded', recording, '--cost', 'allocations', '-o', folded, '--quiet']);
  const r = spawnSync('perl', [FLAMEGRAPH_PL, folded], { maxBuffer: 2 ** 31 });
  return r.status === 0 ? r.stdout.length : 0;
}

/** Each action timed from the call until the next frame is painted. */
async function drive(page) {
  const timed = (js) =>
    page.evaluate(
      (body) =>
        new Promise((resolve) => {
          const t = performance.now();
          new Function(body)();
          requestAnimationFrame(() => resolve(performance.now() - t));
        }),
      js,
    );
  const times = { zoom: [], 'cost switch': [], 'time range': [] };
  for (const n of [5, 0, 17, 0, 1, 0, 100, 0]) times.zoom.push(await timed(`window.heapflame.zoom(${n})`));
  for (const c of [0, 1, 2, 3, 4, 0]) times['cost switch'].push(await timed(`window.heapflame.setCost(${c})`));
  for (const [a, b] of [
    [1000, 3000],
    [0, 5000],
    [4000, 4100],
    [-Infinity, Infinity],
  ])
    times['time range'].push(await timed(`window.heapflame.range(${a}, ${b})`));
  return times;
}

function median(v) {
  return [...v].sort((a, b) => a - b)[v.length >> 1];
}
