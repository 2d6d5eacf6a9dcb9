import { grownOwned, release, SPARSE_GROWTH, widened } from '../model/typed-arrays.js';

/**
 * Per allocation info, interleaved in one array so an event touches one cache line:
 * [size counted (0 when filtered out), allocations, temporary frees, live blocks].
 */
export const STRIDE = 4;
export const EFF_SIZE = 0;
export const ALLOCS = 1;
export const TEMPS = 2;
export const LIVE = 3;

/**
 * Live blocks per allocation info at the first moment the total reached its maximum, in one
 * pass and bounded memory.
 *
 * A new maximum can happen on every allocation (a growing heap), so copying all counters at
 * each one is too slow, and logging every event grows with the file. Instead: keep a base
 * copy of the counters at a checkpoint plus a bounded log of the changes since then. When the
 * log is full, materialise the peak (base + log up to the peak position, or the current
 * counters minus the log after it, whichever is shorter) if the peak lies in this log, and
 * start a new checkpoint. Work is O(events + infos × checkpoints).
 */
export class PeakTracker {
  /** Change log since the checkpoint: +(info+1) for an allocation, -(info+1) for a free. */
  readonly log: Int32Array<ArrayBuffer>;
  len = 0;
  /** The per-info counters (STRIDE fields each); the caller updates LIVE alongside the log. */
  info: Float64Array<ArrayBuffer>;
  /**
   * Live blocks per info at the checkpoint, and at the peak. 32 bits each (two arrays of 8
   * bytes per info were 34 MB of a 1 M-stack recording's 300): a site with 4 G blocks live at
   * once would need 64 GB of them, and should one come, both arrays widen to 64-bit floats.
   */
  private base: Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;
  private snapshot: Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;
  private peakInLog = false;
  private peakPos = 0;
  /** Infos made room for: the arrays are longer (their ends untouched), loops stop here. */
  private infoCount = 0;

  constructor(capacity = 1 << 20) {
    this.log = new Int32Array(capacity);
    this.info = new Float64Array(4096 * STRIDE);
    this.base = new Uint32Array(4096);
    this.snapshot = new Uint32Array(4096);
  }

  /** Makes room for info indices below `n`. */
  ensureInfos(n: number): void {
    if (n > this.infoCount) this.infoCount = n;
    if (n <= this.base.length) return;
    this.info = grownOwned(this.info, n * STRIDE, SPARSE_GROWTH);
    this.base = grownOwned(this.base, n, SPARSE_GROWTH);
    this.snapshot = grownOwned(this.snapshot, n, SPARSE_GROWTH);
  }

  /** Gives the counters' memory back; the tracker is not used after. */
  release(): void {
    release(this.info);
    this.info = new Float64Array(0);
    this.releaseCopies();
  }

  /**
   * Gives back the log and the copies of live blocks once `finish` has been read: the counters
   * (`info`) are all that is read after.
   */
  releaseCopies(): void {
    for (const a of [this.base, this.snapshot, this.log]) release(a);
    this.base = this.snapshot = new Uint32Array(0);
  }

  /** Call right after logging the event that set a new maximum, with the log length. */
  markPeakAt(len: number): void {
    this.peakInLog = true;
    this.peakPos = len;
  }

  /** Call when `len` reached the log capacity. */
  checkpoint(): void {
    if (this.peakInLog) this.materialise();
    const { info, base } = this;
    let most = 0;
    for (let i = 0; i < this.infoCount; i++) {
      const live = info[i * STRIDE + LIVE];
      base[i] = live;
      if (live > most) most = live;
    }
    // (the counts can grow by a log's length before the next checkpoint)
    if (most > 0xffffffff - this.log.length && base instanceof Uint32Array) {
      this.base = widened(base, this.infoCount);
      this.snapshot = widened(this.snapshot, this.infoCount);
      return this.checkpoint();
    }
    this.len = 0;
  }

  /** Forgets the peak, e.g. when an attached recording restarts its totals. */
  reset(): void {
    this.snapshot.fill(0, 0, this.infoCount);
    this.peakInLog = false;
  }

  /**
   * Live blocks per info at the peak, once the events have ended: the log and the checkpoint's
   * copy are given back (nothing is logged after).
   */
  finish(): Uint32Array | Float64Array {
    if (this.peakInLog) this.materialise();
    release(this.base);
    release(this.log);
    this.base = new Uint32Array(0);
    return this.snapshot;
  }

  /** Called with the counters at the end of the log: replays from whichever end is nearer the peak. */
  private materialise(): void {
    const snap = this.snapshot;
    const log = this.log;
    if (this.peakPos <= this.len - this.peakPos) {
      snap.set(this.base.subarray(0, this.infoCount));
      for (let i = 0; i < this.peakPos; i++) {
        const e = log[i];
        if (e > 0) snap[e - 1]++;
        else snap[-e - 1]--;
      }
    } else {
      const info = this.info;
      for (let i = 0; i < this.infoCount; i++) snap[i] = info[i * STRIDE + LIVE];
      for (let i = this.len - 1; i >= this.peakPos; i--) {
        const e = log[i];
        if (e > 0) snap[e - 1]--;
        else snap[-e - 1]++;
      }
    }
    this.peakInLog = false;
  }
}
