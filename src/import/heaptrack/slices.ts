import { mergedBySite } from '../../model/lifetime-builder.js';
import { LIFETIME_TEMPORARY, type Lifetimes } from '../../model/profile.js';
import { grownOwned, release, SPARSE_GROWTH, widened } from '../../model/typed-arrays.js';
import { ALLOCS, EFF_SIZE, LIVE, STRIDE, TEMPS } from '../peak-tracker.js';

type Counts = Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** A count a 32-bit array holds exactly. */
const fits = (v: number) => v >= 0 && v <= 0xffffffff;

/**
 * At most this many time slices: a range is chosen at this precision (a 128th of the run
 * or better), and the rows stay bounded: sites × slices, not events.
 */
export const MAX_SLICES = 128;
/** The first slice width (ms); it doubles whenever the recording outgrows MAX_SLICES slices. */
const FIRST_WIDTH_MS = 4;

/** The parser's per-info tables (read through it: they are replaced as they grow). */
export interface InfoTable {
  infoCount: number;
  infoRecord: Int32Array;
  /** 0 for infos a size filter leaves out. */
  infoIncluded: Uint8Array;
  /**
   * Per info, STRIDE fields: its size (counted ones: the only ones logged here), allocations,
   * temporary frees and live blocks so far (peak-tracker.ts).
   */
  peak: { info: Float64Array };
}

/**
 * When blocks are allocated and freed, by time slice, while a recording streams. The parser
 * counts each info's allocations, temporary frees and live blocks anyway; when a slice ends,
 * what changed since the last one is its events (no work per event), and frees are matched to
 * blocks the way an import with a time window does (a free right after its allocation releases
 * that youngest block, any other the oldest live one); each block released is counted by
 * (site, slice born, slice died). Memory: the live blocks per info, as runs of one slice, and
 * the rows; not the events.
 */
export class SliceLog {
  private widthMs = FIRST_WIDTH_MS;
  /** How often the slices doubled: rows keep the scale they were counted at until the end. */
  private scale = 0;
  private current = 0;
  private lastMs = 0;
  // per info: its allocations, temporary frees and all frees when the last slice ended; 32 bits
  // while every count fits (16 bytes an info less than doubles: 32 MB of a 2 M-site
  // recording), doubles from the first that does not
  private allocsBefore: Counts = new Uint32Array(1024);
  private tempsBefore: Counts = new Uint32Array(1024);
  private freesBefore: Counts = new Uint32Array(1024);
  /** Live blocks per info: [slice, count]* oldest first, from `heads[info]`. */
  private heads = new Int32Array(1024);
  /** Infos made room for. */
  private infoSlots = 0;
  /**
   * The queues of the infos that have one, at `queueAt[info] - 1` (0: none): an array with
   * an entry per info was 16 MB of a 2 M-site recording, and as much again while it grew; a
   * Map cost 8 % more time on a recording where many sites have queues. Places of queues
   * given up are used again (`freePlaces`); an empty array stands in them meanwhile.
   */
  private readonly queues: number[][] = [];
  private queueAt = new Int32Array(1024);
  private readonly freePlaces: number[] = [];
  /**
   * An info whose live blocks are one run (the most of them: a site allocated in one slice)
   * keeps it here instead of in a queue: a queue per site took 160 MB for 2 M sites.
   */
  private soloSlice = new Int32Array(1024);
  private soloCount: Counts = new Uint32Array(1024);
  /** The queue of an info that has none, while its slice is matched. */
  private readonly scratch: number[] = [];
  /** Blocks released, as they come (merged once, at the end: cheaper than a table per release). */
  private readonly released = new ReleaseLog();

  constructor(private readonly infos: InfoTable) {}

  /** Room for infos below `n`. */
  ensureInfos(n: number): void {
    // only as far as the infos go (the typed arrays' ends are never touched)
    if (n > this.infoSlots) this.infoSlots = n;
    if (n <= this.heads.length) return;
    this.queueAt = grownOwned(this.queueAt, n, SPARSE_GROWTH);
    this.allocsBefore = grownOwned(this.allocsBefore, n, SPARSE_GROWTH);
    this.tempsBefore = grownOwned(this.tempsBefore, n, SPARSE_GROWTH);
    this.freesBefore = grownOwned(this.freesBefore, n, SPARSE_GROWTH);
    this.heads = grownOwned(this.heads, n, SPARSE_GROWTH);
    this.soloSlice = grownOwned(this.soloSlice, n, SPARSE_GROWTH);
    this.soloCount = grownOwned(this.soloCount, n, SPARSE_GROWTH);
  }

