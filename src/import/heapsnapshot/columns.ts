import { grown } from '../../model/typed-arrays.js';
import type { IntSink, NestedSink } from './scan.js';

const U32_MAX = 0xffffffff;

/**
 * The rows of a flat integer array with `fields` values per row, one Uint32Array per field.
 * A value past 32 bits (a self size of 4 GiB or more) is kept aside exactly, by position.
 * Fields not `kept` get an empty column: a typed array ignores writes past its end, so the
 * hot loop stores every value without asking which to keep.
 */
export class RowColumns implements IntSink {
  columns: Uint32Array<ArrayBuffer>[];
  /** Complete rows so far. */
  rows = 0;
  private field = 0;
  private capacity: number;
  readonly wide = new Map<number, number>();

  constructor(
    readonly fields: number,
    capacity: number,
    kept: (field: number) => boolean = () => true,
  ) {
    this.capacity = Math.max(16, capacity);
    this.columns = Array.from({ length: fields }, (_, f) => new Uint32Array(kept(f) ? this.capacity : 0));
  }

  add(value: number): void {
    if (this.rows === this.capacity) this.grow();
    if (value > U32_MAX) this.wide.set(this.rows * this.fields + this.field, value);
    this.columns[this.field][this.rows] = value;
    if (++this.field === this.fields) {
      this.field = 0;
      this.rows++;
    }
  }

  /** Values of a field row by row, exact (wide values included), as float64. */
  wideColumn(field: number, rows: number): Float64Array {
    const out = new Float64Array(rows);
    const col = this.columns[field];
    for (let r = 0; r < rows; r++) out[r] = col[r];
    for (const [at, v] of this.wide) {
      const r = Math.floor(at / this.fields);
      if (at % this.fields === field && r < rows) out[r] = v;
    }
    return out;
  }

  /** Whether a row was left half written (the array was cut). */
  get partialRow(): boolean {
    return this.field !== 0;
  }

  private grow(): void {
    this.columns = this.columns.map((c) => (c.length ? grown(c) : c));
    this.capacity *= 2;
  }
}

/**
 * V8's allocation tracking tree: groups of `width` items per node (id, function info, count,
 * size, then the children array), nested. Kept as parallel arrays, nodes in file order.
 */
export class TraceTreeColumns implements NestedSink {
  id: number[] = [];
  parent: number[] = [];
  functionInfo: number[] = [];
  /** Per depth: the item of the current group, and the node last opened at it. */
  private item: number[] = [0, 0];
  private node: number[] = [-1, -1];

  constructor(
    private readonly idField: number,
    private readonly functionField: number,
    private readonly width: number,
  ) {}

  number(value: number, depth: number): void {
    let item = this.item[depth];
    if (item >= this.width - 1) item = 0; // a group without its children array
    if (item === 0) {
      this.node[depth] = this.id.length;
      this.id.push(0);
      this.functionInfo.push(0);
      this.parent.push(depth > 1 ? this.node[depth - 1] : -1);
    }
    const n = this.node[depth];
    if (item === this.idField) this.id[n] = value;
    else if (item === this.functionField) this.functionInfo[n] = value;
    this.item[depth] = item + 1;
  }

  open(depth: number): void {
    this.item[depth] = 0;
    this.node[depth] = -1;
  }

  close(depth: number): void {
    // the children array was the last item of its parent's group
    if (depth > 1) this.item[depth - 1] = 0;
  }
}
