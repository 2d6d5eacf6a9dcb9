import { HeapflameError } from '../../model/errors.js';
import type { TimelinePoint } from '../../model/profile.js';
import { ALLOCS, EFF_SIZE, LIVE, PeakTracker, STRIDE, TEMPS } from '../peak-tracker.js';
import { Timeline } from '../timeline.js';
import { Warnings } from '../warnings.js';
import { SliceLog } from './slices.js';
import { BLANK_RUN, HEX, INFO_LINE, MAX_LINE, SKIPPED, TRACE_LINE } from './tokens.js';
import { grownOwned, release, SPARSE_GROWTH } from '../../model/typed-arrays.js';

/**
 * Streaming state machine for heaptrack's interpreted data files (file formats 1–3), with the
 * semantics of heaptrack_print 1.4 (KDE/heaptrack v1.4.0: src/analyze/accumulatedtracedata.cpp).
 * Tokens go in (heaptrack-tokens.ts), tables and per-record costs come out; nothing per event
 * is kept. `+`/`-` lines are 99.6 % of a recording: they arrive as numbers and are counted in
 * `events`; every other line arrives as text and goes through `line`.
 */

export interface ParserFilters {
  /** Only allocations of at least / at most this many bytes count. */
  minSize?: number;
  maxSize?: number;
  /** Only events in [fromMs, toMs] (recording time) count. */
  fromMs?: number;
  toMs?: number;
  /** Note when blocks are allocated and freed, by time slice (profile.lifetimes); not with a window. */
  lifetimes?: boolean;
}

export interface IpEntry {
  /** Hex address without leading zeros. */
  addr: string;
  module: number;
  fn: number;
  file: number;
  line: number;
  /** Inlined frames walking outwards from the main frame: [fn, file, line]*. */
  inlined: number[] | null;
}

const OPERATOR_NEW = new Set([
  'operator new(unsigned long)',
  'operator new[](unsigned long)',
  'operator new(unsigned int)',
  'operator new[](unsigned int)',
]);
const STOP_FUNCTIONS = new Set(['main', '__libc_start_main', '__static_initialization_and_destruction_0']);

/** The command line is read from /proc/self/cmdline, at most 4096 bytes. */
const MAX_COMMAND_CONTINUATION = 8192;

// biome-ignore lint/suspicious/noConstEnum: inlined as numbers in the per-line loop; never exported
const enum Phase {
  Before = 0,
  Inside = 1,
  After = 2,
}

export class HeaptrackParser {
  // tables (index 0 of strings/ips/traces means "none")
  readonly strings: string[] = [''];
  readonly ips: IpEntry[] = [{ addr: '0', module: 0, fn: 0, file: 0, line: 0, inlined: null }];
  traceIp = new Int32Array(4096);
  traceParent = new Int32Array(4096);
  traceCount = 1;
  infoRecord = new Int32Array(4096);
  /** 1 when the info passes the size filter. */
  infoIncluded = new Uint8Array(4096);
  infoCount = 0;
  recordTrace = new Int32Array(1024);
  recordCount = 0;
  /** Record + 1 of each trace that has one (0: none yet), for traces already defined. */
  private traceRecord = new Int32Array(4096);
  /** The same for traces named before they are defined (a damaged file). */
  private laterTraceRecord = new Map<number, number>();
  readonly peak: PeakTracker;

  // running totals (counts are summed per info at the end)
  leaked = 0;
  peakBytes = 0;
  peakTimeMs = 0;
  peakRssPages = 0;
  timeMs = 0;
  sawTime = false;
  pageSize = 4096;
  physPages = 0;
  heaptrackVersion = 0;
  fileVersion = -1;
  command: string | undefined;
  attached = false;
  readonly embeddedSuppressions: string[] = [];
  readonly opNewStrings = new Set<number>();
  readonly stopStrings = new Set<number>();
  private opNewIps = new Uint8Array(1024);

  lineNo = 0;
  /** Set when the time window has ended: the rest of the input is not needed. */
  done = false;
  readonly warnings: Warnings;
  readonly timeline = new Timeline();