  /** Time moved on (a heaptrack `c` line): later events fall in the slice of `ms`. */
  tick(ms: number): void {
    this.lastMs = ms;
    const slice = Math.floor(ms / this.widthMs);
    if (slice === this.current) return;
    this.endSlice();
    while (ms >= this.widthMs * MAX_SLICES) this.coarsen();
    this.current = Math.floor(ms / this.widthMs);
  }

  /** The events of the slice ending (each info's counts since the last), matched to blocks. */
  private endSlice(): void {
    const { infoCount, infoIncluded } = this.infos;
    const counts = this.infos.peak.info;
    for (let i = 0; i < infoCount; i++) {
      if (!infoIncluded[i]) continue;
      const o = i * STRIDE;
      const allocs = counts[o + ALLOCS] - this.allocsBefore[i];
      const temps = counts[o + TEMPS] - this.tempsBefore[i];
      // every free takes a live block (below zero for blocks never seen)
      const frees = counts[o + ALLOCS] - counts[o + LIVE] - this.freesBefore[i] - temps;
      if (allocs === 0 && temps === 0 && frees === 0) continue;
      const freed = this.freesBefore[i] + frees + temps;
      if (this.narrow() && !(fits(counts[o + ALLOCS]) && fits(counts[o + TEMPS]) && fits(freed))) this.widen();
      this.allocsBefore[i] = counts[o + ALLOCS];
      this.tempsBefore[i] = counts[o + TEMPS];
      this.freesBefore[i] = freed;
      this.match(i, allocs, temps, frees);
    }
  }

  /** One info's slice: allocations join its live blocks, temporary frees release the youngest, others the oldest. */
  private match(info: number, allocs: number, temps: number, frees: number): void {
    const slice = this.current;
    const at = this.queueAt[info];
    let q = at ? this.queues[at - 1] : undefined;
    let head = this.heads[info];
    if (q === undefined) {
      q = this.scratch;
      q.length = 0;
      head = 0;
      if (this.soloCount[info] > 0) q.push(this.soloSlice[info], this.soloCount[info]);
    }
    if (allocs > 0) {
      if (q.length > head && q[q.length - 2] === slice) q[q.length - 1] += allocs;
      else q.push(slice, allocs);
    }
    for (let left = temps; left > 0 && q.length > head; ) {
      const n = Math.min(left, q[q.length - 1]);
      this.released.add(info, q[q.length - 2], slice, LIFETIME_TEMPORARY, this.scale, n);
      left -= n;
      q[q.length - 1] -= n;
      if (q[q.length - 1] === 0) q.length -= 2;
    }
    // frees of blocks never seen (a recording attached late) release nothing
    for (let left = frees; left > 0 && head < q.length; ) {
      const n = Math.min(left, q[head + 1]);
      this.released.add(info, q[head], slice, 0, this.scale, n);
      left -= n;
      q[head + 1] -= n;
      if (q[head + 1] === 0) head += 2;
    }
    this.keep(info, q, head);
  }

  /** What is left of an info's queue from `head`: one run inline, more in a queue of its own. */
  private keep(info: number, q: number[], head: number): void {
    const runs = (q.length - head) / 2;
    if (runs <= 1) {
      if (this.narrow() && runs === 1 && !fits(q[head + 1])) this.widen();
      this.soloCount[info] = runs === 1 ? q[head + 1] : 0;
      this.soloSlice[info] = runs === 1 ? q[head] : 0;
      const at = this.queueAt[info];
      if (at) {
        this.queues[at - 1] = NO_QUEUE;
        this.freePlaces.push(at - 1);
        this.queueAt[info] = 0;
      }
      this.heads[info] = 0;
      return;
    }
    this.soloCount[info] = 0;
    if (q === this.scratch) {
      const place = this.freePlaces.pop() ?? this.queues.length;
      this.queues[place] = q.slice(head);
      this.queueAt[info] = place + 1;
      this.heads[info] = 0;
      return;
    }
    if (head > 64 && head * 2 > q.length) {
      q.splice(0, head);
      head = 0;
    }
    this.heads[info] = head;
  }

  /** The counts are still 32-bit. */
  private narrow(): boolean {
    return this.allocsBefore instanceof Uint32Array;
  }

  /** The counts per info as doubles from now on: one did not fit in 32 bits. */
  private widen(): void {
    const infos = this.infoSlots;
    this.allocsBefore = widened(this.allocsBefore, infos);
    this.tempsBefore = widened(this.tempsBefore, infos);
    this.freesBefore = widened(this.freesBefore, infos);
    this.soloCount = widened(this.soloCount, infos);
  }

