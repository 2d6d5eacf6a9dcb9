import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { formatBytes } from '../export/format.js';

/**
 * heapflame/hotpath: per-function time and allocation, like Rust's hotpath. Wrap functions
 * with `measure` (or code with `measureBlock`); with HEAPFLAME_HOTPATH=1 a table goes to
 * stderr at exit: calls, average, percentiles (HEAPFLAME_HOTPATH_PERCENTILES, default
 * 50,95,99), total, % of total, and bytes allocated per call (HEAPFLAME_HOTPATH=timing: time
 * only, much cheaper per call). HEAPFLAME_HOTPATH_JSON=path writes the same as JSON. Without
 * HEAPFLAME_HOTPATH, `measure` returns the function itself: it costs nothing.
 *
 * - Times are wall time, inclusive (a measured call inside another counts in both); async
 *   functions count until their promise settles. % of total is hotpath's: a function's total
 *   over the time since the first measurement, so the column can sum past 100 %.
 * - Allocated bytes come from the heap's growth during the call (0.5 µs to read). A collection
 *   during the call hides what it freed: calls seen to span one (the heap shrank, or a GC was
 *   reported since the last call; exact detection costs 24 µs a call) are left out of the
 *   average and the row says how many; the figure stays approximate when collections are
 *   frequent. Async calls interleave, so their bytes are not measured.
 */
const mode = process.env.HEAPFLAME_HOTPATH ?? '';
const enabled = ['1', 'true', 'timing', 'alloc'].includes(mode);
/** HEAPFLAME_HOTPATH=timing leaves the heap alone: reading it twice is most of a call's cost. */
const withAlloc = enabled && mode !== 'timing';
const MAX_SAMPLES = 100_000;

interface Stats {
  name: string;
  calls: number;
  totalMs: number;
  /** Durations kept for percentiles: all up to MAX_SAMPLES, then a uniform reservoir. */
  samples: number[];
  allocBytes: number;
  allocCalls: number;
  gcCalls: number;
  async: boolean;
}

const table = new Map<string, Stats>();
let started = 0;
let gcCount = 0;

function statsOf(name: string): Stats {
  let s = table.get(name);
  if (!s) {
    s = { name, calls: 0, totalMs: 0, samples: [], allocBytes: 0, allocCalls: 0, gcCalls: 0, async: false };
    table.set(name, s);
  }
  return s;
}

function record(s: Stats, ms: number): void {
  s.calls++;
  s.totalMs += ms;
  if (s.samples.length < MAX_SAMPLES) s.samples.push(ms);
  else {
    const k = Math.floor(Math.random() * s.calls);
    if (k < MAX_SAMPLES) s.samples[k] = ms;
  }
}

const usedHeap = () => v8.getHeapStatistics().used_heap_size;

/** Wraps `fn` so its calls are measured under `name` (default: the function's name). */
export function measure<F extends (...args: never[]) => unknown>(fn: F, name?: string): F {
  if (!enabled) return fn;
  start();
  const s = statsOf(name || fn.name || '(anonymous)');
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    const gcs = gcCount;
    const heap = withAlloc ? usedHeap() : 0;
    const t0 = performance.now();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (e) {
      record(s, performance.now() - t0);
      throw e;
    }
    if (result instanceof Promise) {
      s.async = true;
      return result.finally(() => record(s, performance.now() - t0)) as ReturnType<F>;
    }
    record(s, performance.now() - t0);
    if (!withAlloc) return result as ReturnType<F>;
    const grown = usedHeap() - heap;
    if (gcCount === gcs && grown >= 0) {
      s.allocBytes += grown;
      s.allocCalls++;
    } else s.gcCalls++;
    return result as ReturnType<F>;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped as unknown as F;
}

/** Runs `fn` now, measured under `name`. */
export function measureBlock<T>(name: string, fn: () => T): T {
  return enabled ? measure(fn, name)() : fn();
}

