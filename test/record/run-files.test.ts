import assert from 'node:assert/strict';
import { symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ProfileMeta } from '../../src/model/profile.js';
import { runFiles, writtenLines } from '../../src/record/run-files.js';
import { tempFiles } from '../helpers/paths.js';

/** What a run wrote, as `record` (or the program's recorder, when record became it) lists it. */

const files = tempFiles('run-files');
after(files.remove);

test("a run's files: its own by run id, other processes' after the top one, snapshots by process and order", () => {
  const out = join(files.dir, 'app.heapflame');
  const metas = new Map<string, ProfileMeta>([
    [out, { format: 'node', recordRun: 'r1', command: 'node app.js' }],
    [`${out}.20`, { format: 'node', recordRun: 'r1', command: 'node worker.js\nsecond line' }],
    [`${out}.9`, { format: 'node', recordRun: 'other run', command: 'node other.js' }],
  ]);
  for (const f of metas.keys()) writeFileSync(f, '');
  writeFileSync(`${out}.tmp`, '');
  // an earlier run's file, by its date: not read at all
  writeFileSync(`${out}.7`, '');
  utimesSync(`${out}.7`, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  const read = (f: string) => {
    assert.notEqual(f, `${out}.7`, "an earlier run's file is not read");
    return metas.get(f) ?? null;
  };
  for (const s of ['app.exit.heapsnapshot', 'app.every-2.heapsnapshot', 'app.20.exit.heapsnapshot'])
    writeFileSync(join(files.dir, s), '');
  // a snapshot that a process still running dropped between the listing and its date
  symlinkSync(join(files.dir, 'gone'), join(files.dir, 'app.every-1.heapsnapshot'));
  const result = runFiles(out, 'r1', Date.now() - 60_000, read);
  assert.deepEqual(result.files, [out, `${out}.20`]);
  assert.deepEqual(result.commands, ['node app.js', 'node worker.js\nsecond line']);
  assert.deepEqual(
    result.snapshots.map((f) => f.slice(files.dir.length + 1)),
    ['app.every-2.heapsnapshot', 'app.exit.heapsnapshot', 'app.20.exit.heapsnapshot'],
  );
  assert.deepEqual(writtenLines(result), [
    `heapflame: wrote ${out}: node app.js`,
    `heapflame: wrote ${out}.20: node worker.js`,
    ...result.snapshots.map((f) => `heapflame: wrote ${f}`),
  ]);
});

test('nothing of the run: one line that says so; a command line cannot write to the terminal', () => {
  assert.deepEqual(writtenLines({ files: [], commands: [], snapshots: [] }), ['heapflame: no recording was written']);
  const [line] = writtenLines({ files: ['/x/a.heapflame'], commands: ['node \x1b]0;pwned\x07 app.js'], snapshots: [] });
  assert.doesNotMatch(line, /\x1b|\x07/);
  assert.match(line, /^heapflame: wrote \/x\/a\.heapflame: node /);
});
