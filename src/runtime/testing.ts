import { AsyncLocalStorage, AsyncResource, createHook } from 'node:async_hooks';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { heapSampler } from '../v8/sampler.js';
import { forceGc } from '../v8/gc.js';
import { heapWatch } from '../v8/heap-watch.js';
import { snapshotSelfBytes } from './snapshot-bytes.js';
import { WINDOWS, windowsVerdict } from './windows-verdict.js';

/** This file: its frames are not the caller's. */
const OWN_FILE = fileURLToPath(import.meta.url);
/** heapflame's compiled sources: their frames (the harness, the sampler) are not the caller's either. */
const OWN_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * heapflame/testing: dhat-style heap assertions for Node test files (node:test, vitest, jest:
 * plain async functions that throw an Error).
 */

// ---------------------------------------------------------------------------------------------
// heapStats: dhat-rs's HeapStats, in Node's terms

export interface HeapStats {
  /** Bytes of the JavaScript heap in use now (V8's used_heap_size; garbage not yet collected counts). */
  currBytes: number;
  /** The highest currBytes since heapflame/testing was loaded: exact, read before each collection. */
  maxBytes: number;
  /** Bytes allocated in the JavaScript heap since heapflame/testing was loaded. */
  totalBytes: number;
  /** Memory outside the heap now: Buffers, ArrayBuffers (process.memoryUsage().external). */
  externalBytes: number;
  /** Block counts: V8 does not count objects, so these are always undefined (dhat-rs has them). */
  currBlocks?: number;
  maxBlocks?: number;
  totalBlocks?: number;
}

export function heapStats(): HeapStats {
  const w = heapWatch();
  const now = w.read();
  return {
    currBytes: now.used,
    maxBytes: now.max,
    totalBytes: now.allocated,
    externalBytes: process.memoryUsage().external,
  };
}

// ---------------------------------------------------------------------------------------------
// expectNoLeaks: exact live-heap measurement around fn

export interface NoLeaksOptions {
  /** Bytes a run may keep (default 0). */
  toleranceBytes?: number;
  /** Measured runs, after 5 warm-up runs (default 10); a growth they show is confirmed over 5 × 5 × runs more. */
  runs?: number;
  /** Bytes between samples of the sampled runs that name the allocating functions (default 1024). */
  sampleInterval?: number;
}

/**
 * Runs `fn` (sync or async) 5 times to warm up, then `runs` times, each between settled heaps,
 * and passes when the median growth of the heap (compiled code left out) plus external memory
 * is within the tolerance. Otherwise the growth is confirmed from heap snapshots 5 × `runs`
 * runs apart (the median of five such windows), counting only what a program can hold (see
 * NOT_PROGRAM_HEAP): exact to the byte for what `fn` keeps. It rejects when that is above the
 * tolerance, naming the functions that allocated what stayed (32 more runs under V8's heap
 * sampler).
 *
 * `fn` runs outside the caller's async context: test runners track the async resources a
 * test makes (node:test keeps an entry per promise until its destroy hook runs, which Node
 * runs some turns of the event loop later), and each await of `fn` looked like 16 bytes kept.
 */
export async function expectNoLeaks(fn: () => unknown, options: NoLeaksOptions = {}): Promise<void> {
  // V8 drops the bytecode of functions unused for some collections, and its strings with it:
  // a few hundred bytes freed now and then, which hid what fn keeps. A test process can keep them.
  v8.setFlagsFromString('--no-flush-bytecode');
  const runs = Math.max(1, options.runs ?? 10);
  const tolerance = options.toleranceBytes ?? 0;
  // (AsyncLocalStorage stores still reach fn: they follow the running resource, not the trigger)
  const detached = new AsyncResource('heapflame.expectNoLeaks', { triggerAsyncId: 1 });
  let held: string[] = [];
  let kept: number;
  try {
    kept = await detached.runInAsyncScope(() => bytesKeptPerRun(fn, runs, tolerance));
    // who holds it: the last window's snapshot, read before it goes (no more snapshots)
    if (kept > tolerance) held = await holders();
  } finally {
    if (snapshotFile) rmSync(snapshotFile, { force: true });
  }
  if (kept <= tolerance) return;
  const where = await detached.runInAsyncScope(() => retainingFunctions(fn, options.sampleInterval ?? 1024));
  const name = fn.name ? ` ${fn.name}` : '';
  const list = (title: string, lines: string[]) =>
    lines.length ? `\n${title}:\n${lines.map((w) => `  ${w}`).join('\n')}` : '';
  throw new Error(
    `expectNoLeaks: each run of${name || ' the function'} keeps ${kept} bytes (counted over ${WINDOWS} × ${5 * runs} runs; tolerance ${tolerance})` +
      list('allocated by (sampled, live after the run)', where) +
      list('held by (objects made in the last window and still alive, by retainer path)', held),
  );
}

