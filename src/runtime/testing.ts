import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { heapSampler } from '../record/sampler.js';
import { forceGc } from './gc.js';
import { heapWatch } from './heap-watch.js';

/** This file: its frames are not the caller's. */
const OWN_FILE = fileURLToPath(import.meta.url);

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
  return { currBytes: now.used, maxBytes: now.max, totalBytes: now.allocated, externalBytes: process.memoryUsage().external };
}

// ---------------------------------------------------------------------------------------------
// expectNoLeaks: exact live-heap measurement around fn

export interface NoLeaksOptions {
  /** Bytes a run may keep (default 0). */
  toleranceBytes?: number;
  /** Measured runs, after 5 warm-up runs; the median decides (default 10). */
  runs?: number;
  /** Bytes between samples of the sampled runs that name the allocating functions (default 1024). */
  sampleInterval?: number;
}

/**
 * Runs `fn` (sync or async) 5 times to warm up, then `runs` times, each between two pairs of
 * full collections, and rejects when the median growth of the heap (plus external memory) is
 * above the tolerance. The median is exact to the byte: single runs show noise from compiled
 * code and feedback vectors, never the median. On failure 32 more runs are sampled to name
 * the functions that allocated what stayed alive.
 */
export async function expectNoLeaks(fn: () => unknown, options: NoLeaksOptions = {}): Promise<void> {
  const gc = forceGc();
  const runs = Math.max(1, options.runs ?? 10);
  const tolerance = options.toleranceBytes ?? 0;
  // Compiled code is left out: optimising compilers finish on other threads and install code
  // at any moment (code space moves by hundreds of KB), which is not what the function keeps.
  const live = () => {
    gc();
    gc();
    let used = 0;
    for (const space of v8.getHeapSpaceStatistics()) if (!space.space_name.startsWith('code_')) used += space.space_used_size;
    return used + process.memoryUsage().external;
  };
  // sync functions are not awaited (an await keeps a little of its own), and the results go
  // into a buffer made beforehand (a growing array would be measured too)
  const call = async () => {
    const r = fn();
    if (r instanceof Promise) await r;
  };
  for (let i = 0; i < 5; i++) await call();
  const growth = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const before = live();
    const r = fn();
    if (r instanceof Promise) await r;
    growth[i] = live() - before;
  }
  const median = growth.sort()[Math.floor(runs / 2)];
  if (median <= tolerance) return;
  const where = await retainingFunctions(call, options.sampleInterval ?? 1024, gc);
  const name = fn.name ? ` ${fn.name}` : '';
  throw new Error(
    `expectNoLeaks: each run of${name || ' the function'} keeps ${median} bytes (median of ${runs} runs; tolerance ${tolerance})` +
      (where.length ? `\nallocated by (sampled, live after the run):\n${where.map((w) => `  ${w}`).join('\n')}` : ''),
  );
}

/** More runs under V8's heap sampler (live objects only): who allocated what stayed. */
async function retainingFunctions(fn: () => unknown, interval: number, gc: () => void): Promise<string[]> {
  const sampler = heapSampler('live', interval);
  try {
    sampler.start();
    // a run may keep less than a sample's worth: enough runs make what stays visible
    for (let i = 0; i < 32; i++) await fn();
    gc();
    gc();
    const profile = sampler.stop();
    const bySite = new Map<string, number>();
    const walk = (n: SamplingNode) => {
      const f = n.callFrame;
      if (n.selfSize > 0 && f.url && !f.url.startsWith('node:') && f.url !== `file://${OWN_FILE}`) {
        const site = `${f.functionName || '(anonymous)'} (${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1})`;
        bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      }
      n.children.forEach(walk);
    };
    walk(profile.head as SamplingNode);
    return [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([site, bytes]) => `${site}: about ${bytes} bytes`);
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
  throw new Error(`expectNoForgottenTasks: ${left.length} task${left.length > 1 ? 's' : ''} left running:\n${left.map(describe).join('\n')}`);
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
    .filter((l) => l.startsWith('at ') && !l.includes('node:') && !l.includes(`${OWN_FILE}:`) && !l.includes('(<anonymous>)'));
  const kind = t.type === 'PROMISE' ? 'pending promise' : t.type === 'Timeout' ? 'timer' : t.type;
  return `  ${kind} created ${frames.slice(0, 3).join(' ← ') || '(no stack outside the runtime)'}`;
}