let startedOnce = false;
function start(): void {
  if (startedOnce) return;
  startedOnce = true;
  started = performance.now();
  // collections are counted so a call that spans one is known (an observer costs nothing per call)
  import('node:perf_hooks').then(({ PerformanceObserver }) => {
    new PerformanceObserver((list) => (gcCount += list.getEntries().length)).observe({ entryTypes: ['gc'] });
  });
  process.on('exit', report);
}

export interface HotpathRow {
  name: string;
  calls: number;
  avgMs: number;
  percentilesMs: Record<string, number>;
  totalMs: number;
  percentTotal: number;
  /** Bytes allocated per call, null where not measured (async calls). */
  allocBytesPerCall: number | null;
  /** Calls left out of the allocation average because a collection ran during them. */
  allocApproximateCalls: number;
}

function percentiles(): number[] {
  const list = (process.env.HEAPFLAME_HOTPATH_PERCENTILES ?? '50,95,99')
    .split(',')
    .map(Number)
    .filter((p) => p > 0 && p <= 100);
  return list.length ? list : [50, 95, 99];
}

/** The measurements so far, widest total first. */
export function hotpathRows(): HotpathRow[] {
  const elapsed = Math.max(performance.now() - started, 1e-9);
  const ps = percentiles();
  return [...table.values()]
    .map((s) => {
      const sorted = [...s.samples].sort((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
      return {
        name: s.name,
        calls: s.calls,
        avgMs: s.calls ? s.totalMs / s.calls : 0,
        percentilesMs: Object.fromEntries(ps.map((p) => [`p${p}`, at(p)])),
        totalMs: s.totalMs,
        percentTotal: (100 * s.totalMs) / elapsed,
        allocBytesPerCall: !withAlloc || s.async || s.allocCalls === 0 ? null : s.allocBytes / s.allocCalls,
        allocApproximateCalls: s.gcCalls,
      };
    })
    .sort((a, b) => b.totalMs - a.totalMs);
}

const ms = (v: number) =>
  v < 0.001
    ? `${Math.round(v * 1e6)} ns`
    : v < 1
      ? `${(v * 1000).toFixed(2)} µs`
      : v < 1000
        ? `${v.toFixed(2)} ms`
        : `${(v / 1000).toFixed(2)} s`;
// heapflame's one byte format, as in its reports
const bytes = (v: number | null) => (v === null ? 'N/A*' : formatBytes(v));

/** The table hotpath prints, as text. */
export function renderHotpath(rows = hotpathRows()): string {
  const ps = percentiles();
  const head = ['Function', 'Calls', 'Avg', ...ps.map((p) => `P${p}`), 'Total', '% Total', 'Alloc/call'];
  const body = rows.map((r) => [
    r.name,
    String(r.calls),
    ms(r.avgMs),
    ...ps.map((p) => ms(r.percentilesMs[`p${p}`])),
    ms(r.totalMs),
    `${r.percentTotal.toFixed(2)}%`,
    `${bytes(r.allocBytesPerCall)}${r.allocApproximateCalls ? ` (${r.allocApproximateCalls} calls with a GC left out)` : ''}`,
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((row) => row[k].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const elapsed = performance.now() - started;
  return [
    `[heapflame hotpath] ${rows.length} functions, ${ms(elapsed)} since the first measurement (N/A*: async, not measured)`,
    rule,
    line(head),
    rule,
    ...body.map(line),
    rule,
    '',
  ].join('\n');
}

function report(): void {
  try {
    const rows = hotpathRows();
    process.stderr.write(renderHotpath(rows));
    const json = process.env.HEAPFLAME_HOTPATH_JSON;
    if (json)
      writeFileSync(
        json,
        `${JSON.stringify(
          { schema: 'heapflame.hotpath/1', elapsedMs: performance.now() - started, percentiles: percentiles(), rows },
          null,
          2,
        )}\n`,
      );
  } catch (e) {
    process.stderr.write(`heapflame hotpath: cannot report: ${(e as Error).message}\n`);
  }
}
