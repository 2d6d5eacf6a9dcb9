import { PairTable } from './hash-tables.js';
import type { Lifetimes } from './profile.js';
import { grownOwned, SPARSE_GROWTH } from './typed-arrays.js';

/**
 * Growing columns of lifetime rows: a site (a sample row or a drawn node), its slices of birth
 * and death, flags, and the count and bytes summed into the row.
 */
export class LifetimeRows {
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

/**
 * Lifetime rows merged by (site, slice born, slice died, flags) through a hash table, for
 * rows that arrive in any order. Slices are below 256, flags below 4.
 */
export class LifetimeBuilder {
  private readonly index: PairTable;
  private readonly out: LifetimeRows;

  /** `capacity`: the rows expected (growing past it costs copies and rehashes). */
  constructor(capacity = 1024) {
    this.index = new PairTable(capacity);
    this.out = new LifetimeRows(capacity);
  }

  add(site: number, born: number, died: number, flags: number, count: number, bytes: number): void {
    const key = (born << 10) | (died << 2) | flags;
    let row = this.index.get(site, key);
    if (row < 0) {
      row = this.out.append(site, born, died, flags);
      this.index.set(site, key, row);
    }
    this.out.count[row] += count;
    this.out.bytes[row] += bytes;
  }

  build(edgesMs: number[]): Lifetimes {
    return this.out.build(edgesMs);
  }
}