/** Runs fn, awaiting it only when it returns a promise (an await keeps a little of its own). */
async function runOnce(fn: () => unknown): Promise<void> {
  const r = fn();
  if (r instanceof Promise) await r;
}

/**
 * A settled heap: full collections, two turns of the event loop (destroy hooks and other
 * callbacks of freed resources run there), full collections again. Always the same steps, so
 * that what they leave behind is the same before and after a run.
 */
async function settle(): Promise<void> {
  const gc = forceGc();
  gc();
  gc();
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

/** The median growth per run between settled heaps, confirmed by heap snapshots when above the tolerance. */
async function bytesKeptPerRun(fn: () => unknown, runs: number, tolerance: number): Promise<number> {
  // Compiled code is left out: optimising compilers finish on other threads and install code
  // at any moment (code space moves by hundreds of KB), which is not what the function keeps.
  const live = async () => {
    await settle();
    let used = 0;
    for (const space of v8.getHeapSpaceStatistics())
      if (!space.space_name.startsWith('code_')) used += space.space_used_size;
    return used + process.memoryUsage().external;
  };
  // Every measurement comes right after a run of fn, so that what a run leaves for later
  // (a timer list, a destroy hook) is there each time: the heap after run i less the heap after
  // run i - 1. The growths go into a buffer made beforehand (a growing array would be measured).
  for (let i = 0; i < 5; i++) await runOnce(fn);
  const growth = new Float64Array(runs);
  let last = await live();
  for (let i = 0; i < runs; i++) {
    await runOnce(fn);
    const now = await live();
    growth[i] = now - last;
    last = now;
  }
  const median = growth.sort()[Math.floor(runs / 2)];
  if (median <= tolerance) return median;
  // once unmeasured: what the first snapshot makes for good (its file name) is not fn's
  programHeapBytes();
  // Counts after one run, then after each of five windows of 5 × `runs` runs, all taken at
  // one place in this loop, so that what the measuring itself holds (a number in a register,
  // a pending promise) is the same in each. V8 and Node now and then move a window by a few
  // dozen or hundred bytes either way (an object reshaped, a timer list, a finished compile,
  // more often on a busy machine); what fn keeps grows every window alike (see
  // windowsVerdict). External memory first: the snapshot is read into a Buffer.
  const perWindow = 5 * runs;
  const counts = new Float64Array(WINDOWS + 1);
  const windows = new Float64Array(WINDOWS);
  for (let k = 0; k <= WINDOWS; k++) {
    for (let i = k === 0 ? perWindow - 1 : 0; i < perWindow; i++) await runOnce(fn);
    await settle();
    counts[k] = process.memoryUsage().external;
    counts[k] += programHeapBytes();
    if (k > 0) windows[k - 1] = counts[k] - counts[k - 1];
    // Each heap snapshot costs a few hundred milliseconds (test runners time out at 5 s): stop
    // once the answer cannot change.
    const verdict = windowsVerdict(windows.subarray(0, k), perWindow);
    if (verdict !== undefined) return verdict;
  }
  return 0;
}

/**
 * What a program can hold: heap snapshot nodes other than V8's own (code, feedback vectors,
 * object shapes, internal tables: the optimising compilers add them from other threads while
 * a function warms up), roots and native memory. Objects' property stores are left out too:
 * V8 reshapes them (a prototype leaves dictionary mode); what a program keeps in properties
 * counts through the keys and values.
 */
const NOT_PROGRAM_HEAP = ['hidden', 'code', 'object shape', 'synthetic', 'native'];
const PROPERTY_STORE = '(object properties)';

let snapshotFile: string | undefined;
/** The largest object id of the last window's snapshot [0], and of the one before [1]. */
let windowIds: Float64Array | undefined;

/**
 * The self sizes of the program's values in a heap snapshot (reachable only: a snapshot
 * collects first). The snapshot is kept until the next one (see holders).
 */
function programHeapBytes(): number {
  // Written by V8 itself: a stream of it would put Node's stream objects into what is
  // measured. One name for every snapshot of the process: a new name each time was a new
  // string in each snapshot, now flat, now in pieces, which moved windows by 88 bytes.
  snapshotFile ??= join(tmpdir(), `heapflame-${process.pid}.heapsnapshot`);
  windowIds ??= new Float64Array(2);
  windowIds[1] = windowIds[0];
  v8.writeHeapSnapshot(snapshotFile);
  return snapshotSelfBytes(readFileSync(snapshotFile), NOT_PROGRAM_HEAP, PROPERTY_STORE, windowIds);
}

/** References of a retainer path shown in the message (its end: the program's side). */
const HELD_STEPS = 4;

/**
 * The three largest clusters of objects made in the last window, each with the end of its
 * retainer path, as `heapflame leaks` clusters them. Made in the window: V8 numbers objects
 * in the order it first sees them, so they are the last snapshot's objects with ids above the
 * largest of the snapshot before. Best effort: a failure leaves the lines out.
 */
async function holders(): Promise<string[]> {
  if (!snapshotFile || !windowIds) return [];
  const since = windowIds[1];
  try {
    const [{ loadHeapSnapshot }, { findLeaksSince }, { formatBytes, formatInt }] = await Promise.all([
      import('../load.js'),
      import('../analyze/heap-leaks.js'),
      import('../export/format.js'),
    ]);
    const report = findLeaksSince(since, await loadHeapSnapshot(snapshotFile), { maxClusters: 3 });
    // the end of the path as `leaks` prints it: a class, then each reference and what it reaches
    return report.clusters.map((c) => {
      const steps = c.example.path.slice(-(HELD_STEPS + 1));
      const path = steps.map((step, i) => (i === 0 ? step.className : `--${step.edge}--> ${step.className}`));
      const more = c.example.path.length > steps.length ? '… ' : '';
      return `${formatInt(c.count)} × ${c.className} (${formatBytes(c.retained)} retained): ${more}${path.join(' ')}`;
    });
  } catch {
    return [];
  }
}

/** More runs under V8's heap sampler (live objects only): who allocated what stayed. */
async function retainingFunctions(fn: () => unknown, interval: number): Promise<string[]> {
  const sampler = heapSampler('live', interval);
  try {
    sampler.start();
    // a run may keep less than a sample's worth: enough runs make what stays visible
    for (let i = 0; i < 32; i++) await runOnce(fn);
    await settle();
    const profile = sampler.stop();
    const bySite = new Map<string, number>();
    const pending = [profile.head as SamplingNode];
    for (let n = pending.pop(); n; n = pending.pop()) {
      const f = n.callFrame;
      // (a script's url is a file: URL, or under vitest a path)
      const path = f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url;
      if (n.selfSize > 0 && path && !path.startsWith('node:') && !path.startsWith(OWN_ROOT)) {
        const site = `${f.functionName || '(anonymous)'} (${path}:${f.lineNumber + 1})`;
        bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      }
      for (const child of n.children) pending.push(child);
    }
    return [...bySite]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([site, bytes]) => `${site}: about ${bytes} bytes`);
  } catch {
    return [];
  } finally {
    sampler.close();
  }
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

// ---------------------------------------------------------------------------------------------
// expectNoForgottenTasks: what fn started and left running

interface Tracked {
  type: string;
  resource: WeakRef<object>;
  stack: string;
  resolved: boolean;
}

/**
 * Runs `fn` and rejects with every timer, interval, pending promise, socket, server or child
 * process it (or anything it started) created and left running, each with its creating stack.
 * Waits two turns of the event loop after `fn` (close callbacks run after the check phase),
 * never for the tasks themselves, so it cannot hang. Uses async_hooks for the duration of the
 * call only: test code, where its cost (about 12× on promise-heavy code) does not matter.
 */
export async function expectNoForgottenTasks(fn: () => unknown): Promise<void> {
  const scope = new AsyncLocalStorage<object>();
  const token = {};
  const tracked = new Map<number, Tracked>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (scope.getStore() !== token) return;
      const site = {} as { stack?: string };
      Error.captureStackTrace(site);
      tracked.set(id, { type, resource: new WeakRef(resource as object), stack: site.stack ?? '', resolved: false });
    },
    promiseResolve(id) {
      const t = tracked.get(id);
      if (t) t.resolved = true;
    },
    destroy(id) {
      tracked.delete(id);
    },
  }).enable();
  try {
    await scope.run(token, async () => {
      await fn();
    });
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  const left = [...tracked.values()].filter(stillRunning);
  if (left.length === 0) return;
  throw new Error(
    `expectNoForgottenTasks: ${left.length} task${left.length > 1 ? 's' : ''} left running:\n${left.map(describe).join('\n')}`,
  );
}

function stillRunning(t: Tracked): boolean {
  const r = t.resource.deref() as { _destroyed?: boolean; hasRef?: () => boolean } | undefined;
  if (t.type === 'PROMISE') return !t.resolved;
  if (!r) return false;
  if (t.type === 'Timeout' || t.type === 'Immediate') return !r._destroyed;
  // handles the runtime shares (a DNS resolver cache) have no hasRef and are not the test's
  return typeof r.hasRef === 'function' && r.hasRef();
}

/** The task's type and the first frames of its creating stack outside Node and heapflame. */
function describe(t: Tracked): string {
  const frames = t.stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(
      (l) => l.startsWith('at ') && !l.includes('node:') && !l.includes(`${OWN_FILE}:`) && !l.includes('(<anonymous>)'),
    );
  const kind = t.type === 'PROMISE' ? 'pending promise' : t.type === 'Timeout' ? 'timer' : t.type;
  return `  ${kind} created ${frames.slice(0, 3).join(' ← ') || '(no stack outside the runtime)'}`;
}