  private lastInfo = 0;
  private sawHeader = false;
  /** heaptrack_interpret's closing line (`# ips: N`) was read: the recording is whole. */
  private closed = false;
  /** Pieces of a text line longer than a token slot. */
  private pieces: Buffer[] | null = null;
  private continuation: { lines: Buffer[]; bytes: number; firstLine: number } | null = null;

  // filters
  private readonly minSize: number;
  private readonly maxSize: number;
  private readonly fromMs: number;
  private readonly toMs: number;
  private readonly windowed: boolean;
  private phase: Phase;
  private effectiveTime = 0;
  /** Windowed imports: live blocks per info allocated before the window. */
  private preLive: Uint32Array<ArrayBuffer> | null = null;
  private tickMax = 0;
  /** Lifetimes asked for: allocations and frees per info and time slice. */
  readonly slices: SliceLog | null = null;

  constructor(
    private readonly file: string,
    filters: ParserFilters = {},
  ) {
    this.warnings = new Warnings(file);
    this.minSize = filters.minSize ?? 0;
    this.maxSize = filters.maxSize ?? Infinity;
    this.fromMs = filters.fromMs ?? -Infinity;
    this.toMs = filters.toMs ?? Infinity;
    this.windowed = filters.fromMs !== undefined || filters.toMs !== undefined;
    this.phase = this.fromMs > 0 ? Phase.Before : Phase.Inside;
    if (this.windowed) this.preLive = new Uint32Array(4096);
    else if (filters.lifetimes) this.slices = new SliceLog(this);
    this.peak = new PeakTracker();
  }

  /** Consumes one slot of tokens (see heaptrack-tokens.ts): runs of events, and text lines. */
  consume(tokens: Int32Array, nTokens: number, bytes: Buffer): void {
    let byteOff = 0;
    let k = 0;
    while (k < nTokens && !this.done) {
      // (a compiler's recording has a trace or info line for every other event: a run's set-up
      // is not paid for the empty runs between two lines)
      if (tokens[k] !== 0) k = this.events(tokens, k, nTokens);
      if (k >= nTokens || this.done) break;
      const t = tokens[k++];
      if (t !== 0) {
        // an event the run stopped at: out of range, or one for the window's slow path
        this.lineNo++;
        const v = t > 0 ? t - 1 : -t - 1;
        const mode = t > 0 ? 43 : 45;
        if (v >= this.infoCount) this.outOfRange(mode, v);
        else this.windowEvent(mode, v);
        continue;
      }
      const n = tokens[k++];
      if (n === TRACE_LINE || n === INFO_LINE) {
        this.lineNo++;
        if (n === TRACE_LINE) this.trace(tokens[k], tokens[k + 1]);
        else this.info(tokens[k], tokens[k + 1]);
        k += 2;
      } else if (n === BLANK_RUN) this.lineNo += tokens[k++];
      else if (n === SKIPPED) {
        this.lineNo++;
        this.warnings.add('long', this.lineNo, `line longer than ${MAX_LINE} bytes skipped`);
      } else if (n < 0) {
        (this.pieces ??= []).push(Buffer.from(bytes.subarray(byteOff, byteOff - n)));
        byteOff -= n;
      } else {
        this.lineNo++;
        if (this.pieces) {
          const whole = Buffer.concat([...this.pieces, bytes.subarray(byteOff, byteOff + n)]);
          this.pieces = null;
          this.textLine(whole, 0, whole.length);
        } else {
          this.textLine(bytes, byteOff, byteOff + n);
        }
        byteOff += n;
      }
    }
  }

