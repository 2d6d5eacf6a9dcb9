import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/**
 * The repository is all a user has: no source, test, benchmark, example or script reads or
 * names the folder that sits beside the project on the machine it is developed on.
 */

// (written in two parts, so that this file does not name it either)
const BESIDE = new RegExp(['\\.\\./sh', 'ared|/sh', 'ared/fixtures'].join(''));

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === '.cache' || entry === '.vite') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (!/\.(zst|gz|heapflame|pb)$/.test(entry)) yield path;
  }
}

test('nothing in src, test, bench, examples or scripts reaches outside the repository for fixtures', () => {
  const named: string[] = [];
  let read = 0;
  for (const top of ['src', 'test', 'bench', 'examples', 'scripts']) {
    for (const file of files(join(ROOT, top))) {
      read++;
      if (BESIDE.test(readFileSync(file, 'latin1'))) named.push(relative(ROOT, file));
    }
  }
  assert.ok(read > 100, `${read} files read`);
  assert.deepEqual(named, []);
});
