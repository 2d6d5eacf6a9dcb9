import { writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireOrSkip, tempFiles } from './paths.js';

/** Debian's Chromium, headless, through playwright-core (no browser is downloaded). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface Opened {
  page: Page;
  url: string;
  /** Console errors and page errors, dialogs (alert, prompt…) and every request made. */
  seen: { errors: string[]; dialogs: string[]; requests: string[] };
}

/** Writes `content` to a file in `dir` and opens it, recording what the page does. */
export async function openFile(browser: Browser, dir: string, content: string, ext: string): Promise<Opened> {
  const path = join(dir, `p${Math.random().toString(36).slice(2)}${ext}`);
  writeFileSync(path, content);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const seen = { errors: [] as string[], dialogs: [] as string[], requests: [] as string[] };
  page.on('console', (m) => m.type() === 'error' && seen.errors.push(m.text()));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('dialog', async (d) => {
    seen.dialogs.push(`${d.type()}:${d.message()}`);
    await d.dismiss();
  });
  const url = pathToFileURL(path).href;
  await page.goto(url);
  return { page, seen, url };
}

/**
 * One Chromium for the tests of a file, launched before and closed after them, with a
 * temporary directory for the pages: `skip` says why there is no browser (CI requires one).
 */
export function browserSuite(prefix: string): {
  skip: string | undefined;
  files: ReturnType<typeof tempFiles>;
  open: (content: string, ext: string) => Promise<Opened>;
} {
  const skip = requireOrSkip('chromium');
  const files = tempFiles(prefix, '.folded');
  let browser: Browser | undefined;
  before(async () => {
    if (!skip) browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    files.remove();
  });
  return { skip, files, open: (content, ext) => openFile(browser!, files.dir, content, ext) };
}
