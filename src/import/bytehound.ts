import { ProfileBuilder } from '../model/builder.js';
import { HeapflameError } from '../model/errors.js';
import type { CostInfo, Frame, Profile } from '../model/profile.js';
import type { ImportFormat } from './format.js';
import { type InputOptions, openInput } from './io/input.js';
import { decodeLz4Block } from './io/lz4-block.js';
import { ALLOCS, EFF_SIZE, LIVE, PeakTracker, STRIDE, TEMPS } from './peak-tracker.js';
import { Timeline } from './timeline.js';
import { Warnings } from './warnings.js';

/**
 * Bytehound's `.dat` recordings (koute/bytehound; layout in its common/src/event.rs and lz4_stream.rs): chunks
 * of `kind u8` (1 LZ4 block, 2 stored), `length u32`, payload; the payloads joined are a
 * stream of speedy-encoded events, each a u32 tag then its fields, with no length: an unknown
 * tag ends the reading (with a warning, the rest kept). Postprocessed files carry their
 * symbols (String, DecodedFrame, DecodedBacktrace); raw ones only addresses, shown as such.
 *
 * Allocations are accounted as heaptrack's are: allocations and temporary ones (freed before
 * any other allocation) counted, bytes allocated, live at the highest total (peak) and at the
 * end (leaked). A realloc frees its old block and allocates the new one. Backtrace addresses
 * are taken as written, outermost caller first (the writer reverses the unwinder's order; no
 * real capture was available to confirm the orientation, see README).
 */
export async function importBytehound(path: string, options: { input?: InputOptions } = {}): Promise<Profile> {
  const input = await openInput(path, options.input);
  const reader = new BytehoundReader(path);
  try {
    for await (const chunk of input.chunks()) reader.push(chunk);
  } finally {
    input.close();
  }
  return reader.finish([...input.warnings]);
}

/** A Bytehound file opens with a chunk whose events open with a Header (tag 0). */
export const bytehoundFormat: ImportFormat = {
  name: 'bytehound',
  signature: 'Bytehound (.dat chunks opening with a Header event)',
  sniff: looksLikeBytehound,
  load: (path, options) => importBytehound(path, options),
};

function looksLikeBytehound(head: Uint8Array): boolean {
  if (head.length < 10 || (head[0] !== 1 && head[0] !== 2)) return false;
  const len = head[1] | (head[2] << 8) | (head[3] << 16) | (head[4] << 24);
  if (len < 4) return false;
  if (head[0] === 2) return head[5] === 0 && head[6] === 0 && head[7] === 0 && head[8] === 0;
  // an LZ4 block starts with literals: the first four are the Header's tag
  const literals = head[5] >> 4;
  return literals >= 4 && head[6] === 0 && head[7] === 0 && head[8] === 0 && head[9] === 0;
}

const MAX_CHUNK = 64 << 20;
/**
 * The largest event: a field's declared length is checked against it before the event waits
 * for its bytes (a 2 MB file declaring a 4 GiB string held 1.5 GB waiting). Real events are
 * far smaller: a backtrace of 100,000 frames is 800 KB.
 */
const MAX_EVENT = 64 << 20;
const UNDERFLOW = Symbol('underflow');
const TICK_US = 10_000;

/** `buf` (its first `len` bytes used) with `bytes` after them, grown by doubling as needed. */
function appended(buf: Uint8Array, len: number, bytes: Uint8Array): Uint8Array {
  let out = buf;
  if (len + bytes.length > buf.length) {
    out = new Uint8Array(Math.max(buf.length * 2, len + bytes.length));
    out.set(buf.subarray(0, len));
  }
  out.set(bytes, len);
  return out;
}

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly view: DataView,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw UNDERFLOW;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** Exact below 2^53, which covers user-space pointers, ids and sizes. */
  u64(): number {
    this.need(8);
    const v = this.view.getUint32(this.pos, true) + this.view.getUint32(this.pos + 4, true) * 2 ** 32;
    this.pos += 8;
    return v;
  }
  /** speedy's VarInt64: the leading 1-bits of the first byte count the extra bytes (LE), the rest are the high bits. */
  varint(): number {
    const first = this.u8();
    let extra = 0;
    while (extra < 8 && first & (0x80 >> extra)) extra++;
    this.need(extra);
    let value = extra >= 7 ? 0 : first & (0xff >> (extra + 1));
    let low = 0;
    for (let k = extra - 1; k >= 0; k--) low = low * 256 + this.buf[this.pos + k];
    this.pos += extra;
    value = value * 2 ** (8 * extra) + low;
    return value;
  }
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_EVENT)
      throw new Error(`a field of ${n} bytes (at most ${MAX_EVENT})`);
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  string(len = this.u32()): string {
    return Buffer.from(this.bytes(len)).toString('utf8');
  }
  u64s(): number[] {
    const n = this.u32();
    if (n * 8 > MAX_EVENT) throw new Error(`a list of ${n} values (at most ${MAX_EVENT / 8})`);
    this.need(n * 8);
    return Array.from({ length: n }, () => this.u64());
  }
  u32s(): number[] {
    const n = this.u32();
    if (n * 4 > MAX_EVENT) throw new Error(`a list of ${n} values (at most ${MAX_EVENT / 4})`);
    this.need(n * 4);
    return Array.from({ length: n }, () => this.u32());
  }
}

