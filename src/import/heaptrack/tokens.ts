/**
 * Splits heaptrack text into tokens, so that the costly part of parsing (finding lines,
 * reading hex) can run on another thread than the accounting.
 *
 * A token is one Int32 per line:
 *   v + 1      `+ v` (an allocation of info v)
 *   -(v + 1)   `- v` (a free)
 *   0, n       any other line: its n bytes follow in the byte area (n < 0: a piece of a
 *              longer line, more pieces follow; n = SKIPPED: a line over the length limit)
 *   0, BLANK_RUN, k  k empty lines (a recording padded with millions of them cost a line's
 *              work each: 8 MB/s; a run costs one token)
 *   0, TRACE_LINE, ip, parent   a `t <ip> <parent>` line
 *   0, INFO_LINE, size, trace   an `a <size> <trace>` line (a compiler's recording has one
 *              trace or info line for every six events: as text they cost the main thread
 *              more than all its events)
 * Indices of more than 7 hex digits (out of range anyway) go as text, and so do sizes of more
 * than 7 (256 MiB and up), and lines of any other shape: the parser reads them as before.
 * Lines before the system-info (`I`) line always go as text: the command line before it may
 * spill over several lines (heaptrack does not escape newlines) and must not read as events.
 */

import { SCAN_INPUT_END, SCAN_OUT_FULL, type WasmScanner, wasmScanner } from './wasm.js';

export const SKIPPED = 0x7fffffff;
export const BLANK_RUN = 0x7ffffffe;
/** The codes heaptrack-wasm.wat writes for `t` and `a` lines. */
export const TRACE_LINE = 0x7ffffffd;
export const INFO_LINE = 0x7ffffffc;
/** Longest line accepted; heaptrack's own lines stay far below (symbols, 4 KiB command lines). */
export const MAX_LINE = 16 << 20;
/** Text lines before the events begin, at most: the header is tiny, a spilled command ≤ 4 KiB. */
const MAX_HEADER_BYTES = 64 << 10;

/** Bytes of WebAssembly memory for tokens, before the input copy. */
const WASM_TOKENS = 1 << 20;

/** Value of a lowercase hex digit, -1 for any other byte (heaptrack rejects uppercase). */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

/** Where tokens go: a slot with room for `tokens.length` words and `bytes.length` text bytes. */
export interface TokenSlot {
  tokens: Int32Array;
  bytes: Uint8Array;
  nTokens: number;
  nBytes: number;
}

export class HeaptrackTokenizer {
  private carry: Buffer | null = null;
  private carryLength = 0;
  private skipping = false;
  private header = true;
  private headerBytes = 0;

  private readonly wasm: WasmScanner | null;

  /** `flush` hands a full slot on and returns the next, empty one. */
  constructor(
    private slot: TokenSlot,
    private readonly flush: (full: TokenSlot) => TokenSlot,
    options: { wasm?: boolean } = {},
  ) {
    this.wasm = options.wasm === false ? null : wasmScanner();
  }

  push(buf: Uint8Array): void {
    let pos = 0;
    if (this.carry !== null || this.skipping) {
      const nl = buf.indexOf(10);
      if (nl === -1) return this.keep(buf, 0);
      if (!this.skipping) this.keep(buf.subarray(0, nl), 0);
      if (this.skipping) {
        this.skipping = false;
        this.text(buf, 0, 0, SKIPPED);
      } else {
        const line = Buffer.concat([this.carry!.subarray(0, this.carryLength), NEWLINE]);
        this.carry = null;
        this.completeLine(line);
      }
      pos = nl + 1;
    }
    pos = this.header ? this.headerLines(buf, pos) : pos;
    if (!this.header) pos = this.scan(buf, pos);
    if (pos < buf.length) this.keep(buf, pos);
  }

  /** The slot being filled; after `end`, the last one to hand on. */
  get current(): TokenSlot {
    return this.slot;
  }

  /** Hands on the tokens so far now (the consumer is waiting), if there are any. */
  handOn(): void {
    if (this.slot.nTokens > 0) this.slot = this.flush(this.slot);
  }

  /** The input ended: a last line without newline still counts. */
  end(): void {
    if (this.skipping) this.text(new Uint8Array(0), 0, 0, SKIPPED);
    else if (this.carry !== null) this.completeLine(Buffer.concat([this.carry.subarray(0, this.carryLength), NEWLINE]));
    this.carry = null;
    this.skipping = false;
  }

