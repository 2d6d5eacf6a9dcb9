import { PairTable } from './hash-tables.js';
import type { Lifetimes } from './profile.js';
import { grown } from './typed-arrays.js';

/**
 * Lifetime rows merged by (site, slice born, slice died, flags) on typed arrays: a site is a
 * sample row or a drawn node. Slices are below 256, flags below 4.
 */
export class LifetimeBuilder {
  private readonly index: PairTable;
  private site: Int32Array<ArrayBuffer>;
  private born: Int32Array<ArrayBuffer>;
  private died: Int32Array<ArrayBuffer>;
  private flags: Uint8Array<ArrayBuffer>;
  private count: Float64Array<ArrayBuffer>;
  private bytes: Float64Array<ArrayBuffer>;
  rows = 0;

  /** `capacity`: the rows expected (growing past it costs copies and rehashes). */
  constructor(capacity = 1024) {
    this.index = new PairTable(capacity);
    this.site = new Int32Array(capacity);
    this.born = new Int32Array(capacity);
    this.died = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.count = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
  }

  add(site: number, born: number, died: number, flags: number, count: number, bytes: number): void {
    const key = (born << 10) | (died << 2) | flags;
    let row = this.index.get(site, key);
    if (row < 0) {
      row = this.rows++;
      if (row === this.site.length) this.grow(row + 1);
      this.index.set(site, key, row);
      this.site[row] = site;
      this.born[row] = born;
      this.died[row] = died;
      this.flags[row] = flags;
    }
    this.count[row] += count;
    this.bytes[row] += bytes;
  }

  private grow(n: number): void {
    this.site = grown(this.site, n);
    this.born = grown(this.born, n);
    this.died = grown(this.died, n);
    this.flags = grown(this.flags, n);
    this.count = grown(this.count, n);
    this.bytes = grown(this.bytes, n);
  }

  build(edgesMs: number[]): Lifetimes {
    const n = this.rows;
    return {
      edgesMs,
      sample: this.site.slice(0, n),
      born: this.born.slice(0, n),
      died: this.died.slice(0, n),
      flags: this.flags.slice(0, n),
      count: this.count.slice(0, n),
      bytes: this.bytes.slice(0, n),
    };
  }
}
