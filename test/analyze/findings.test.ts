import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Finding, findings } from '../../src/analyze/findings.js';
import { buildJsonReport } from '../../src/export/report-json.js';
import { renderTextReport } from '../../src/export/report-text.js';
import { loadProfile } from '../../src/load.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import type { Frame, Profile } from '../../src/model/profile.js';
import { fixture, ROOT } from '../helpers/paths.js';

/** What a profile says first: the planted problems of real recordings, named by their functions. */

const named = (p: Profile, list: Finding[]) => list.map((f) => `${f.kind} ${p.frames[f.frame].name}`);

test("the native S3 demo's planted problems come first, each in the function that makes it", async () => {
  const p = await loadProfile(`${ROOT}/examples/demo/heaptrack.s3-get.zst`);
  const list = findings(p);
  assert.deepEqual(named(p, list).slice(0, 2), ['leak s3sim::cache_hot_object', 'leak s3sim::spawn_access_log_task']);
  assert.ok(named(p, list).includes('temporary s3sim::read_object_body'), named(p, list).join(', '));
  assert.ok(named(p, list).includes('peak s3sim::assemble_multipart_object'), named(p, list).join(', '));
  // ranked: every leak before any churn, churn before the peak
  const kinds = list.map((f) => f.kind);
  assert.deepEqual(
    kinds,
    [...kinds].sort(
      (a, b) =>
        ['leak', 'tasks', 'temporary', 'peak', 'allocated'].indexOf(a) -
        ['leak', 'tasks', 'temporary', 'peak', 'allocated'].indexOf(b),
    ),
  );
  for (const f of list) {
    assert.ok(f.share > 0 && f.share <= 1 && f.value <= f.total, `${f.kind}: a share of its cost`);
    assert.match(p.frames[f.frame].file, /s3sim\.rs$/, 'charged to the program, not to Rust std');
  }
});

test('a C recording: the leaking functions and the temporary allocator, with file and line', async () => {
  const p = await loadProfile(fixture('heaptrack.leaks_run2.zst'));
  const list = findings(p);
  assert.deepEqual(named(p, list).slice(0, 3), ['leak leak_small', 'leak leak_calloc', 'temporary temp_alloc']);
  assert.equal(p.frames[list[0].frame].line, 27);
  const text = renderTextReport(p);
  assert.match(
    text,
    /^FINDINGS\n1\. leak: leak_small \(.*leaks\.c:27\): 1000 B of 1\.95 KiB leaked bytes \(50\.0%\)\n/,
  );
  assert.doesNotMatch(renderTextReport(p, { heaptrackCompat: true }), /FINDINGS/, 'heaptrack_print has none');
  const json = buildJsonReport(p);
  assert.deepEqual(
    json.findings.slice(0, 2).map((f) => [f.kind, f.function, f.line, f.value]),
    [
      ['leak', 'leak_small', 27, 1000],
      ['leak', 'leak_calloc', 28, 1000],
    ],
  );
  assert.equal(json.findings[0].stack[0].function, 'leak_small', 'its largest stack, leaf first');
});

const COSTS = [
  { id: 'tasks', unit: 'count' as const, label: 'forgotten tasks', description: '' },
  { id: 'allocated', unit: 'bytes' as const, label: 'allocated bytes', description: '' },
];
const frame = (name: string, file = '', line = 1): Frame => ({
  name,
  file,
  line,
  module: '',
  address: '',
  inlined: false,
});

function synthetic(stacks: [Frame[], number[]][]): Profile {
  const b = new ProfileBuilder(COSTS);
  for (const [frames, values] of stacks) b.addSample(b.stack(frames.map((f) => b.internFrame(f))), values);
  return b.build({ format: 'test' }, {}, []);
}

test('a stack is charged to the program: past a task frame, pseudo-frames and runtime sources; one function is one place', () => {
  const main = frame('main', '/app/main.ts');
  const p = synthetic([
    // a forgotten interval and promise, started at two lines of one function
    [
      [main, frame('startLog', '/app/log.ts', 10), frame('[Interval]')],
      [3, 0],
    ],
    [
      [main, frame('startLog', '/app/log.ts', 11), frame('[Promise]')],
      [16, 0],
    ],
    // bytes allocated inside Node's internals and a V8 pseudo-frame, called from the program
    [
      [main, frame('readBody', '/app/body.ts', 5), frame('read', 'node:internal/fs/streams', 3), frame('(JS)')],
      [0, 900],
    ],
    [
      [main, frame('other', '/app/other.ts', 2)],
      [0, 100],
    ],
  ]);
  const list = findings(p);
  assert.deepEqual(named(p, list), ['tasks startLog', 'allocated readBody', 'allocated other']);
  assert.equal(list[0].value, 19, 'both lines of startLog');
  assert.equal(p.frames[list[0].frame].line, 11, 'at the line of its largest stack');
  assert.equal(list[2].share, 0.1);
  // a place beyond the first needs a tenth of the cost; a profile without problem costs has none
  assert.deepEqual(named(p, findings(p, { minShare: 0.2 })), ['tasks startLog', 'allocated readBody']);
  assert.deepEqual(findings(synthetic([[[main], [0, 0]]])), []);
});

test('a profile whose frames have no files (folded stacks) is charged to the leaf', () => {
  const p = synthetic([
    [
      [frame('a'), frame('b')],
      [0, 10],
    ],
  ]);
  assert.deepEqual(named(p, findings(p)), ['allocated b']);
});

test('a place that names no code ranks after those that do, and still counts in the share', () => {
  // V8 names a sample whose stack it no longer has "(unknown stack)": the larger part here
  const p = synthetic([
    [[frame('(unknown stack)')], [0, 600]],
    [
      [frame('main', '/app/main.ts'), frame('cacheObject', '/app/cache.ts', 7)],
      [0, 400],
    ],
  ]);
  const list = findings(p);
  assert.deepEqual(named(p, list), ['allocated cacheObject', 'allocated (unknown stack)']);
  assert.equal(list[0].share, 0.4);
  assert.deepEqual(named(p, findings(p, { perCost: 1 })), ['allocated cacheObject']);
});

test('a 100,000-frame stack with a sample at every depth: one pass over the nodes, no walk per sample', () => {
  const b = new ProfileBuilder(COSTS);
  let node = 0;
  for (let i = 0; i < 100_000; i++) {
    // runtime frames with files until the leaf: the charged frame is found far from each sample
    node = b.child(node, b.internFrame(frame(`f${i}`, i === 99_999 ? '/app/leaf.ts' : 'node:internal/x', i)));
    b.addSample(node, [0, 1]);
  }
  const p = b.build({ format: 'test' }, {}, []);
  const list = findings(p);
  assert.deepEqual(
    list.map((f) => [p.frames[f.frame].name, f.value, f.total]),
    [['f0', 1, 100_000]],
    'every sample charged to its own runtime frame: none holds a tenth',
  );
});
