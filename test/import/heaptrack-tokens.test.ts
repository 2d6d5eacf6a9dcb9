import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  BLANK_RUN,
  HeaptrackTokenizer,
  INFO_LINE,
  SKIPPED,
  TRACE_LINE,
  type TokenSlot,
} from '../../src/import/heaptrack/tokens.js';
import { wasmScanner } from '../../src/import/heaptrack/wasm.js';
import { fixture, zstdText } from '../helpers/paths.js';

/**
 * The tokenizer against a plain reference (split on newlines), in both its WebAssembly and
 * its JavaScript loop, whatever the chunk boundaries and slot sizes.
 */

type Line = { event: number } | { pair: [string, number, number] } | { text: string } | { skipped: true };

/** The tokens decoded back into lines. */
function tokenize(chunks: Buffer[], wasm: boolean, words = 64, bytes = 256): Line[] {
  const out: Line[] = [];
  let pieces = '';
  const drain = (s: TokenSlot) => {
    let off = 0;
    for (let k = 0; k < s.nTokens; k++) {
      const t = s.tokens[k];
      if (t !== 0) {
        out.push({ event: t });
        continue;
      }
      const n = s.tokens[++k];
      if (n === TRACE_LINE || n === INFO_LINE) {
        out.push({ pair: [n === TRACE_LINE ? 't' : 'a', s.tokens[k + 1], s.tokens[k + 2]] });
        k += 2;
      } else if (n === BLANK_RUN) for (let run = s.tokens[++k]; run > 0; run--) out.push({ text: '' });
      else if (n === SKIPPED) out.push({ skipped: true });
      else if (n < 0) {
        pieces += Buffer.from(s.bytes.subarray(off, off - n)).toString('latin1');
        off -= n;
      } else {
        out.push({ text: pieces + Buffer.from(s.bytes.subarray(off, off + n)).toString('latin1') });
        pieces = '';
        off += n;
      }
    }
  };
  const make = (): TokenSlot => ({
    tokens: new Int32Array(words),
    bytes: new Uint8Array(bytes),
    nTokens: 0,
    nBytes: 0,
  });
  const tok = new HeaptrackTokenizer(make(), (full) => (drain(full), make()), { wasm });
  for (const c of chunks) tok.push(c);
  tok.end();
  drain(tok.current);
  return out;
}

/**
 * What the tokens must say: events, trace and info lines after the I line as tokens (indices
 * and sizes of 1 to 7 digits), everything else as text.
 */
function reference(text: string): Line[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let header = true;
  return lines.map((l) => {
    const m = /^([+-]) ([0-9a-f]{1,7})$/.exec(l);
    const pair = /^([ta]) ([0-9a-f]{1,7}) ([0-9a-f]{1,7})$/.exec(l);
    let line: Line = { text: l };
    if (!header && m) line = { event: (m[1] === '+' ? 1 : -1) * (parseInt(m[2], 16) + 1) };
    else if (!header && pair) line = { pair: [pair[1], parseInt(pair[2], 16), parseInt(pair[3], 16)] };
    if (l.startsWith('I ')) header = false;
    return line;
  });
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

test('the WebAssembly scanner is built and loads', () => {
  assert.ok(wasmScanner(), 'dist/src/import/heaptrack/heaptrack-wasm.wasm is missing: run npm run build');
});

test('tokens equal the reference for any chunking, in WebAssembly and JavaScript', () => {
  const line = fc.oneof(
    fc.stringMatching(/^[+-] [0-9a-fA-F]{0,9}$/),
    fc.stringMatching(/^[+-] [0-9a-f]{1,7} ?$/),
    fc.stringMatching(/^[sitacR#] [ -~]{0,40}$/),
    fc.stringMatching(/^[ta] [0-9a-f]{1,8} [0-9a-f]{1,8}$/),
    fc.stringMatching(/^[ta] ?[0-9a-fA-F ]{0,10}\n?[0-9a-f]{0,3} ?$/),
    fc.constant('+'),
    fc.constant(''),
    fc.constant('\n\n\n'),
    fc.string({ maxLength: 300 }).filter((s) => !s.includes('\n')),
  );
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 80 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
      fc.boolean(),
      (lines, cuts, trailingNewline) => {
        const text = ['v 10400 3', 'X p', 'I 1000 1', ...lines].join('\n') + (trailingNewline ? '\n' : '');
        const buf = Buffer.from(text, 'latin1');
        const want = reference(text);
        for (const wasm of [true, false])
          assert.deepEqual(tokenize(split(buf, cuts), wasm), want, wasm ? 'wasm' : 'js');
      },
    ),
    { numRuns: 400 },
  );
});

test('a real recording tokenizes the same in both loops', () => {
  const text = zstdText(fixture('heaptrack.s3sim.zst'));
  const buf = Buffer.from(text, 'latin1');
  const chunks = split(buf, [0.1, 0.33, 0.5, 0.77]);
  const want = reference(text);
  assert.deepEqual(tokenize(chunks, true, 4096, 1 << 16), want);
  assert.deepEqual(tokenize(chunks, false, 4096, 1 << 16), want);
});