  /**
   * The hot loop: a run of allocation and free tokens, with the running totals in locals.
   * Stops at a text line, an out-of-range index, and (windowed) any event; returns where.
   */
  private events(tokens: Int32Array, start: number, end: number): number {
    if (this.windowed) return start;
    const peak = this.peak;
    const info = peak.info; // per info: [size counted, allocations, temporary frees, live] (peak-tracker.ts)
    const infoCount = this.infoCount;
    let log = peak.log;
    let logLen = peak.len;
    let leaked = this.leaked;
    let peakBytes = this.peakBytes;
    let peakPos = -1;
    let tickMax = this.tickMax;
    let lastInfo = this.lastInfo;
    let k = start;
    for (; k < end; k++) {
      const t = tokens[k];
      if (t > 0) {
        const v = t - 1;
        if (v >= infoCount) break;
        const o = v * STRIDE;
        info[o + ALLOCS]++;
        info[o + LIVE]++;
        leaked += info[o + EFF_SIZE];
        lastInfo = v;
        if (leaked > peakBytes) {
          peakBytes = leaked;
          peakPos = logLen + 1;
        }
        if (leaked > tickMax) tickMax = leaked;
      } else {
        const v = -t - 1;
        if (t === 0 || v >= infoCount) break;
        const o = v * STRIDE;
        info[o + LIVE]--;
        leaked -= info[o + EFF_SIZE];
        // heaptrack's temporary rule: a free directly after an allocation of the same info
        if (lastInfo === v) info[o + TEMPS]++;
        lastInfo = 0;
      }
      log[logLen++] = t;
      if (logLen === log.length) {
        if (peakPos >= 0) {
          peak.markPeakAt(peakPos);
          this.peakTimeMs = this.timeMs;
          peakPos = -1;
        }
        peak.len = logLen;
        peak.checkpoint();
        logLen = 0;
        log = peak.log;
      }
    }
    if (peakPos >= 0) {
      peak.markPeakAt(peakPos);
      this.peakTimeMs = this.timeMs;
    }
    peak.len = logLen;
    this.leaked = leaked;
    this.peakBytes = peakBytes;
    this.tickMax = tickMax;
    this.lastInfo = lastInfo;
    this.lineNo += k - start;
    return k;
  }

  /** One event with a time window: the same rules plus which blocks belong to the window. */
  private windowEvent(mode: number, v: number): void {
    const o = v * STRIDE;
    const info = this.peak.info;
    if (mode === 43) {
      this.lastInfo = v;
      if (this.phase === Phase.Before) {
        this.preLive![v]++;
        return;
      }
      info[o + ALLOCS]++;
      info[o + LIVE]++;
      this.leaked += info[o + EFF_SIZE];
    } else {
      const temp = this.lastInfo === v;
      this.lastInfo = 0;
      if (!this.freeInWindow(v, temp)) return;
      info[o + LIVE]--;
      this.leaked -= info[o + EFF_SIZE];
      if (temp) info[o + TEMPS]++;
    }
    const peak = this.peak;
    peak.log[peak.len++] = mode === 43 ? v + 1 : -(v + 1);
    if (this.leaked > this.peakBytes) {
      this.peakBytes = this.leaked;
      peak.markPeakAt(peak.len);
      this.peakTimeMs = this.timeMs;
    }
    if (this.leaked > this.tickMax) this.tickMax = this.leaked;
    if (peak.len === peak.log.length) peak.checkpoint();
  }

  /** Ends the input. */
  end(): void {
    if (this.command !== undefined && this.continuation !== null) this.endContinuation(false);
    if (!this.sawHeader)
      throw new HeapflameError('not a heaptrack recording: the file has no data', { file: this.file });
    // a time window stops reading at its end: the rest of the file is not missing
    if (!this.closed && this.phase !== Phase.After) {
      this.warnings.add(
        'end',
        this.lineNo,
        "the recording ends without heaptrack's closing lines (# strings, # ips): it was cut short, or the program is still running; the figures cover what was written",
      );
    }
    this.timeline.finish(this.timeMs, this.tickMax);
  }

  /** A single event that did not come as a token (a header line, a trailing space). */
  private event(mode: number, info: number): void {
    if (info >= this.infoCount) return this.outOfRange(mode, info);
    if (this.windowed) return this.windowEvent(mode, info);
    this.lineNo--;
    this.events(Int32Array.of(mode === 43 ? info + 1 : -(info + 1)), 0, 1);
  }

  private outOfRange(mode: number, info: number): void {
    if (!this.warnings.counted('index'))
      this.warnings.add('index', this.lineNo, `allocation index out of bounds: ${info}, maximum is: ${this.infoCount}`);
    if (mode === 45) this.lastInfo = 0;
  }

