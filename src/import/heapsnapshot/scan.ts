import { SnapshotStrings } from '../../model/snapshot-strings.js';
import { HeapflameError } from '../../model/errors.js';

/**
 * Byte-level readers for the values of a heap snapshot's JSON, fed chunk by chunk: a
 * snapshot can be larger than the longest string V8 can make (512 MB), so no part but the
 * small `snapshot` header is ever one string, and the large arrays go to typed arrays.
 *
 * Each reader's `feed(buf, start)` consumes bytes of its value from `start` and returns the
 * index just after the value, or -1 when the chunk ended inside it (it keeps its state).
 */
export interface ValueReader {
  feed(buf: Buffer, start: number): number;
}

const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const QUOTE = 34;
const BACKSLASH = 92;

export function isSpace(b: number): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9;
}

/** Where in the file a reader is, for errors that say so. */
export interface Position {
  /** Bytes of the (decompressed) document before the current chunk. */
  chunkOffset: number;
  file: string;
}

export function formatError(pos: Position, at: number, what: string): HeapflameError {
  return new HeapflameError(`not a valid heap snapshot: ${what} (at byte ${pos.chunkOffset + at})`, { file: pos.file });
}

/** Receives the numbers of a flat integer array in order. */
export interface IntSink {
  add(value: number): void;
}

/**
 * A flat array of non-negative integers (`nodes`, `edges`, `locations`…), each number handed
 * to the sink as it completes. Digits are read straight from the bytes.
 */
export class IntArrayReader implements ValueReader {
  private started = false;
  private value = 0;
  private inNumber = false;

  constructor(
    private readonly sink: IntSink,
    private readonly pos: Position,
    private readonly key: string,
  ) {}

  feed(buf: Buffer, start: number): number {
    let i = start;
    if (!this.started) {
      while (i < buf.length && isSpace(buf[i])) i++;
      if (i === buf.length) return -1;
      if (buf[i] !== OPEN_ARRAY) throw formatError(this.pos, i, `"${this.key}" must be an array of numbers`);
      this.started = true;
      i++;
    }
    let value = this.value;
    let inNumber = this.inNumber;
    const sink = this.sink;
    for (; i < buf.length; i++) {
      const b = buf[i];
      if (b >= 48 && b <= 57) {
        value = value * 10 + (b - 48);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        sink.add(value);
        value = 0;
        inNumber = false;
      }
      if (b === COMMA || isSpace(b)) continue;
      if (b === CLOSE_ARRAY) return i + 1;
      throw formatError(this.pos, i, `"${this.key}" holds something other than non-negative integers`);
    }
    this.value = value;
    this.inNumber = inNumber;
    return -1;
  }
}

/** Strings longer than this are cut (with a warning): names, not data. */
export const MAX_STRING_BYTES = 1 << 20;

/** The `strings` array: each string decoded from its bytes (escapes through JSON.parse). */
export class StringArrayReader implements ValueReader {
  readonly strings = new SnapshotStrings();
  private started = false;
  private inString = false;
  private escaped = false;
  private hasEscape = false;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private overflow = false;
  cut = 0;

  constructor(private readonly pos: Position) {}

  feed(buf: Buffer, start: number): number {
    let i = start;
    if (!this.started) {
      while (i < buf.length && isSpace(buf[i])) i++;
      if (i === buf.length) return -1;
      if (buf[i] !== OPEN_ARRAY) throw formatError(this.pos, i, '"strings" must be an array of strings');
      this.started = true;
      i++;
    }
    while (i < buf.length) {
      if (this.inString) {
        const end = this.stringEnd(buf, i);
        this.keep(buf, i, end < 0 ? buf.length : end);
        if (end < 0) return -1;
        this.finishString();
        i = end + 1;
        continue;
      }
      const b = buf[i];
      if (b === QUOTE) {
        this.inString = true;
        i++;
      } else if (b === COMMA || isSpace(b)) i++;
      else if (b === CLOSE_ARRAY) return i + 1;
      else throw formatError(this.pos, i, '"strings" holds something other than strings');
    }
    return -1;
  }

