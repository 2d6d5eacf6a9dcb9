import { grown } from '../../model/typed-arrays.js';
import { LIFETIME_TEMPORARY, type Lifetimes } from '../../model/profile.js';

/**
 * At most this many time slices: a range is chosen at this precision, and the data stays
 * bounded (a slice, or "never freed", fits a byte).
 */
export const MAX_SLICES = 255;
/** The first slice width (ms); it doubles whenever the recording outgrows MAX_SLICES slices. */
const FIRST_WIDTH_MS = 4;

/**
 * Counts allocations and frees per allocation info and time slice while a recording streams,
 * then matches frees to blocks the way an import with a time window does (a free right after
 * its allocation releases that youngest block, any other the oldest live one) to tell each
 * block's slice of birth and of death. Memory: a few counters per info and one entry per info
 * and slice it was active in, however many events there are.
 */
export class SliceLog {
  private widthMs = FIRST_WIDTH_MS;
  /** Start (ms) of the slice events now fall in. */
  private start = 0;
  private lastMs = 0;
  // per info: the start of the slice its counters are for, and its allocations, temporary frees, other frees
  private infoStart = new Float64Array(1024).fill(-1);
  private allocs = new Uint32Array(1024);
  private temps = new Uint32Array(1024);
  private frees = new Uint32Array(1024);
  // entries, one per (info, slice) with events, in time order per info
  private eInfo = new Int32Array(4096);
  private eStart = new Float64Array(4096);
  private eCounts = new Uint32Array(4096 * 3);
  private entries = 0;

  /** Time moved on (a heaptrack `c` line): later events fall in the slice of `ms`. */
  tick(ms: number): void {
    this.lastMs = ms;
    while (ms >= this.widthMs * MAX_SLICES) this.widthMs *= 2;
    this.start = Math.floor(ms / this.widthMs) * this.widthMs;
  }

  alloc(info: number): void {
    if (this.infoStart[info] !== this.start) this.flush(info);
    this.allocs[info]++;
  }

  free(info: number, temporary: boolean): void {
    if (this.infoStart[info] !== this.start) this.flush(info);
    if (temporary) this.temps[info]++;
    else this.frees[info]++;
  }

  /** Room for infos below `n`. */
  ensureInfos(n: number): void {
    if (n <= this.infoStart.length) return;
    const old = this.infoStart.length;
    this.infoStart = grown(this.infoStart, n);
    this.infoStart.fill(-1, old);
    this.allocs = grown(this.allocs, n);
    this.temps = grown(this.temps, n);
    this.frees = grown(this.frees, n);
  }

  /** The info's counters of its last slice become an entry; they restart for the current slice. */
  private flush(info: number): void {
    const a = this.allocs[info];
    const t = this.temps[info];
    const f = this.frees[info];
    if (a + t + f > 0) {
      const e = this.entries++;
      if (e === this.eInfo.length) {
        this.eInfo = grown(this.eInfo, e + 1);
        this.eStart = grown(this.eStart, e + 1);
        this.eCounts = grown(this.eCounts, (e + 1) * 3);
      }
      this.eInfo[e] = info;
      this.eStart[e] = this.infoStart[info];
      this.eCounts[e * 3] = a;
      this.eCounts[e * 3 + 1] = t;
      this.eCounts[e * 3 + 2] = f;
      this.allocs[info] = this.temps[info] = this.frees[info] = 0;
    }
    this.infoStart[info] = this.start;
  }