  private headerLines(buf: Uint8Array, start: number): number {
    let pos = start;
    while (this.header) {
      const nl = buf.indexOf(10, pos);
      if (nl === -1) return pos;
      this.text(buf, pos, nl);
      if ((buf[pos] === 73 && buf[pos + 1] === 32) || (this.headerBytes += nl - pos + 1) > MAX_HEADER_BYTES)
        this.header = false;
      pos = nl + 1;
    }
    return pos;
  }

  private scan(buf: Uint8Array, start: number): number {
    return this.wasm ? this.scanWasm(this.wasm, buf, start) : this.scanJs(buf, start);
  }

  /** The hot loop in WebAssembly: the chunk is copied in, tokens copied out into the slot. */
  private scanWasm(w: WasmScanner, buf: Uint8Array, start: number): number {
    const need = WASM_TOKENS + (buf.length - start);
    if (w.memory.buffer.byteLength < need) w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
    new Uint8Array(w.memory.buffer).set(buf.subarray(start), WASM_TOKENS);
    const end = WASM_TOKENS + (buf.length - start);
    let p = WASM_TOKENS;
    for (;;) {
      const slot = this.slot;
      const room = Math.min(slot.tokens.length - slot.nTokens, WASM_TOKENS / 4);
      p = w.scan(p, end, 0, room * 4);
      const count = w.outPos.value / 4;
      if (count > 0) {
        slot.tokens.set(new Int32Array(w.memory.buffer, 0, count), slot.nTokens);
        slot.nTokens += count;
      }
      const status = w.status.value;
      if (status === SCAN_OUT_FULL) {
        // (full, or without room for a pair line's four tokens)
        if (slot.tokens.length - slot.nTokens < 4) this.slot = this.flush(slot);
        continue;
      }
      const at = start + (p - WASM_TOKENS);
      if (status === SCAN_INPUT_END) return at;
      // text lines (and runs of empty ones) up to the next event line: handled here, then
      // the scan goes on after them (an entry into WebAssembly per line cost more than the line)
      let next = at;
      do {
        const after = this.textOrBlank(buf, next);
        if (after === -1) return next;
        next = after;
      } while (next < buf.length && !NUMERIC_LINE[buf[next]]);
      p = WASM_TOKENS + (next - start);
    }
  }

  /** The hot loop: event lines to tokens, everything else as text. Returns where it stopped. */
  private scanJs(buf: Uint8Array, start: number): number {
    const len = buf.length;
    let slot = this.slot;
    let tokens = slot.tokens;
    let n = slot.nTokens;
    let room = tokens.length;
    let pos = start;
    while (pos < len) {
      const mode = buf[pos];
      if ((mode === 43 || mode === 45) && pos + 1 < len && buf[pos + 1] === 32) {
        let i = pos + 2;
        let v = 0;
        let c = 0;
        for (; i < len; i++) {
          c = buf[i];
          const d = HEX[c];
          if (d < 0) break;
          v = v * 16 + d;
        }
        if (i >= len) break; // incomplete: carried over
        // 1 to 7 digits, as the WebAssembly loop takes them (larger indices go as text)
        if (c === 10 && i > pos + 2 && i <= pos + 9) {
          if (n === room) {
            slot.nTokens = n;
            slot = this.slot = this.flush(slot);
            tokens = slot.tokens;
            n = slot.nTokens;
            room = tokens.length;
          }
          tokens[n++] = mode === 43 ? v + 1 : -(v + 1);
          pos = i + 1;
          continue;
        }
      }
      if (mode === 116 || mode === 97) {
        if (n + 4 > room) {
          slot.nTokens = n;
          slot = this.slot = this.flush(slot);
          tokens = slot.tokens;
          n = slot.nTokens;
          room = tokens.length;
        }
        const after = pairLine(buf, pos, tokens, n);
        if (after === -2) break; // incomplete: carried over
        if (after > 0) {
          n += 4;
          pos = after;
          continue;
        }
      }
      slot.nTokens = n;
      const next = this.textOrBlank(buf, pos);
      if (next === -1) break;
      slot = this.slot;
      tokens = slot.tokens;
      n = slot.nTokens;
      room = tokens.length;
      pos = next;
    }
    slot.nTokens = n;
    return pos;
  }

