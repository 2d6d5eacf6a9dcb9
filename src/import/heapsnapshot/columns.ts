import { grown } from '../../model/typed-arrays.js';
import type { IntSink, NestedSink } from './scan.js';

const U32_MAX = 0xffffffff;

/**
 * How a field is kept: 32-bit integers; bytes (types: few, a value past 254 becomes 255, a
 * type without a name); sizes (32 bits, the column turned to float64 by the first value
 * past them: an object of 4 GiB is exact); or not at all.
 */
export type ColumnKind = 'u32' | 'u8' | 'size' | 'none';
const KIND_CODES: Record<ColumnKind, number> = { u32: 0, u8: 1, size: 2, none: 3 };

/**
 * The rows of a flat integer array with `fields` values per row, each field in a typed array
 * of its kind, sized by the rows expected (plus one: an edge count column becomes the first-edge
 * offsets in place) and doubled when more come.
 */
export class RowColumns implements IntSink {
  /** Per field: its values ('u32' fields; others empty). */
  columns: Uint32Array<ArrayBuffer>[];
  /** Per field: its values ('u8' fields; others empty). */
  bytes: Uint8Array<ArrayBuffer>[];
  /** Per field: its values ('size' fields; others empty). */
  sizes: (Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer>)[];
  /** Complete rows so far. */
  rows = 0;
  private field = 0;
  private capacity: number;
  private readonly kinds: Uint8Array;

  constructor(
    readonly fields: number,
    capacity: number,
    kind: (field: number) => ColumnKind = () => 'u32',
  ) {
    this.capacity = Math.max(16, capacity);
    this.kinds = Uint8Array.from({ length: fields }, (_, f) => KIND_CODES[kind(f)]);
    const length = (f: number, code: number) => (this.kinds[f] === code ? this.capacity + 1 : 0);
    this.columns = Array.from({ length: fields }, (_, f) => new Uint32Array(length(f, 0)));
    this.bytes = Array.from({ length: fields }, (_, f) => new Uint8Array(length(f, 1)));
    this.sizes = Array.from({ length: fields }, (_, f) => new Uint32Array(length(f, 2)));
  }

  add(value: number): void {
    if (this.rows === this.capacity) this.grow();
    const f = this.field;
    const kind = this.kinds[f];
    if (kind === 0) this.columns[f][this.rows] = value;
    else if (kind === 1) this.bytes[f][this.rows] = value > 254 ? 255 : value;
    else if (kind === 2) {
      if (value > U32_MAX && this.sizes[f] instanceof Uint32Array) this.sizes[f] = Float64Array.from(this.sizes[f]);
      this.sizes[f][this.rows] = value;
    }
    if (++this.field === this.fields) {
      this.field = 0;
      this.rows++;
    }
  }

  /** Whether a row was left half written (the array was cut). */
  get partialRow(): boolean {
    return this.field !== 0;
  }

  private grow(): void {
    const min = 2 * this.capacity + 1;
    this.columns = this.columns.map((c) => (c.length ? grown(c, min) : c));
    this.bytes = this.bytes.map((c) => (c.length ? grown(c, min) : c));
    this.sizes = this.sizes.map((c) => (c.length ? grown(c, min) : c));
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
