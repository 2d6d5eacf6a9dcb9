/**
 * Per-record live bytes at the first moment the total reached its maximum, in one pass and
 * bounded memory.
 *
 * A new maximum can happen on every allocation (a growing heap), so copying all records at
 * each one is too slow, and logging every event grows with the file. Instead: keep a base
 * copy of the per-record values at a checkpoint plus a bounded log of the changes since then.
 * When the log is full, materialise the peak (base + log up to the peak position) if the peak
 * lies in this log, and start a new checkpoint. Work is O(events + records × checkpoints).
 */
export class PeakTracker {
  /** Signed change log: +(info+1) for an allocation, -(info+1) for a free. */
  log: Int32Array;
  len = 0;
  /** Live bytes per record now; callers update it alongside the log. */
  live: Float64Array;
  private base: Float64Array;
  private snapshot: Float64Array;
  private peakInLog = false;
  private peakPos = 0;

  constructor(
    /** Record index of an allocation info. */
    private readonly infoRecord: () => Int32Array,
    /** Size in bytes of an allocation info. */
    private readonly infoSize: () => Float64Array,
    capacity = 1 << 20,
  ) {
    this.log = new Int32Array(capacity);
    this.live = new Float64Array(1024);
    this.base = new Float64Array(1024);
    this.snapshot = new Float64Array(1024);
  }

  /** Makes room for record indices below `n`. */
  ensureRecords(n: number): void {
    if (n <= this.live.length) return;
    let size = this.live.length;
    while (size < n) size *= 2;
    this.live = resized(this.live, size);
    this.base = resized(this.base, size);
    this.snapshot = resized(this.snapshot, size);
  }

  /** Call right after logging the event that set a new maximum. */
  markPeak(): void {
    this.peakInLog = true;
    this.peakPos = this.len;
  }

  /** Call when `len` reached the log capacity. */
  checkpoint(): void {
    if (this.peakInLog) this.materialise();
    this.base.set(this.live);
    this.len = 0;
  }

  /** Resets everything, e.g. when an attached recording restarts its totals. */
  reset(): void {
    this.snapshot.fill(0);
    this.peakInLog = false;
  }

  /** Per-record values at the peak. */
  finish(records: number): Float64Array {
    if (this.peakInLog) this.materialise();
    return this.snapshot.slice(0, records);
  }

  private materialise(): void {
    const snap = this.snapshot;
    snap.set(this.base);
    const rec = this.infoRecord();
    const size = this.infoSize();
    const log = this.log;
    for (let i = 0; i < this.peakPos; i++) {
      const e = log[i];
      if (e > 0) snap[rec[e - 1]] += size[e - 1];
      else snap[rec[-e - 1]] -= size[-e - 1];
    }
    this.peakInLog = false;
  }
}

function resized(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}