  /** Command-line continuation first (see below), then the line itself. */
  private textLine(buf: Buffer, start: number, end: number): void {
    if (this.continuation !== null) {
      if (buf[start] === 73 && buf[start + 1] === 32) this.endContinuation(true);
      else {
        const c = this.continuation;
        c.lines.push(Buffer.from(buf.subarray(start, end)));
        c.bytes += end - start + 1;
        if (c.bytes > MAX_COMMAND_CONTINUATION) this.endContinuation(false);
        return;
      }
    }
    this.line(buf, start, end);
  }

  /** Frees within a time window: only blocks allocated inside the window count. */
  private freeInWindow(info: number, temporary: boolean): boolean {
    const pre = this.preLive!;
    if (this.phase === Phase.Before) {
      if (pre[info] > 0) pre[info]--;
      return false;
    }
    // Blocks of one allocation info (same size and stack) cannot be told apart. A free right
    // after its allocation releases that (youngest) block; any other free is taken to release
    // the oldest live block first, as queues, caches and request buffers do.
    if (!temporary && pre[info] > 0) {
      pre[info]--;
      return false;
    }
    if (this.peak.info[info * STRIDE + LIVE] <= 0) {
      if (pre[info] > 0) pre[info]--;
      return false;
    }
    return true;
  }

  // ---- every line but plain '+'/'-' -------------------------------------------------------

  private cur = 0;
  private end_ = 0;
  private buf: Buffer = Buffer.alloc(0);