class BytehoundReader {
  private readonly warnings: Warnings;
  private raw: Uint8Array = new Uint8Array(0);
  private rawLen = 0;
  private events: Uint8Array = new Uint8Array(1 << 16);
  private eventsLen = 0;
  private stopped = false;
  private sawHeader = false;
  private eventCount = 0;

  private readonly costs: CostInfo[] = [
    {
      id: 'allocations',
      unit: 'count',
      label: 'allocations',
      description: 'Calls to allocation functions (a realloc counts as one).',
    },
    {
      id: 'temporary',
      unit: 'count',
      label: 'temporary allocations',
      description: 'Allocations freed before any other allocation happened.',
    },
    {
      id: 'leaked',
      unit: 'bytes',
      label: 'leaked bytes',
      description: 'Bytes never freed before the recording ended.',
    },
    {
      id: 'peak',
      unit: 'bytes',
      label: 'peak bytes',
      description: 'Bytes live when the total live was at its highest.',
    },
    { id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: 'Bytes allocated in total.' },
  ];
  private readonly builder = new ProfileBuilder(this.costs);
  private readonly peak = new PeakTracker();
  /** Allocation infos by stack node, then size: numbers all the way, no key built per event. */
  private infoOf = new Map<number, Map<number, number>>();
  private infoNode: number[] = [];
  /** Live allocations: key → their info (whose EFF_SIZE is the block's size). */
  private live = new Map<string | number, number>();
  private lastAlloc: string | number | null = null;
  private liveBytes = 0;
  private maxLive = 0;
  private peakUs = 0;
  private firstUs = -1;
  private lastUs = 0;
  private nextTickUs = 0;
  private maxSinceTick = 0;
  private readonly timeline = new Timeline();

  // symbols
  private strings = new Map<number, string>();
  private decodedFrames: number[] = [];
  private decodedBacktraces: number[] = [];
  private rawBacktraces = new Map<number, number>();
  private lastBacktraceOnThread = new Map<number, number[]>();
  private command = '';

  constructor(private readonly file: string) {
    this.warnings = new Warnings(file);
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    this.appendRaw(chunk);
    let at = 0;
    while (!this.stopped && this.rawLen - at >= 5) {
      const kind = this.raw[at];
      const len = this.raw[at + 1] | (this.raw[at + 2] << 8) | (this.raw[at + 3] << 16) | (this.raw[at + 4] * 2 ** 24);
      if ((kind !== 1 && kind !== 2) || len > MAX_CHUNK) {
        this.stop(
          `chunk at byte ${at}: expected kind 1 or 2 and a length up to ${MAX_CHUNK}, found kind ${kind}, length ${len}`,
        );
        break;
      }
      if (this.rawLen - at - 5 < len) break;
      const payload = this.raw.subarray(at + 5, at + 5 + len);
      at += 5 + len;
      try {
        if (kind === 2) this.appendEvents(payload);
        else {
          const { out, end } = decodeLz4Block(payload, this.events, this.eventsLen, this.eventsLen + MAX_CHUNK);
          this.events = out;
          this.eventsLen = end;
        }
      } catch (e) {
        this.stop(`a damaged chunk: ${(e as Error).message}`);
        break;
      }
      this.parseEvents();
    }
    this.raw.copyWithin(0, at, this.rawLen);
    this.rawLen -= at;
  }

  private appendRaw(chunk: Uint8Array): void {
    this.raw = appended(this.raw, this.rawLen, chunk);
    this.rawLen += chunk.length;
  }