  /**
   * The blocks of every sample row by slice of birth and death. `record[i]` and `size[i]`:
   * the sample row and block size of info i; `counted[i]` 0 for infos a size filter leaves out.
   */
  lifetimes(infoCount: number, record: Int32Array, size: Float64Array, counted: Uint8Array): Lifetimes {
    for (let i = 0; i < infoCount && i < this.infoStart.length; i++) this.flush(i);
    const width = this.widthMs;
    const slices = Math.floor(this.lastMs / width) + 1;
    const rows = new LifetimeRows(slices);
    const byInfo = this.entriesByInfo(infoCount);
    const queue: number[] = [];
    for (let i = 0; i < infoCount; i++) {
      if (!counted[i]) continue;
      queue.length = 0;
      const add = (born: number, died: number, flags: number, n: number) =>
        rows.add(record[i], born, died, flags, n, n * size[i]);
      for (let k = byInfo.first[i]; k < byInfo.first[i + 1]; k++) {
        const e = byInfo.order[k];
        const slice = Math.floor(this.eStart[e] / width);
        matchFrees(queue, slice, this.eCounts, e * 3, add);
      }
      for (let q = 0; q < queue.length; q += 2) if (queue[q + 1] > 0) add(queue[q], slices, 0, queue[q + 1]);
    }
    const edgesMs = Array.from({ length: slices + 1 }, (_, s) => s * width);
    return rows.build(edgesMs);
  }

  /** Entry indexes grouped by info (a counting sort: time order within an info is kept). */
  private entriesByInfo(infoCount: number): { first: Int32Array; order: Int32Array } {
    const first = new Int32Array(infoCount + 1);
    for (let e = 0; e < this.entries; e++) if (this.eInfo[e] < infoCount) first[this.eInfo[e] + 1]++;
    for (let i = 0; i < infoCount; i++) first[i + 1] += first[i];
    const fill = first.slice(0, infoCount);
    const order = new Int32Array(first[infoCount]);
    for (let e = 0; e < this.entries; e++) if (this.eInfo[e] < infoCount) order[fill[this.eInfo[e]]++] = e;
    return { first, order };
  }
}

/**
 * One slice of one info: its allocations join the live blocks (queue: [slice, count]*), its
 * temporary frees release the youngest, its other frees the oldest; each release is a row.
 * Frees of blocks never seen (the recording attached late) release nothing.
 */
function matchFrees(
  queue: number[],
  slice: number,
  counts: Uint32Array,
  at: number,
  add: (born: number, died: number, flags: number, n: number) => void,
): void {
  const [allocs, temps, frees] = [counts[at], counts[at + 1], counts[at + 2]];
  if (allocs > 0) {
    if (queue.length > 0 && queue[queue.length - 2] === slice) queue[queue.length - 1] += allocs;
    else queue.push(slice, allocs);
  }
  for (let left = temps; left > 0 && queue.length > 0; ) {
    const n = Math.min(left, queue[queue.length - 1]);
    add(queue[queue.length - 2], slice, LIFETIME_TEMPORARY, n);
    left -= n;
    queue[queue.length - 1] -= n;
    if (queue[queue.length - 1] === 0) queue.length -= 2;
  }
  let head = 0;
  for (let left = frees; left > 0 && head < queue.length; ) {
    const n = Math.min(left, queue[head + 1]);
    add(queue[head], slice, 0, n);
    left -= n;
    queue[head + 1] -= n;
    if (queue[head + 1] === 0) head += 2;
  }
  if (head > 0) queue.splice(0, head);
}

/** Rows merged by (sample, born, died, flags). */
class LifetimeRows {
  private readonly index = new Map<number, number>();
  private sample: number[] = [];
  private born: number[] = [];
  private died: number[] = [];
  private flags: number[] = [];
  private count: number[] = [];
  private bytes: number[] = [];

  constructor(private readonly slices: number) {}

  add(sample: number, born: number, died: number, flags: number, count: number, bytes: number): void {
    const s = this.slices + 1;
    const key = ((sample * s + born) * s + died) * 4 + flags;
    let row = this.index.get(key);
    if (row === undefined) {
      row = this.sample.length;
      this.index.set(key, row);
      this.sample.push(sample);
      this.born.push(born);
      this.died.push(died);
      this.flags.push(flags);
      this.count.push(0);
      this.bytes.push(0);
    }
    this.count[row] += count;
    this.bytes[row] += bytes;
  }

  build(edgesMs: number[]): Lifetimes {
    return {
      edgesMs,
      sample: Int32Array.from(this.sample),
      born: Int32Array.from(this.born),
      died: Int32Array.from(this.died),
      flags: Uint8Array.from(this.flags),
      count: Float64Array.from(this.count),
      bytes: Float64Array.from(this.bytes),
    };
  }
}