  /** The index of the closing quote from `i`, or -1 if the chunk ends first. */
  private stringEnd(buf: Buffer, i: number): number {
    for (; i < buf.length; i++) {
      const b = buf[i];
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) {
        this.escaped = true;
        this.hasEscape = true;
      } else if (b === QUOTE) return i;
    }
    return -1;
  }

  /** Keeps the string's bytes up to MAX_STRING_BYTES; past them it is marked cut. */
  private keep(buf: Buffer, from: number, to: number): void {
    const n = Math.min(MAX_STRING_BYTES - this.partBytes, to - from);
    if (n < to - from) this.overflow = true;
    if (n <= 0) return;
    this.parts.push(buf.subarray(from, from + n));
    this.partBytes += n;
  }

  private finishString(): void {
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    if (this.overflow) this.cut++;
    if (this.hasEscape && !this.overflow) this.addEscaped(bytes);
    else this.strings.add(bytes);
    this.parts = [];
    this.partBytes = 0;
    this.overflow = false;
    this.inString = false;
    this.hasEscape = false;
  }

  /** A string with escapes: as JSON.parse reads it (a broken escape: the raw text is still a usable name). */
  private addEscaped(bytes: Buffer): void {
    let s: string;
    try {
      s = JSON.parse(`"${bytes.toString('utf8')}"`);
    } catch {
      this.strings.add(bytes);
      return;
    }
    // (a lone surrogate has no UTF-8: such a string is also kept as it is)
    this.strings.add(Buffer.from(s, 'utf8'), s.isWellFormed() ? undefined : s);
  }

  /** Called on each chunk boundary: parts that point into the chunk must be copied. */
  detach(): void {
    if (this.parts.length) this.parts = [Buffer.from(Buffer.concat(this.parts))];
  }
}

/**
 * Any JSON value, skipped or (when `keepBytes`) kept whole, up to `maxBytes`: the small
 * `snapshot` header, and keys this reader does not know.
 */
export class AnyValueReader implements ValueReader {
  private depth = 0;
  private started = false;
  private inString = false;
  private escaped = false;
  private kept: Buffer[] = [];
  private keptBytes = 0;

  /** `what`: the value kept, for the error when it is longer than `maxBytes`. */
  constructor(
    private readonly pos: Position,
    private readonly keepBytes: boolean,
    private readonly maxBytes = 16 << 20,
    private readonly what = 'the "snapshot" header',
  ) {}

  feed(buf: Buffer, start: number): number {
    let i = start;
    if (!this.started) {
      while (i < buf.length && isSpace(buf[i])) i++;
      if (i === buf.length) return -1;
      this.started = true;
    }
    const from = i;
    for (; i < buf.length; i++) {
      const b = buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return this.done(buf, from, i + 1);
        }
      } else if (b === QUOTE) this.inString = true;
      else if (b === OPEN_ARRAY || b === OPEN_OBJECT) this.depth++;
      else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
        // at depth 0 a scalar ended where its container closes
        if (this.depth === 0) return this.done(buf, from, i);
        if (--this.depth === 0) return this.done(buf, from, i + 1);
      } else if (this.depth === 0 && (b === COMMA || isSpace(b))) return this.done(buf, from, i);
    }
    this.keep(buf, from, i);
    return -1;
  }

  /** The value's text (kept readers only). */
  text(): string {
    return Buffer.concat(this.kept).toString('utf8');
  }

  private done(buf: Buffer, from: number, to: number): number {
    this.keep(buf, from, to);
    return to;
  }

  private keep(buf: Buffer, from: number, to: number): void {
    if (!this.keepBytes || to <= from) return;
    this.keptBytes += to - from;
    if (this.keptBytes > this.maxBytes)
      throw formatError(this.pos, to, `${this.what} is longer than ${this.maxBytes.toLocaleString('en')} bytes`);
    this.kept.push(Buffer.from(buf.subarray(from, to)));
  }
}

/** Receives a nested integer array: numbers and brackets, with their depth (1: the outer array). */
export interface NestedSink {
  number(value: number, depth: number): void;
  open(depth: number): void;
  close(depth: number): void;
}

/** Nested arrays of non-negative integers: `trace_tree`. Depth is bounded by `maxDepth`. */
export class NestedIntArrayReader implements ValueReader {
  private depth = 0;
  private value = 0;
  private inNumber = false;

  constructor(
    private readonly sink: NestedSink,
    private readonly pos: Position,
    private readonly key: string,
    private readonly maxDepth = 1 << 16,
  ) {}

  feed(buf: Buffer, start: number): number {
    let i = start;
    for (; i < buf.length; i++) {
      const b = buf[i];
      if (b >= 48 && b <= 57 && this.depth > 0) {
        this.value = this.value * 10 + (b - 48);
        this.inNumber = true;
        continue;
      }
      if (this.inNumber) {
        this.sink.number(this.value, this.depth);
        this.value = 0;
        this.inNumber = false;
      }
      if (b === COMMA || isSpace(b)) continue;
      if (b === OPEN_ARRAY) {
        if (++this.depth > this.maxDepth)
          throw formatError(this.pos, i, `"${this.key}" nests deeper than ${this.maxDepth}`);
        this.sink.open(this.depth);
      } else if (b === CLOSE_ARRAY && this.depth > 0) {
        this.sink.close(this.depth);
        if (--this.depth === 0) return i + 1;
      } else throw formatError(this.pos, i, `"${this.key}" must be nested arrays of non-negative integers`);
    }
    return -1;
  }
}