  private appendEvents(bytes: Uint8Array): void {
    this.events = appended(this.events, this.eventsLen, bytes);
    this.eventsLen += bytes.length;
  }

  private stop(why: string): void {
    this.warnings.add('stop', this.eventCount, `${why}; the events before it are kept`);
    this.stopped = true;
  }

  /** Every complete event in the buffer; an event cut at the buffer's end waits for more. */
  private parseEvents(): void {
    const buf = this.events.subarray(0, this.eventsLen);
    const c = new Cursor(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
    let done = 0;
    while (!this.stopped && c.pos < buf.length) {
      try {
        this.event(c);
        done = c.pos;
        this.eventCount++;
      } catch (e) {
        if (e === UNDERFLOW) break;
        this.stop(`event ${this.eventCount + 1}: ${(e as Error).message}`);
      }
      c.pos = done;
    }
    this.events.copyWithin(0, done, this.eventsLen);
    this.eventsLen -= done;
    if (this.eventsLen > MAX_EVENT + MAX_CHUNK) this.stop(`an event longer than ${MAX_EVENT} bytes`);
  }

  private event(c: Cursor): void {
    const tag = c.u32();
    if (!this.sawHeader && tag !== 0) throw new Error(`the first event is tag ${tag}, expected the Header (0)`);
    switch (tag) {
      case 0:
        return this.header(c);
      case 1:
        return this.alloc(c.u64(), null, c);
      case 2: {
        const ts = c.u64();
        const oldPointer = c.u64();
        return this.realloc(ts, oldPointer, null, c);
      }
      case 3: {
        const ts = c.u64();
        const pointer = c.u64();
        c.u64(), c.u32();
        return this.free(ts, pointer);
      }
      case 5:
        return this.backtrace(c.u64(), c.u64s());
      case 19:
        return this.backtrace(c.u64(), c.u32s());
      case 20: {
        const key = `${c.u64()}:${c.u64()}`;
        return this.alloc(c.u64(), key, c);
      }
      case 21: {
        const key = `${c.u64()}:${c.u64()}`;
        const ts = c.u64();
        const oldPointer = c.u64();
        return this.realloc(ts, oldPointer, key, c);
      }
      case 22: {
        const key = `${c.u64()}:${c.u64()}`;
        const ts = c.u64();
        c.u64(), c.u64(), c.u32();
        return this.free(ts, key);
      }
      default:
        if (!this.symbolEvent(tag, c) && !skipEvent(tag, c)) throw new Error(`unknown event tag ${tag}`);
    }
  }

  /** The Header (tag 0): the first timestamp and the command line. */
  private header(c: Cursor): void {
    c.u64(), c.u64(); // data id
    const initial = c.u64();
    c.u64(), c.u64(), c.u64(); // timestamp, wall clock
    c.u32(); // pid
    const cmdline = c.bytes(c.u32());
    c.bytes(c.u32()); // executable
    c.string(); // arch
    c.u64(); // flags
    c.u8(); // pointer size
    this.sawHeader = true;
    this.firstUs = initial;
    this.nextTickUs = initial + TICK_US;
    this.command = Buffer.from(cmdline).toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  }

  /** Strings, decoded frames and backtraces (tags 13-18); false for another tag. */
  private symbolEvent(tag: number, c: Cursor): boolean {
    switch (tag) {
      case 13:
      case 18: {
        const id = c.u64();
        const thread = c.u32();
        const invalidated = c.u32();
        const partial = tag === 13 ? c.u64s() : c.u32s();
        const previous = this.lastBacktraceOnThread.get(thread) ?? [];
        const addresses = invalidated === 0xffffffff ? partial : [...partial, ...previous.slice(invalidated)];
        this.lastBacktraceOnThread.set(thread, addresses);
        this.backtrace(id, addresses);
        return true;
      }
      case 14: {
        const id = c.u32();
        this.strings.set(id, c.string());
        return true;
      }
      case 15: {
        const address = c.u64();
        const [library, rawFunction, fn, source, line] = [c.u32(), c.u32(), c.u32(), c.u32(), c.u32()];
        c.u32(); // column
        const inline = c.u8() !== 0;
        const str = (id: number) => (id === 0xffffffff ? '' : (this.strings.get(id) ?? ''));
        const frame: Frame = {
          name: str(fn) || str(rawFunction),
          file: str(source),
          line: line === 0xffffffff ? 0 : line,
          module: str(library),
          address: address.toString(16),
          inlined: inline,
        };
        this.decodedFrames.push(this.builder.internFrame(frame));
        return true;
      }
      case 16: {
        const frames = c.u32s();
        let node = 0;
        for (const f of frames) {
          if (f >= this.decodedFrames.length)
            throw new Error(`a decoded backtrace names frame ${f}, but ${this.decodedFrames.length} were decoded`);
          node = this.builder.child(node, this.decodedFrames[f]);
        }
        this.decodedBacktraces.push(node);
        return true;
      }
      default:
        return false;
    }
  }

  private backtrace(id: number, addresses: number[]): void {
    let node = 0;
    for (const a of addresses)
      node = this.builder.child(
        node,
        this.builder.internFrame({ name: '', file: '', line: 0, module: '', address: a.toString(16), inlined: false }),
      );
    this.rawBacktraces.set(id, node);
  }

  /** The stack node of an event's `backtrace` field: a decoded backtrace's index, or a raw id. */
  private nodeOf(backtrace: number): number {
    const node = this.decodedBacktraces.length ? this.decodedBacktraces[backtrace] : this.rawBacktraces.get(backtrace);
    if (node === undefined) {
      this.warnings.add(
        'backtrace',
        this.eventCount + 1,
        `an allocation names backtrace ${backtrace}, which was not written before it (kept without a stack)`,
      );
      return 0;
    }
    return node;
  }

  /** AllocBody: pointer, size, backtrace, thread, flags, extra usable space, preceding free space. */
  private alloc(ts: number, key: string | null, c: Cursor): void {
    const pointer = c.u64();
    const size = c.u64();
    const backtrace = c.u64();
    c.u32(), c.u32(), c.u32(), c.u64();
    this.allocated(ts, key ?? pointer, size, this.nodeOf(backtrace));
  }

  private realloc(ts: number, oldPointer: number, key: string | null, c: Cursor): void {
    const pointer = c.u64();
    const size = c.u64();
    const backtrace = c.u64();
    c.u32(), c.u32(), c.u32(), c.u64();
    // the old block goes, the new one comes (its id stays the same along a chain)
    this.freed(ts, key ?? oldPointer, false);
    this.allocated(ts, key ?? pointer, size, this.nodeOf(backtrace));
  }

  private free(ts: number, key: string | number): void {
    this.freed(ts, key, true);
  }

  private info(node: number, size: number): number {
    let bySize = this.infoOf.get(node);
    if (!bySize) this.infoOf.set(node, (bySize = new Map()));
    let i = bySize.get(size);
    if (i === undefined) {
      i = this.infoNode.length;
      this.infoNode.push(node);
      bySize.set(size, i);
      this.peak.ensureInfos(i + 1);
      this.peak.info[i * STRIDE + EFF_SIZE] = size;
    }
    return i;
  }

  private allocated(ts: number, key: string | number, size: number, node: number): void {
    this.time(ts);
    if (this.live.has(key)) this.freed(ts, key, false);
    const i = this.info(node, size);
    const info = this.peak.info;
    info[i * STRIDE + ALLOCS]++;
    info[i * STRIDE + LIVE]++;
    this.live.set(key, i);
    this.log(i + 1);
    this.liveBytes += size;
    this.lastAlloc = key;
    if (this.liveBytes > this.maxLive) {
      this.maxLive = this.liveBytes;
      this.peakUs = ts;
      this.peak.markPeakAt(this.peak.len);
    }
    if (this.liveBytes > this.maxSinceTick) this.maxSinceTick = this.liveBytes;
  }

  private freed(ts: number, key: string | number, countTemporary: boolean): void {
    this.time(ts);
    const i = this.live.get(key);
    if (i === undefined) return; // allocated before the recording started, or not tracked
    this.live.delete(key);
    const info = this.peak.info;
    const size = info[i * STRIDE + EFF_SIZE];
    info[i * STRIDE + LIVE]--;
    if (countTemporary && this.lastAlloc === key) info[i * STRIDE + TEMPS]++;
    this.log(-(i + 1));
    this.liveBytes -= size;
  }

  private log(entry: number): void {
    this.peak.log[this.peak.len++] = entry;
    if (this.peak.len === this.peak.log.length) this.peak.checkpoint();
  }

  private time(ts: number): void {
    if (ts > this.lastUs) this.lastUs = ts;
    while (this.firstUs >= 0 && ts >= this.nextTickUs) {
      this.timeline.tick((this.nextTickUs - this.firstUs) / 1000, this.maxSinceTick);
      this.maxSinceTick = this.liveBytes;
      this.nextTickUs += TICK_US;
      // a long quiet gap is one point, not thousands
      if (ts - this.nextTickUs > 100 * TICK_US) this.nextTickUs = ts - (ts % TICK_US);
    }
  }

  finish(inputWarnings: string[]): Profile {
    if (this.eventsLen > 0 && !this.stopped)
      this.warnings.add(
        'truncated',
        this.eventCount + 1,
        `the recording ends inside an event (${this.eventsLen} bytes left): the events before it are kept`,
      );
    if (this.rawLen > 0 && !this.stopped)
      this.warnings.add(
        'truncated',
        this.eventCount + 1,
        `the recording ends inside a chunk (${this.rawLen} bytes left)`,
      );
    if (!this.sawHeader) throw new HeapflameError('not a Bytehound recording: no Header event', { file: this.file });
    const atPeak = this.peak.finish();
    const info = this.peak.info;
    const totals: Record<string, number> = { allocations: 0, temporary: 0, leaked: 0, peak: 0, allocated: 0 };
    const values = [0, 0, 0, 0, 0];
    for (let i = 0; i < this.infoNode.length; i++) {
      const o = i * STRIDE;
      const size = info[o + EFF_SIZE];
      values[0] = info[o + ALLOCS];
      values[1] = info[o + TEMPS];
      values[2] = info[o + LIVE] * size;
      values[3] = atPeak[i] * size;
      values[4] = info[o + ALLOCS] * size;
      for (let c = 0; c < 5; c++) totals[this.costs[c].id] += values[c];
      this.builder.addSample(this.infoNode[i], values);
    }
    const durationMs = this.firstUs >= 0 ? (this.lastUs - this.firstUs) / 1000 : 0;
    this.timeline.finish(durationMs, this.liveBytes);
    return this.builder.build(
      {
        format: 'bytehound',
        command: this.command || undefined,
        durationMs,
        peakTimeMs: this.maxLive > 0 ? (this.peakUs - this.firstUs) / 1000 : undefined,
      },
      totals,
      [...inputWarnings, ...this.warnings.list()],
      { timeline: this.timeline.points },
    );
  }
}

/** Events that hold nothing heapflame keeps: their fields are read past. False for another tag. */
function skipEvent(tag: number, c: Cursor): boolean {
  switch (tag) {
    case 4:
      c.u64(), c.string(), c.bytes(c.u32());
      break;
    case 6:
      c.u64(), c.u64(), c.bytes(c.u32());
      break;
    case 7:
      c.u32();
      break;
    case 8:
      c.u64(), c.u64(), c.u64(), c.u64(), c.u64(), c.u32(), c.u32(), c.u32(), c.u32(), c.u64();
      break;
    case 9:
      c.u64(), c.u64(), c.u64(), c.u64(), c.u32();
      break;
    case 10:
      c.u64(), c.u64(), c.u32(), c.i32(), c.i32(), c.i32();
      break;
    case 11:
      c.bytes(c.u32());
      break;
    case 12:
      c.u64(), c.u64(), c.u64();
      break;
    case 17:
      c.u64(), c.u64(), c.u64(), c.u64(), c.u64(), c.u64(), c.u64();
      break;
    case 23:
      c.u64(), c.string(), c.bytes(c.u64());
      break;
    case 24:
      c.u64(), c.varint(), c.u64(), c.varint(), c.varint(), c.varint(), c.u32(), c.u32(), c.u32(), c.string(c.varint());
      break;
    case 25: {
      c.u64(), c.varint(), c.u64(), c.varint();
      const n = c.varint();
      for (let k = 0; k < n; k++) c.u64(), c.varint(), c.u64(), c.varint(), c.u32();
      break;
    }
    case 26:
      c.u64(), c.varint(), c.u64(), c.varint(), c.varint(), c.varint(), c.varint(), c.varint(), c.varint(), c.varint();
      break;
    case 27:
      c.varint(), c.u64(), c.varint(), c.varint(), c.u32(), c.u32(), c.u32(), c.varint(), c.u64(), c.varint(), c.u32();
      break;
    default:
      return false;
  }
  return true;
}
