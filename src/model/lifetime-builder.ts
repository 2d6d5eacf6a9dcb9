import type { Lifetimes } from './profile.js';
import { grownOwned, release, releaseBuffer, SPARSE_GROWTH } from './typed-arrays.js';

/**
 * Growing columns of lifetime rows: a site (a sample row or a drawn node), its slices of birth
 * and death, flags, and the count and bytes summed into the row.
 */
class LifetimeRows {
  site: Int32Array<ArrayBuffer>;
  born: Int32Array<ArrayBuffer>;
  died: Int32Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
  count: Float64Array<ArrayBuffer>;
  bytes: Float64Array<ArrayBuffer>;
  rows = 0;

  /** `capacity`: the rows expected (growing past it costs copies). */
  constructor(capacity = 1024) {
    this.site = new Int32Array(capacity);
    this.born = new Int32Array(capacity);
    this.died = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.count = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
  }

  /** A new row with nothing counted yet; returns its index. */
  append(site: number, born: number, died: number, flags: number): number {
    const row = this.rows++;
    if (row === this.site.length) this.grow(row + 1);
    this.site[row] = site;
    this.born[row] = born;
    this.died[row] = died;
    this.flags[row] = flags;
    return row;
  }

  private grow(n: number): void {
    // (the columns are read up to `rows` only: their untouched ends take no memory)
    this.site = grownOwned(this.site, n, SPARSE_GROWTH);
    this.born = grownOwned(this.born, n, SPARSE_GROWTH);
    this.died = grownOwned(this.died, n, SPARSE_GROWTH);
    this.flags = grownOwned(this.flags, n, SPARSE_GROWTH);
    this.count = grownOwned(this.count, n, SPARSE_GROWTH);
    this.bytes = grownOwned(this.bytes, n, SPARSE_GROWTH);
  }

  /**
   * The rows as lifetimes: views of the columns, not copies (1.8 M rows are 52 MB, and a copy
   * was made beside each set of rows a page or a recording merged). Nothing is added after.
   */
  build(edgesMs: number[]): Lifetimes {
    const n = this.rows;
    return {
      edgesMs,
      sample: this.site.subarray(0, n),
      born: this.born.subarray(0, n),
      died: this.died.subarray(0, n),
      flags: this.flags.subarray(0, n),
      count: this.count.subarray(0, n),
      bytes: this.bytes.subarray(0, n),
    };
  }
}

/** One row to merge: its site, slices of birth and death, flags (below 4), blocks and bytes. */
export interface RowSource {
  readonly rows: number;
  site(i: number): number;
  /** Sets `cell` to the row's [born, died, flags]. */
  slices(i: number, cell: Int32Array): void;
  count(i: number): number;
  bytes(i: number): number;
}

/**
 * Rows merged by (site, born, died, flags), for dense sites below `sites` and slices up to
 * `slices`: a counting sort by site, then per site a scratch table of its cells, cleared after
 * the site. No hash table over all rows (one for 1.8 M rows took 24 to 48 MB per merge). Rows
 * come out by site, each site's in the order of their first row.
 */
export function mergedBySite(source: RowSource, sites: number, slices: number, edgesMs: number[]): Lifetimes {
  const n = source.rows;
  const start = new Int32Array(sites + 1);
  for (let i = 0; i < n; i++) start[source.site(i) + 1]++;
  for (let s = 0; s < sites; s++) start[s + 1] += start[s];
  const fill = start.slice(0, sites);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[source.site(i)]++] = i;
  const span = slices + 1;
  const rowOf = new Int32Array(span * span * 4).fill(-1);
  const cell = new Int32Array(3);
  const out = new LifetimeRows(1 << 12);
  for (let s = 0; s < sites; s++) {
    const first = out.rows;
    for (let k = start[s]; k < start[s + 1]; k++) {
      const i = order[k];
      source.slices(i, cell);
      const at = (cell[0] * span + cell[1]) * 4 + cell[2];
      if (rowOf[at] < 0) rowOf[at] = out.append(s, cell[0], cell[1], cell[2]);
      out.count[rowOf[at]] += source.count(i);
      out.bytes[rowOf[at]] += source.bytes(i);
    }
    for (let r = first; r < out.rows; r++) rowOf[(out.born[r] * span + out.died[r]) * 4 + out.flags[r]] = -1;
  }
  for (const a of [order, start, fill]) release(a);
  return out.build(edgesMs);
}

/**
 * Gives back the memory of rows made by mergedBySite (or LifetimeRows.build) that nothing
 * else holds (not a profile's own lifetimes): their arrays are views of arrays made for them.
 */
export function releaseRows(rows: Lifetimes): void {
  for (const a of [rows.sample, rows.born, rows.died, rows.flags, rows.count, rows.bytes]) releaseBuffer(a);
}
