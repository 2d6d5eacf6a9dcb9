import v8 from 'node:v8';

interface GcStats {
  gcType: string;
  /** The pause, in microseconds. */
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

/**
 * The heap only grows between collections, so its peak is the largest size seen just before
 * one (v8.GCProfiler reports it) or now, and what was allocated is the sum of those growths.
 * The profiler is folded every second so its list stays short on long runs. The same records
 * give each collection's kind and pause: listeners get them when they are folded, at no cost
 * per collection (a 'gc' PerformanceObserver cost +21 % instructions on an allocation loop
 * under callgrind; the profiler, nothing measurable).
 */
export class HeapWatch {
  private profiler = new v8.GCProfiler();
  private max = 0;
  private allocated = 0;
  /** Heap in use after the last collection folded in (or at the start). */
  private base = v8.getHeapStatistics().used_heap_size;
  private readonly listeners = new Set<GcListener>();

  constructor() {
    this.profiler.start();
    setInterval(() => this.fold(), 1000).unref();
  }

  private fold(): void {
    const result = this.profiler.stop() as { statistics?: GcStats[] } | undefined;
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
    for (const gc of result?.statistics ?? []) {
      const before = gc.beforeGC.heapStatistics.usedHeapSize;
      this.max = Math.max(this.max, before);
      this.allocated += Math.max(0, before - this.base);
      this.base = gc.afterGC.heapStatistics.usedHeapSize;
      if (this.listeners.size) {
        const kind = GC_KINDS[gc.gcType] ?? 'other';
        for (const l of this.listeners) l(kind, gc.cost / 1e6);
      }
    }
  }

  /** Calls `listener` for every collection, at most a second after it; returns its remover. */
  onCollection(listener: GcListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The heap in use now, its highest since the watch started, and the bytes allocated since. */
  read(): { used: number; max: number; allocated: number } {
    this.fold();
    const used = v8.getHeapStatistics().used_heap_size;
    return { used, max: Math.max(this.max, used), allocated: this.allocated + Math.max(0, used - this.base) };
  }
}

/** A collection's kind: minor (young generation), major, incremental (marking), weakcb. */
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';
type GcListener = (kind: GcKind, pauseSeconds: number) => void;
const GC_KINDS: Record<string, GcKind> = {
  Scavenge: 'minor',
  MinorMarkCompact: 'minor',
  MinorMarkSweep: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakcb',
};

let shared: HeapWatch | undefined;

/** One watch per process, started on first use (heapflame/testing and heapflame/metrics share it). */
export function heapWatch(): HeapWatch {
  return (shared ??= new HeapWatch());
}