  /** Slices twice as wide: live blocks re-counted in them now, rows at the end. */
  private coarsen(): void {
    this.widthMs *= 2;
    this.scale++;
    for (const q of this.queues) for (let k = 0; k < q.length; k += 2) q[k] >>= 1;
    for (let i = 0; i < this.infoSlots; i++) this.soloSlice[i] >>= 1;
  }

  /** The blocks of every sample row (site) by slice of birth and death; the still live never die (died = slices). */
  lifetimes(): Lifetimes {
    this.endSlice();
    const slices = Math.floor(this.lastMs / this.widthMs) + 1;
    // in info order, as the rows' order follows
    for (let info = 0; info < this.infoSlots; info++) {
      const at = this.queueAt[info];
      const q = at ? this.queues[at - 1] : undefined;
      if (q) {
        for (let k = this.heads[info]; k < q.length; k += 2)
          if (q[k + 1] > 0) this.released.add(info, q[k], slices, 0, this.scale, q[k + 1]);
      } else if (this.soloCount[info] > 0) {
        this.released.add(info, this.soloSlice[info], slices, 0, this.scale, this.soloCount[info]);
      }
    }
    const edgesMs = Array.from({ length: slices + 1 }, (_, s) => s * this.widthMs);
    this.releasePerInfo();
    return this.released.merged(this.infos, this.scale, slices, edgesMs);
  }

  /**
   * Gives back the per-info state before the releases are merged, which is when memory peaks
   * (56 bytes per info: 110 MB of a 2 M-site recording). The log is not used after.
   */
  private releasePerInfo(): void {
    for (const a of [this.allocsBefore, this.tempsBefore, this.freesBefore, this.soloCount]) release(a);
    for (const a of [this.heads, this.soloSlice, this.queueAt]) release(a);
    this.allocsBefore = this.tempsBefore = this.freesBefore = this.soloCount = new Uint32Array(0);
    this.heads = this.soloSlice = new Int32Array(0);
    this.queueAt = new Int32Array(0);
    this.queues.length = 0;
    this.freePlaces.length = 0;
    this.infoSlots = 0;
  }
}

/**
 * Releases (info, slice born, slice died, flags, scale, blocks) appended as they come; merged
 * at the end per site (sample row) with a scratch table over (born, died, flags): sequential
 * writes while reading, one sort by site, no hash probe per release.
 */
class ReleaseLog {
  // in chunks of CHUNK releases: appending never copies what is there
  private readonly infos: Int32Array[] = [];
  /** scale << 18 | born << 10 | died << 2 | flags */
  private readonly keys: Int32Array[] = [];
  private readonly counts: Float64Array[] = [];
  private size = 0;

  add(info: number, born: number, died: number, flags: number, scale: number, n: number): void {
    const at = this.size & (CHUNK - 1);
    if (at === 0) {
      this.infos.push(new Int32Array(CHUNK));
      this.keys.push(new Int32Array(CHUNK));
      this.counts.push(new Float64Array(CHUNK));
    }
    const c = this.infos.length - 1;
    this.infos[c][at] = info;
    this.keys[c][at] = (scale << 18) | (born << 10) | (died << 2) | flags;
    this.counts[c][at] = n;
    this.size++;
  }

  /** Rows by (site, born, died, flags) in the final slices (`scale` doublings; `slices` of them). */
  merged(infos: InfoTable, scale: number, slices: number, edgesMs: number[]): Lifetimes {
    const { infoRecord } = infos;
    const sizes = infos.peak.info;
    // read in place, chunk by chunk (a flat copy of the log doubled its memory at the end)
    const { infos: infoChunks, keys, counts } = this;
    const info = (i: number) => infoChunks[i >>> CHUNK_BITS][i & (CHUNK - 1)];
    let sites = 0;
    for (let i = 0; i < this.size; i++) sites = Math.max(sites, infoRecord[info(i)] + 1);
    return mergedBySite(
      {
        rows: this.size,
        site: (i) => infoRecord[info(i)],
        slices: (i, cell) => {
          const key = keys[i >>> CHUNK_BITS][i & (CHUNK - 1)];
          const shift = scale - (key >>> 18);
          cell[0] = ((key >>> 10) & 255) >> shift;
          cell[1] = Math.min(((key >>> 2) & 255) >> shift, slices);
          cell[2] = key & 3;
        },
        count: (i) => counts[i >>> CHUNK_BITS][i & (CHUNK - 1)],
        bytes: (i) => counts[i >>> CHUNK_BITS][i & (CHUNK - 1)] * sizes[info(i) * STRIDE + EFF_SIZE],
      },
      sites,
      slices,
      edgesMs,
    );
  }
}

/** What stands in a queue's place once its info has none (never written to). */
const NO_QUEUE: number[] = [];

/** Releases per chunk of the log. */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
