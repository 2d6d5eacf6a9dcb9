import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { originalPosition } from '../../src/record/source-maps.js';
import { tempFiles } from '../helpers/paths.js';

/** Frames move to their original source through the map a compiled file names, without Node's support on. */

const files = tempFiles('source-maps');
// generated line 2 (0-based 1) comes from source line 11 (0-based 10) of src/app.ts
const MAP = { version: 3, sources: ['app.ts'], sourceRoot: '../src', names: [], mappings: 'AAAA;AAUA' };

function frame(file: string, line: number) {
  return { functionName: 'f', url: pathToFileURL(file).href, lineNumber: line, columnNumber: 0 };
}

test('a map file beside the script, its sources relative to sourceRoot', () => {
  const dir = join(files.dir, 'a', 'dist');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.js.map'), JSON.stringify(MAP));
  writeFileSync(join(dir, 'app.js'), 'x;\nf();\n//# sourceMappingURL=app.js.map\n');
  const cf = originalPosition(frame(join(dir, 'app.js'), 1));
  assert.equal(cf.url, pathToFileURL(join(files.dir, 'a', 'src', 'app.ts')).href);
  assert.equal(cf.lineNumber, 10);
});

test('an inline data: map', () => {
  const file = join(files.dir, 'inline.js');
  const data = Buffer.from(JSON.stringify({ ...MAP, sourceRoot: undefined })).toString('base64');
  writeFileSync(file, `x;\nf();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${data}`);
  const cf = originalPosition(frame(file, 1));
  assert.equal(cf.url, pathToFileURL(join(files.dir, 'app.ts')).href);
  assert.equal(cf.lineNumber, 10);
});

test('no map, a missing map, a corrupt map, non-file URLs: the frame as it was', () => {
  const plain = join(files.dir, 'plain.js');
  writeFileSync(plain, 'f();\n');
  const missing = join(files.dir, 'missing.js');
  writeFileSync(missing, 'f();\n//# sourceMappingURL=nowhere.js.map\n');
  const corrupt = join(files.dir, 'corrupt.js');
  writeFileSync(join(files.dir, 'corrupt.js.map'), '{"version":3,"sources":');
  writeFileSync(corrupt, 'f();\n//# sourceMappingURL=corrupt.js.map\n');
  for (const cf of [
    frame(plain, 0),
    frame(missing, 0),
    frame(corrupt, 0),
    frame(join(files.dir, 'gone.js'), 0),
    { functionName: 'g', url: 'node:internal/timers', lineNumber: 3, columnNumber: 1 },
  ])
    assert.deepEqual(originalPosition(cf), cf);
});

test('a script whose map is missing is looked at once: a map that appears later is not read', () => {
  const dir = join(files.dir, 'once');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'late.js');
  writeFileSync(file, 'x;\nf();\n//# sourceMappingURL=late.js.map\n');
  const cf = frame(file, 1);
  assert.deepEqual(originalPosition(cf), cf);
  // had the failure not been remembered, every frame of the script would read it again
  writeFileSync(join(dir, 'late.js.map'), JSON.stringify(MAP));
  assert.deepEqual(originalPosition(cf), cf);
  assert.deepEqual(originalPosition(frame(file, 0)), frame(file, 0));
});
