import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { fixture, requireOrSkip, runCli, tempFiles } from '../helpers/paths.js';

/** heapflame's DHAT output opened in Valgrind's own viewer (dh_view.html), in Chromium. */

const DH_VIEW = '/usr/libexec/valgrind/dh_view.html';
const files = tempFiles('dhview');
let browser: Browser | undefined;
const skip =
  requireOrSkip('chromium') ?? requireOrSkip('valgrind') ?? (existsSync(DH_VIEW) ? undefined : `${DH_VIEW} is missing`);
before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  files.remove();
});

test('a heaptrack recording converted to DHAT loads in dh_view with its totals', { skip }, async () => {
  const out = join(files.dir, 'leaks.dhat.json');
  const r = runCli(['convert', fixture('heaptrack.leaks.zst'), '-o', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`file://${DH_VIEW}`);
  await page.setInputFiles('input[type=file]', out);
  await page.waitForSelector('pre');
  // biome-ignore lint/performance/useDomNodeTextContent: the text as dh_view shows it, line breaks included
  const text = await page.locator('pre').first().innerText();
  assert.deepEqual(errors, []);
  assert.equal(await page.locator('.error').count(), 0, 'dh_view shows no load error');
  // the root PP: every byte and block of the recording (308 allocations, 1,087,640 bytes)
  assert.match(text, /PP 1\/1/);
  assert.match(text, /Total:\s+1,087,640 bytes \(100%.*in 308 blocks/);
  assert.match(text, /At t-end:\s+2,000 bytes/);
  await page.close();
});
