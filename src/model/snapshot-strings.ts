/**
 * A heap snapshot's strings as their UTF-8 bytes in one buffer with offsets, decoded when
 * asked for. A snapshot holds millions of strings (a name per object: "session-123"); as
 * JavaScript strings they took about twice the memory and the collector's time. The few with
 * JSON escapes are also kept exactly as JSON.parse gives them (a lone surrogate has no UTF-8).
 */
export class SnapshotStrings {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  private offsets: Uint32Array | Float64Array = new Uint32Array(1 << 12);
  private count = 0;
  private readonly exact = new Map<number, string>();

  get length(): number {
    return this.count;
  }

  /** Adds a string by its UTF-8 bytes (and its exact text when bytes cannot say it); returns its index. */
  add(utf8: Uint8Array, exact?: string): number {
    if (this.used + utf8.length > this.bytes.length) {
      let size = Math.max(16, this.bytes.length * 2);
      while (size < this.used + utf8.length) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    this.bytes.set(utf8, this.used);
    this.used += utf8.length;
    if (this.count + 2 > this.offsets.length || (this.used > 0xffffffff && this.offsets instanceof Uint32Array)) {
      // offsets past 4 GiB of text: float64 from then on
      const wide = this.used > 0xffffffff || this.offsets instanceof Float64Array;
      const bigger = wide ? new Float64Array(this.offsets.length * 2) : new Uint32Array(this.offsets.length * 2);
      bigger.set(this.offsets.subarray(0, this.count + 1));
      this.offsets = bigger;
    }
    this.offsets[++this.count] = this.used;
    if (exact !== undefined) this.exact.set(this.count - 1, exact);
    return this.count - 1;
  }

  addString(s: string): number {
    return this.add(Buffer.from(s, 'utf8'));
  }

  /** Gives back the room grown for more strings. */
  trim(): this {
    this.bytes = this.bytes.slice(0, this.used);
    this.offsets = this.offsets.slice(0, this.count + 1);
    return this;
  }

  get(i: number): string {
    if (this.exact.size > 0) {
      const s = this.exact.get(i);
      if (s !== undefined) return s;
    }
    const b = this.bytes;
    return Buffer.from(b.buffer, b.byteOffset + this.offsets[i], this.offsets[i + 1] - this.offsets[i]).toString(
      'utf8',
    );
  }

  isEmpty(i: number): boolean {
    return this.offsets[i + 1] === this.offsets[i];
  }

  /** Whether it is 1 to `maxDigits` ASCII digits (V8's numbered slots: "17"). */
  isNumber(i: number, maxDigits: number): boolean {
    const start = this.offsets[i];
    const end = this.offsets[i + 1];
    if (end === start || end - start > maxDigits) return false;
    for (let p = start; p < end; p++) if (this.bytes[p] < 0x30 || this.bytes[p] > 0x39) return false;
    return true;
  }

  startsWith(i: number, prefix: Uint8Array): boolean {
    const start = this.offsets[i];
    if (this.offsets[i + 1] - start < prefix.length) return false;
    for (let k = 0; k < prefix.length; k++) if (this.bytes[start + k] !== prefix[k]) return false;
    return true;
  }

  includes(i: number, needle: Uint8Array): boolean {
    const b = this.bytes;
    const last = this.offsets[i + 1] - needle.length;
    for (let p = this.offsets[i]; p <= last; p++) {
      let k = 0;
      while (k < needle.length && b[p + k] === needle[k]) k++;
      if (k === needle.length) return true;
    }
    return false;
  }

  /** Every string, decoded (tests, small snapshots). */
  toArray(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.get(i));
  }

  static of(strings: readonly string[]): SnapshotStrings {
    const table = new SnapshotStrings();
    for (const s of strings) table.addString(s);
    return table;
  }
}
