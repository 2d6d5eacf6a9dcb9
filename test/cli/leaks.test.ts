import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { heapSnapshotJson, type SnapshotNode } from '../helpers/heap-snapshots.js';
import { fixture, ROOT, runCli, tempFiles } from '../helpers/paths.js';

/** heapflame leaks BASE TARGET [FINAL]: the report, its JSON, the CI verdict, and bad input. */

const files = tempFiles('leaks');
after(files.remove);

/** A heap with a cache holding `sessions` Session objects (ids 1001, 1003…) and `inFlight` Request objects. */
function heap(sessions: number, inFlight: number): string {
  const nodes: SnapshotNode[] = [
    { type: 'synthetic', name: '', size: 0, id: 1, edges: [['element', 1, 1]] },
    {
      type: 'synthetic',
      name: '(GC roots)',
      size: 0,
      id: 3,
      edges: [
        ['property', 'cache', 2],
        ['property', 'inFlight', 3],
      ],
    },
    { type: 'object', name: 'Map', size: 32, id: 5, edges: [] },
    { type: 'object', name: 'Array', size: 32, id: 7, edges: [] },
  ];
  for (let i = 0; i < sessions; i++) {
    nodes[2].edges?.push(['internal', String(i), nodes.length]);
    nodes.push({ type: 'object', name: 'Session', size: 100, id: 1001 + 2 * i });
  }
  for (let i = 0; i < inFlight; i++) {
    nodes[3].edges?.push(['element', i, nodes.length]);
    nodes.push({ type: 'object', name: 'Request', size: 50, id: 5001 + 2 * i });
  }
  return heapSnapshotJson(nodes);
}

const BASE = files.file(Buffer.from(heap(0, 0)));
const TARGET = files.file(Buffer.from(heap(3, 2)));
const FINAL = files.file(Buffer.from(heap(3, 0)));

test('three snapshots: what stayed, clustered, with its retainer path; exit 1 with --fail-on-leaks', () => {
  const r = runCli(['leaks', BASE, TARGET, FINAL]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /still alive in FINAL: 3, retaining 300 B/);
  assert.match(r.stdout, /1\. 3 × Session: 300 B retained \(100\.0%\)/);
  assert.match(r.stdout, /--cache \(property\)--> Map @5/);
  assert.doesNotMatch(r.stdout, /Request/);
  const json = JSON.parse(runCli(['leaks', BASE, TARGET, FINAL, '--json']).stdout);
  assert.equal(json.schema, 'heapflame.leaks/1');
  assert.deepEqual(
    json.clusters.map((c: { className: string; count: number; retained: number }) => [
      c.className,
      c.count,
      c.retained,
    ]),
    [['Session', 3, 300]],
  );
  assert.equal(runCli(['leaks', BASE, TARGET, FINAL, '--fail-on-leaks']).code, 1);
  assert.equal(runCli(['leaks', BASE, FINAL, FINAL, '--fail-on-leaks']).code, 1);
  const none = runCli(['leaks', BASE, BASE, BASE, '--fail-on-leaks']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /No leaks/);
});

test('two snapshots: what is new in TARGET', () => {
  const r = runCli(['leaks', BASE, TARGET, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const classes = JSON.parse(r.stdout).clusters.map((c: { className: string }) => c.className);
  assert.deepEqual(classes.sort(), ['Request', 'Session']);
});

test('a file that is no heap snapshot, or a damaged one: one clear error, exit 2', () => {
  const notSnapshot = runCli(['leaks', BASE, fixture('heaptrack.leaks.zst'), FINAL]);
  assert.equal(notSnapshot.code, 2);
  assert.match(notSnapshot.stderr, /a V8 heap snapshot is needed here/);
  const mixed = runCli(['leaks', fixture('heaptrack.leaks.zst'), TARGET, FINAL]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /is a recording, not a heap snapshot: its leaks are in one file, over a window/);
  const broken = files.file(Buffer.from('{"snapshot":{"meta":{}}, "nodes":[]}'));
  const bad = runCli(['leaks', BASE, broken]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /meta\.node_fields/);
  assert.doesNotMatch(bad.stderr, /at .*\.js/);
});

test("a recording: its leaks over a window (--from/--to, or --at T: the heap at T) are report's leaked section", () => {
  // the native S3 demo: its cache and task leaks grow through the run
  const rec = join(ROOT, 'examples/demo/heaptrack.s3-get.zst');
  const json = (args: string[]) => {
    const r = runCli(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const leaks = json(['leaks', rec, '--json', '-q']);
  const report = json(['report', rec, '--cost', 'leaked', '--json', '-q']);
  assert.equal(leaks.summary.leakedBytes, report.summary.leakedBytes);
  assert.ok(leaks.summary.leakedBytes > 0);
  // --at T is the heap at T: --to T alone
  const at = json(['leaks', rec, '--at', '50%', '--json', '-q']);
  const to = json(['report', rec, '--to', '50%', '--json', '-q']);
  assert.equal(at.summary.leakedBytes, to.summary.leakedBytes);
  assert.notEqual(
    at.summary.leakedBytes,
    leaks.summary.leakedBytes,
    'the heap at half time is not the heap at the end',
  );
  assert.match(runCli(['leaks', rec, '-q']).stdout, /leaked/i);
  assert.equal(runCli(['leaks', rec, '--fail-on-leaks', '-q']).code, 1);
  const both = runCli(['report', rec, '--at', '1s', '--from', '0s']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --at, or --from\/--to/);
});

test('diff of two snapshots: the classes that grew, by objects, own and retained bytes', () => {
  const r = runCli(['diff', BASE, TARGET]);
  assert.equal(r.code, 0, r.stderr);
  const section = r.stdout.split('CLASSES THAT GREW')[1];
  assert.ok(section, r.stdout);
  assert.match(section, /\+3\s+\+300 B\s+\+300 B\s+Session\s+\(0 -> 3\)/);
  assert.match(section, /\+2\s+\+100 B\s+\+100 B\s+Request\s+\(0 -> 2\)/);
  assert.ok(section.indexOf('Session') < section.indexOf('Request'), 'the largest growth first');
  const json = JSON.parse(runCli(['diff', BASE, TARGET, '--json']).stdout);
  assert.deepEqual(
    json.classes.growing.map((c: { name: string; objects: number[] }) => [c.name, c.objects]),
    [
      ['Session', [0, 3]],
      ['Map', [1, 1]],
      ['Request', [0, 2]],
      ['Array', [1, 1]],
    ],
  );
  const shrinking = JSON.parse(runCli(['diff', TARGET, FINAL, '--json']).stdout).classes.shrinking;
  assert.deepEqual(
    shrinking.map((c: { name: string; objects: number[] }) => [c.name, c.objects]),
    [
      ['Request', [2, 0]],
      ['Array', [1, 1]],
    ],
  );
});

test('leaks -o page.html: the page of the leak clusters, the classes and the dominator tree', () => {
  const html = join(files.dir, 'leaks.html');
  const r = runCli(['leaks', BASE, TARGET, FINAL, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<title>heapflame leaks: [^<]+ since [^<]+<\/title>/);
  assert.match(page, /id="leaks-section"/);
});
