#!/usr/bin/env node
// heapflame benchmark: the HTML report's responsiveness with more than 500k frames, in Debian's
// Chromium (target: zoom/click <= 100 ms). Usage: node bench/viewer.mjs [--stacks N]
// A report, not a test: exits 0 whatever the numbers; skipped without /usr/bin/chromium.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const stacks = args.includes('--stacks') ? Number(args[args.indexOf('--stacks') + 1]) : 25000;
const TARGET_MS = 100;
if (!fs.existsSync('/usr/bin/chromium')) {
  console.log('viewer benchmark skipped: /usr/bin/chromium is not installed');
  process.exit(0);
}
const { chromium } = await import('playwright-core');
const { importFolded } = await import(pathToFileURL(path.join(root, 'dist/src/import/folded/importer.js')).href);
const { renderHtml } = await import(pathToFileURL(path.join(root, 'dist/src/export/html.js')).href);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapflame-viewer-'));
try {
  const folded = path.join(dir, 'in.folded');
  const gen = path.join(root, 'bench/gen-folded.mjs');
  fs.writeFileSync(
    folded,
    execFileSync(process.execPath, [gen, '--stacks', String(stacks), '--seed', '7'], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const html = renderHtml(await importFolded(folded), { minShare: 0 });
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, html);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const t0 = Date.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => window.heapflame?.nodeCount > 0);
    const nodes = await page.evaluate(() => window.heapflame.nodeCount);
    const load = Date.now() - t0;
    const times = [];
    for (const n of [5, 0, 17, 0, 1, 0, 100, 0]) {
      times.push(
        await page.evaluate((node) => {
          const t = performance.now();
          window.heapflame.zoom(node);
          return performance.now() - t;
        }, n),
      );
    }
    const worst = Math.max(...times);
    const median = [...times].sort((a, b) => a - b)[times.length >> 1];
    console.log(
      `HTML viewer, ${nodes.toLocaleString('en')} frames (${(html.length / 1e6).toFixed(1)} MB): open ${load} ms; zoom median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms: ${worst <= TARGET_MS ? 'PASS' : 'FAIL'} (target <= ${TARGET_MS} ms)`,
    );
  } finally {
    await browser.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
