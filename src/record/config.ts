/**
 * What the recorder measures on Node < 26, where V8 has one heap sampler per process and its
 * samples do not say whether their object is still alive:
 * - `alloc`: every sampled allocation, collected or not (both GC-inclusion flags): `allocated`.
 * - `live`: only samples whose object is alive: `leaked` (alive at exit after a forced GC)
 *   and `peak` (alive when the heap was highest).
 */
export type RecordMode = 'alloc' | 'live';

export interface RecorderConfig {
  /** The top process's file; other Node processes of the run write `out.<pid>`. */
  out: string;
  /** Process id of `heapflame record`: its direct child is the top process. */
  parentPid: number;
  /**
   * Set when `heapflame record` replaced itself by the program (execve): the top process is
   * this one, and its recorder says at exit which files the run wrote.
   */
  topPid?: number;
  /** This run's id, written into every file: concurrent runs with one -o tell their files apart. */
  run: string;
  mode: RecordMode;
  /** Bytes between samples (V8's sampling interval). */
  interval: number;
  /** Turn off V8 inlining, so allocations are charged to the function that makes them. */
  precise: boolean;
  /** Timeline period. */
  tickMs: number;
  /** alloc mode: samples are collected and merged this often, which bounds their memory. */
  windowMs: number;
  /**
   * Node 26+: the window of v8.startHeapProfile, whose liveness holds per window (default
   * 60 s; `heapflame record` never sets it, tests do to see several windows in a short run).
   */
  liveWindowMs?: number;
  /** Heap snapshots (see snapshots.ts): one at exit; one every this many ms (0: none). */
  snapshotAtExit: boolean;
  snapshotEveryMs: number;
}

export const RECORDER_ENV = 'HEAPFLAME_RECORD';

/**
 * Default bytes between samples. Measured on a JSON-heavy loop (bench/record.mjs, Node 20,
 * CPU time in the program's process, median of 5): 32 KiB +12 %, 128 KiB +5 %, 512 KiB +3 %.
 * 128 KiB still puts about 80 samples on a function that allocates 10 MB.
 */
export const DEFAULT_INTERVAL = 128 * 1024;

export function loadRecorderConfig(env: NodeJS.ProcessEnv): RecorderConfig | null {
  const raw = env[RECORDER_ENV];
  if (!raw) return null;
  const c = JSON.parse(raw) as Partial<RecorderConfig>;
  if (typeof c.out !== 'string' || !c.out) throw new Error(`${RECORDER_ENV} has no output file`);
  return {
    out: c.out,
    parentPid: Number(c.parentPid) || 0,
    topPid: Number(c.topPid) > 0 ? Number(c.topPid) : undefined,
    run: typeof c.run === 'string' ? c.run : '',
    mode: c.mode === 'live' ? 'live' : 'alloc',
    interval: Number(c.interval) > 0 ? Number(c.interval) : DEFAULT_INTERVAL,
    precise: c.precise === true,
    tickMs: Number(c.tickMs) > 0 ? Number(c.tickMs) : 100,
    windowMs: Number(c.windowMs) > 0 ? Number(c.windowMs) : 2000,
    liveWindowMs: Number(c.liveWindowMs) > 0 ? Number(c.liveWindowMs) : undefined,
    snapshotAtExit: c.snapshotAtExit === true,
    snapshotEveryMs: Math.max(Number(c.snapshotEveryMs) || 0, 0),
  };
}