  /** heaptrack's LineReader::readHex: hex digits up to a space (consumed) or the line end. */
  private hex(): number {
    const buf = this.buf;
    let i = this.cur;
    if (i >= this.end_) return -1;
    let v = 0;
    for (; i < this.end_; i++) {
      const c = buf[i];
      if (c === 32) {
        this.cur = i + 1;
        return v;
      }
      const d = HEX[c];
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    this.cur = i;
    return v;
  }

  private hexString(): string | null {
    const start = this.cur;
    if (this.hex() < 0) return null;
    let s = start;
    let e = this.cur;
    if (e > s && this.buf[e - 1] === 32) e--;
    while (s < e - 1 && this.buf[s] === 48) s++;
    return s === e ? '0' : this.buf.toString('latin1', s, e);
  }

  private text(from: number): string {
    return from >= this.end_ ? '' : this.buf.toString('utf8', from, this.end_);
  }

  private failed(): void {
    // (past the warnings shown, a bad line is only counted: a damaged file has millions)
    if (!this.warnings.counted('parse'))
      this.warnings.add(
        'parse',
        this.lineNo,
        `failed to parse line: ${this.buf.toString('utf8', this.cur0, Math.min(this.end_, this.cur0 + 120))}`,
      );
  }
  private cur0 = 0;

  private line(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.cur0 = start;
    this.cur = start + 2;
    this.end_ = end;
    const mode = end > start ? buf[start] : 35;
    if (!this.sawHeader) {
      this.sawHeader = true;
      if (mode !== 118 /* v */ || end - start < 3 || buf[start + 1] !== 32) {
        throw new HeapflameError(
          'not a heaptrack recording: expected a first line "v <heaptrack version> <file format>"' +
            describeStart(buf, start, end),
          { file: this.file, line: this.lineNo },
        );
      }
    }
    if (end - start <= 2 && mode !== 35) this.cur = end;
    switch (mode) {
      case 43: // '+' / '-' with extra fields or bad hex
      case 45:
        return this.badEvent(mode);
      case 115: // s
        return this.stringLine();
      case 105: // i
        return this.ipLine();
      case 116: // t
        return this.traceLine();
      case 97: // a
        return this.infoLine();
      case 99: // c
        return this.timeLine();
      case 82: {
        // R
        const pages = this.hex();
        if (this.phase === Phase.Inside && pages > this.peakRssPages) this.peakRssPages = pages;
        if (pages >= 0) this.timeline.rss(pages * this.pageSize);
        return;
      }
      case 35: // '#' or empty
        if (this.buf.toString('latin1', start, Math.min(this.end_, start + 7)) === '# ips: ') this.closed = true;
        return;
      case 118:
        return this.versionLine();
      case 88: // X
        if (this.command !== undefined) {
          this.warnings.add('parse', this.lineNo, 'a second command line (X) - corrupt data file? ignored');
          return;
        }
        this.command = this.text(start + 2);
        this.continuation = { lines: [], bytes: 0, firstLine: this.lineNo };
        return;
      case 73: {
        // I
        const ps = this.hex();
        const pages = this.hex();
        if (ps > 0) this.pageSize = ps;
        if (pages >= 0) this.physPages = pages;
        return;
      }
      case 83: // S
        return this.suppressionLine();
      case 65: // A
        this.attached = true;
        // heaptrack restarts its totals here; nothing was counted before in practice
        this.leaked = this.peakBytes = 0;
        this.peak.reset();
        return;
      case 120: // x
      case 109: // m
        throw rawRecording(this.file);
      default:
        this.failed();
    }
  }

  private badEvent(mode: number): void {
    const a = this.hex();
    // `+ 1f ` (a trailing space) is valid for heaptrack, and events before the I line come as text
    if (a >= 0 && this.cur >= this.end_ && this.end_ - this.cur0 > 2) return this.event(mode, a);
    if (a >= 0 && this.cur < this.end_ && this.hex() >= 0 && this.fileVersion >= 1) {
      // '+ size trace ptr': the un-interpreted output of `heaptrack -r`.
      if (mode === 43 && this.hex() >= 0) throw rawRecording(this.file);
    }
    this.failed();
  }

  private versionLine(): void {
    const version = this.hex();
    let format = this.hex();
    if (version < 0) return this.failed();
    this.heaptrackVersion = version;
    if (format < 0) format = version === 0x010200 ? 1 : 0;
    this.fileVersion = format;
    if (format === 0) {
      throw new HeapflameError(
        'heaptrack file format 0 (recorded by heaptrack before 1.0) is not supported; re-record with heaptrack 1.1 or newer',
        { file: this.file, line: this.lineNo },
      );
    }
    if (format > 3) {
      this.warnings.add(
        'version',
        this.lineNo,
        `file format ${format} is newer than the formats heapflame knows (1-3); reading it as format 3`,
      );
    }
  }

  private stringLine(): void {
    let s = '';
    if (this.fileVersion >= 3) {
      const n = this.hex();
      if (n >= 0 && this.cur + n <= this.end_) s = this.buf.toString('utf8', this.cur, this.cur + n);
      else
        this.warnings.add('string', this.lineNo, 'string shorter than its declared length (kept as an empty string)');
    } else {
      s = this.text(this.cur0 + 2);
    }
    const index = this.strings.length;
    this.strings.push(s);
    if (OPERATOR_NEW.has(s)) this.opNewStrings.add(index);
    else if (STOP_FUNCTIONS.has(s)) this.stopStrings.add(index);
  }

  private ipLine(): void {
    const addr = this.hexString();
    const module = this.hex();
    const ip: IpEntry = { addr: addr ?? '0', module: Math.max(0, module), fn: 0, file: 0, line: 0, inlined: null };
    if (addr === null || module < 0) this.failed();
    else {
      const fn = this.hex();
      if (fn >= 0) {
        ip.fn = fn;
        const file = this.hex();
        if (file >= 0) {
          ip.file = file;
          const line = this.hex();
          if (line >= 0) {
            ip.line = line;
            for (;;) {
              const f = this.hex();
              const fl = f >= 0 ? this.hex() : -1;
              const l = fl >= 0 ? this.hex() : -1;
              if (l < 0) break;
              (ip.inlined ??= []).push(f, fl, l);
            }
          }
        }
      }
    }
    const index = this.ips.length;
    this.ips.push(ip);
    if (this.opNewStrings.has(ip.fn)) {
      if (index >= this.opNewIps.length) this.opNewIps = grownOwned(this.opNewIps, index + 1);
      this.opNewIps[index] = 1;
    }
  }

  private traceLine(): void {
    const ip = this.hex();
    const parent = this.hex();
    if (ip < 0 || parent < 0) this.failed();
    this.trace(Math.max(ip, 0), Math.max(parent, 0));
  }

  /** A trace node (`t ip parent`), from a text line or tokens. */
  private trace(ip: number, parent: number): void {
    const index = this.traceCount;
    if (parent >= index) {
      // The writer emits parents first; a forward reference could only form cycles.
      this.warnings.add(
        'index',
        this.lineNo,
        `trace ${index} names parent ${parent}, which is not defined yet (treated as root)`,
      );
      parent = 0;
    }
    // heaptrack hides operator new: such a node becomes a copy of its caller's node.
    while (ip > 0 && ip < this.opNewIps.length && this.opNewIps[ip] === 1) {
      ip = parent > 0 ? this.traceIp[parent] : 0;
      parent = parent > 0 ? this.traceParent[parent] : 0;
    }
    if (index >= this.traceIp.length) {
      this.traceIp = grownOwned(this.traceIp, index + 1, SPARSE_GROWTH);
      this.traceParent = grownOwned(this.traceParent, index + 1, SPARSE_GROWTH);
      this.traceRecord = grownOwned(this.traceRecord, index + 1, SPARSE_GROWTH);
    }
    // an info that named this trace before it was defined keeps its record
    const earlier = this.laterTraceRecord.size ? this.laterTraceRecord.get(index) : undefined;
    if (earlier !== undefined) {
      this.laterTraceRecord.delete(index);
      this.traceRecord[index] = earlier + 1;
    }
    this.traceIp[index] = ip;
    this.traceParent[index] = parent;
    this.traceCount++;
  }

  private infoLine(): void {
    const size = this.hex();
    const trace = this.hex();
    if (size < 0 || trace < 0) return this.failed();
    this.info(size, trace);
  }

  /** An allocation info (`a size trace`), from a text line or tokens. */
  private info(size: number, trace: number): void {
    const defined = trace < this.traceCount;
    let rec = defined ? this.traceRecord[trace] - 1 : (this.laterTraceRecord.get(trace) ?? -1);
    if (rec < 0) {
      rec = this.recordCount++;
      if (defined) this.traceRecord[trace] = rec + 1;
      else this.laterTraceRecord.set(trace, rec);
      if (rec >= this.recordTrace.length) this.recordTrace = grownOwned(this.recordTrace, rec + 1, SPARSE_GROWTH);
      this.recordTrace[rec] = trace;
    }
    const i = this.infoCount++;
    if (i >= this.infoRecord.length) {
      this.infoRecord = grownOwned(this.infoRecord, i + 1, SPARSE_GROWTH);
      const n = this.infoRecord.length;
      this.infoIncluded = grownOwned(this.infoIncluded, n);
      if (this.preLive) this.preLive = grownOwned(this.preLive, n);
    }
    this.infoRecord[i] = rec;
    const included = size >= this.minSize && size <= this.maxSize;
    this.infoIncluded[i] = included ? 1 : 0;
    this.peak.ensureInfos(i + 1);
    this.slices?.ensureInfos(i + 1);
    this.peak.info[i * STRIDE + EFF_SIZE] = included ? size : 0;
  }

  /**
   * Gives the per-info counters' memory back (after recordCosts: nothing reads them then), now
   * rather than at a garbage collection that may come after the peak.
   */
  releaseCounts(): void {
    for (const a of [this.infoRecord, this.infoIncluded]) release(a);
    this.infoRecord = new Int32Array(0);
    this.infoIncluded = new Uint8Array(0);
    this.infoCount = 0;
    this.peak.release();
  }

  /**
   * An array of at least `traceCount` numbers for the caller to use as it likes, once the input
   * has ended: the trace → record index it was is not needed then (a large recording's trace
   * tree has millions of nodes, and memory is time).
   */
  spareTraceArray(): Int32Array {
    const spare = this.traceRecord.subarray(0, this.traceCount);
    this.traceRecord = new Int32Array(0);
    return spare;
  }

  /**
   * Per-record costs from the per-info counts: allocations, temporary, allocated, leaked and
   * peak bytes, over the infos that pass the size filter. Once: the peak tracker's log and
   * copies are given back after (the counts stay, for the time ranges).
   */
  recordCosts() {
    const n = this.recordCount;
    // the peak's counts first: the log and checkpoint copy go back before the costs are made
    const atPeak = this.peak.finish();
    const out = {
      allocations: new Float64Array(n),
      temporary: new Float64Array(n),
      allocated: new Float64Array(n),
      leaked: new Float64Array(n),
      peak: new Float64Array(n),
    };
    const data = this.peak.info;
    for (let i = 0; i < this.infoCount; i++) {
      if (this.infoIncluded[i] === 0) continue;
      const r = this.infoRecord[i];
      const o = i * STRIDE;
      const size = data[o + EFF_SIZE];
      out.allocations[r] += data[o + ALLOCS];
      out.temporary[r] += data[o + TEMPS];
      out.allocated[r] += data[o + ALLOCS] * size;
      out.leaked[r] += data[o + LIVE] * size;
      out.peak[r] += atPeak[i] * size;
    }
    this.peak.releaseCopies();
    return out;
  }

  private timeLine(): void {
    const t = this.hex();
    if (t < 0) {
      this.warnings.add('time', this.lineNo, `failed to read time stamp: ${this.text(this.cur0).slice(0, 120)}`);
      return;
    }
    this.timeMs = t;
    this.sawTime = true;
    // Decreasing stamps (clock trouble) must not move the window backwards.
    if (t > this.effectiveTime) this.effectiveTime = t;
    this.timeline.tick(this.effectiveTime, this.tickMax);
    this.slices?.tick(this.effectiveTime);
    this.tickMax = this.leaked;
    if (this.windowed) {
      if (this.effectiveTime > this.toMs) {
        this.phase = Phase.After;
        this.done = true;
      } else if (this.phase === Phase.Before && this.effectiveTime >= this.fromMs) {
        this.phase = Phase.Inside;
      }
    }
  }

  private suppressionLine(): void {
    let rest = this.text(this.cur0 + 2);
    // Format 3 writes "S <hexlen> leak:…"; heaptrack 1.4 then rejects every line (its bug).
    const sized = /^([0-9a-f]+) (.*)$/s.exec(rest);
    if (this.fileVersion >= 3 && sized) rest = sized[2];
    this.embeddedSuppressions.push(rest);
  }

  // ---- the command line, which heaptrack does not escape ------------------------------------

  /**
   * Arguments with newlines (`node -e "<script>"`) spill the X line over several lines; they
   * would parse as data. The writer puts the I line right after X, and the command is at most
   * 4 KiB, so lines up to the I line within that bound belong to the command. Without an I
   * line in reach, the held lines are read as data after all.
   */
  private endContinuation(found: boolean): void {
    const c = this.continuation!;
    this.continuation = null;
    if (c.lines.length === 0) return;
    if (!found) {
      const lineNo = this.lineNo;
      this.lineNo = c.firstLine;
      for (const l of c.lines) {
        this.lineNo++;
        this.line(l, 0, l.length);
      }
      this.lineNo = lineNo;
      return;
    }
    this.command += `\n${c.lines.map((l) => l.toString('utf8')).join('\n')}`;
    this.warnings.add(
      'command',
      c.firstLine,
      `the command line spans ${c.lines.length + 1} lines (heaptrack does not escape newlines in arguments); lines ${c.firstLine + 1}-${c.firstLine + c.lines.length} are read as part of it, not as data`,
    );
  }

  get timelinePoints(): TimelinePoint[] {
    return this.timeline.points;
  }
}

function rawRecording(file: string): HeapflameError {
  return new HeapflameError(
    'this is a raw heaptrack recording (made with `heaptrack -r`), which holds unresolved addresses. ' +
      'Interpret it on the machine that recorded it (the same binaries must be present): ' +
      `zstd -dc ${file} | /usr/lib/heaptrack/libexec/heaptrack_interpret | zstd -c > heaptrack.interpreted.zst ` +
      '(heaptrack 1.6 and newer: heaptrack --interpret FILE), then read the result. heaptrack_print 1.4 crashes on raw files.',
    { file },
  );
}

function describeStart(buf: Buffer, start: number, end: number): string {
  const head = buf.subarray(start, Math.min(end, start + 40));
  const printable = head.every((c) => c === 9 || (c >= 32 && c < 127));
  return printable ? `, found "${head.toString('latin1')}"` : ', found binary data';
}