  /** The text line at `at`, or the run of empty lines there; where the scan goes on, -1 if the line is incomplete. */
  private textOrBlank(buf: Uint8Array, at: number): number {
    if (buf[at] === 10) {
      let end = at + 1;
      while (end < buf.length && buf[end] === 10) end++;
      let slot = this.slot;
      if (slot.nTokens + 3 > slot.tokens.length) slot = this.slot = this.flush(slot);
      slot.tokens[slot.nTokens++] = 0;
      slot.tokens[slot.nTokens++] = BLANK_RUN;
      slot.tokens[slot.nTokens++] = end - at;
      return end;
    }
    // short lines found by hand: a call of indexOf cost more than a short line's bytes
    let nl = at;
    const near = Math.min(buf.length, at + 32);
    while (nl < near && buf[nl] !== 10) nl++;
    if (nl === near) nl = buf.indexOf(10, near);
    if (nl === -1) return -1;
    this.text(buf, at, nl);
    return nl + 1;
  }

  /** A line that was split across chunks, now whole and ending in a newline. */
  private completeLine(line: Uint8Array): void {
    if (this.header) this.headerLines(line, 0);
    else this.scan(line, 0);
  }

  /** A text line: token 0, its length, its bytes (in pieces when larger than a slot). */
  private text(buf: Uint8Array, start: number, end: number, special?: number): void {
    let from = start;
    for (;;) {
      let slot = this.slot;
      if (slot.nTokens + 2 > slot.tokens.length || (slot.nBytes === slot.bytes.length && from < end)) {
        slot = this.slot = this.flush(slot);
      }
      const piece = Math.min(end - from, slot.bytes.length - slot.nBytes);
      const last = from + piece === end;
      slot.tokens[slot.nTokens++] = 0;
      slot.tokens[slot.nTokens++] = special ?? (last ? piece : -piece);
      if (piece <= 16) for (let i = 0; i < piece; i++) slot.bytes[slot.nBytes + i] = buf[from + i];
      else slot.bytes.set(buf.subarray(from, from + piece), slot.nBytes); // (a view costs more than a short copy)
      slot.nBytes += piece;
      from += piece;
      if (last) return;
    }
  }

  private keep(part: Uint8Array, from: number): void {
    if (this.skipping) return;
    const n = part.length - from;
    const need = this.carryLength * (this.carry ? 1 : 0) + n;
    if (need > MAX_LINE) {
      this.carry = null;
      this.carryLength = 0;
      this.skipping = true;
      return;
    }
    if (this.carry === null) {
      this.carry = Buffer.allocUnsafe(Math.max(256, n * 2));
      this.carryLength = 0;
    } else if (need > this.carry.length) {
      const bigger = Buffer.allocUnsafe(need * 2);
      bigger.set(this.carry.subarray(0, this.carryLength));
      this.carry = bigger;
    }
    this.carry.set(part.subarray(from), this.carryLength);
    this.carryLength += n;
  }
}

const NEWLINE = new Uint8Array([10]);

/** The first bytes of the lines the scan turns into numbers: '+', '-', 't', 'a'. */
const NUMERIC_LINE = new Uint8Array(256);
for (const c of [43, 45, 116, 97]) NUMERIC_LINE[c] = 1;

/**
 * `t <hex> <hex>` or `a <hex> <hex>` at `pos` (1 to 7 digits each) as tokens 0, code, a, b at
 * `tokens[n]`, as heaptrack-wasm.wat's `pair` writes them. Returns the next line's start, 0 for
 * a line of another shape, -2 when the input ends inside the line.
 */
function pairLine(buf: Uint8Array, pos: number, tokens: Int32Array, n: number): number {
  const len = buf.length;
  if (pos + 1 >= len) return -2;
  if (buf[pos + 1] !== 32) return 0;
  let first = 0;
  let i = pos + 2;
  for (let f = 0; f < 2; f++) {
    const stop = f === 0 ? 32 : 10;
    const start = i;
    let v = 0;
    for (;;) {
      if (i >= len) return -2;
      const c = buf[i];
      if (c === stop) break;
      const d = HEX[c];
      if (d < 0 || i - start === 7) return 0;
      v = v * 16 + d;
      i++;
    }
    if (i === start) return 0;
    if (f === 0) first = v;
    else tokens[n + 3] = v;
    i++;
  }
  tokens[n] = 0;
  tokens[n + 1] = buf[pos] === 116 ? TRACE_LINE : INFO_LINE;
  tokens[n + 2] = first;
  return i;
}
