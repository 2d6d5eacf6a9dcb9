import { grown, release } from './typed-arrays.js';

/**
 * Open-addressing hash tables on typed arrays for the hot paths of importers: no string or
 * object per lookup. Capacity doubles at half load.
 */

/** (parent, frame) pairs → dense ids 0, 1, 2, … */
export class PairTable {
  private keysA: Int32Array<ArrayBuffer>;
  private keysB: Int32Array<ArrayBuffer>;
  private ids: Int32Array<ArrayBuffer>;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keysA = new Int32Array(n);
    this.keysB = new Int32Array(n);
    this.ids = new Int32Array(n).fill(-1);
    this.mask = n - 1;
  }

  /** The id of (a, b), or -1. */
  get(a: number, b: number): number {
    const { keysA, keysB, ids, mask } = this;
    for (let i = hashPair(a, b) & mask; ; i = (i + 1) & mask) {
      const id = ids[i];
      if (id < 0 || (keysA[i] === a && keysB[i] === b)) return id;
    }
  }

  /** Stores (a, b) → id; the pair must not be present. */
  set(a: number, b: number, id: number): void {
    if ((this.size + 1) * 2 > this.ids.length) this.rehash();
    const { keysA, keysB, ids, mask } = this;
    let i = hashPair(a, b) & mask;
    while (ids[i] >= 0) i = (i + 1) & mask;
    keysA[i] = a;
    keysB[i] = b;
    ids[i] = id;
    this.size++;
  }

  /** Gives the table's memory back now (not at a garbage collection); it must not be used after. */
  release(): void {
    for (const a of [this.keysA, this.keysB, this.ids]) release(a);
  }

  private rehash(): void {
    const { keysA, keysB, ids } = this;
    const n = ids.length * 2;
    this.keysA = new Int32Array(n);
    this.keysB = new Int32Array(n);
    this.ids = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) this.set(keysA[i], keysB[i], ids[i]);
  }
}

export function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/** A little-endian DataView over exactly the bytes of `buf` (same indices). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Hash of bytes [from, to) of `view`, four bytes per multiply: a per-byte FNV loop is bound by
 * the latency of its multiply chain (about 5 ns a byte), and DataView word reads are several
 * times faster than assembling words from bytes.
 */
export function bytesHash(view: DataView, from: number, to: number): number {
  let h = Math.imul(to - from, 0x9e3779b1);
  let i = from;
  for (; i + 4 <= to; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x01000193) ^ (h >>> 15);
  for (; i < to; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  return h ^ (h >>> 16);
}

/** Byte strings → dense ids, the bytes kept once in an arena. */
export class BytesTable {
  private arena = new Uint8Array(1 << 16);
  private arenaView = viewOf(this.arena);
  private arenaUsed = 0;
  /** The view of the buffer last interned from (a chunk serves many calls). */
  private lastBuf: Uint8Array | null = null;
  private lastView: DataView = this.arenaView;
  private start = new Int32Array(1024);
  private length = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private slots: Int32Array<ArrayBuffer>;
  private mask: number;
  size = 0;

  constructor() {
    // four words per slot: id (-1: empty), hash, start and length, so a probe reads one line
    this.slots = new Int32Array(2048 * 4).fill(-1);
    this.mask = 2047;
  }

  /** Id of buf[from, to), adding it when new; `added` tells which. */
  intern(buf: Uint8Array, from: number, to: number): number {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = viewOf(buf);
    }
    const view = this.lastView;
    const h = bytesHash(view, from, to);
    const len = to - from;
    const { slots, mask, arenaView } = this;
    let s = h & mask;
    for (;;) {
      const o = s * 4;
      const id = slots[o];
      if (id < 0) break;
      if (slots[o + 1] === h && slots[o + 3] === len && sameBytes(arenaView, slots[o + 2], view, from, len)) {
        this.added = false;
        return id;
      }
      s = (s + 1) & mask;
    }
    const id = this.size++;
    if (id >= this.start.length) {
      this.start = grown(this.start);
      this.length = grown(this.length);
      this.hashes = grown(this.hashes);
    }
    if (this.arenaUsed + len > this.arena.length) {
      this.arena = grown(this.arena, this.arenaUsed + len);
      this.arenaView = viewOf(this.arena);
    }
    this.arena.set(buf.subarray(from, to), this.arenaUsed);
    this.start[id] = this.arenaUsed;
    this.length[id] = len;
    this.hashes[id] = h;
    this.arenaUsed += len;
    this.fill(s, id);
    if (this.size * 2 > this.mask + 1) this.rehash();
    this.added = true;
    return id;
  }

  /** Whether the last `intern` added a new entry. */
  added = false;

  bytes(id: number): Uint8Array {
    return this.arena.subarray(this.start[id], this.start[id] + this.length[id]);
  }

  private rehash(): void {
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n * 4).fill(-1);
    this.mask = n - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hashes[id] & this.mask;
      while (this.slots[s * 4] >= 0) s = (s + 1) & this.mask;
      this.fill(s, id);
    }
  }

  /** Slot s refers to entry `id`, with the entry's hash, start and length beside it. */
  private fill(s: number, id: number): void {
    const o = s * 4;
    this.slots[o] = id;
    this.slots[o + 1] = this.hashes[id];
    this.slots[o + 2] = this.start[id];
    this.slots[o + 3] = this.length[id];
  }
}

/** Whether a[ao, ao+len) equals b[bo, bo+len), compared a word at a time. */
function sameBytes(a: DataView, ao: number, b: DataView, bo: number, len: number): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) if (a.getInt32(ao + k, true) !== b.getInt32(bo + k, true)) return false;
  for (; k < len; k++) if (a.getUint8(ao + k) !== b.getUint8(bo + k)) return false;
  return true;
}
