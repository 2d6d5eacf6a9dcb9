import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { HeapflameError } from '../model/errors.js';
import { looksLikeBytehound } from './bytehound.js';
import { detectCompression, openInput, type InputOptions, putBackStdin, SMALL_INPUT_BYTES, zstdHead } from './input.js';

export type Format = 'heaptrack' | 'folded' | 'heapflame' | 'dhat' | 'v8' | 'pprof' | 'speedscope' | 'bytehound';

/**
 * A quick synchronous guess from the first bytes, before anything is decompressed: compressed
 * data or text opening like a heaptrack recording (`v 10400 3`) may be a large one (worth a
 * worker started ahead); plain text that does not is not, nor is a file that is read faster
 * than a worker starts. Errors answer true: the real detection reports them.
 */
export function mayBeLargeRecording(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    const small = fstatSync(fd).size < SMALL_INPUT_BYTES;
    closeSync(fd);
    if (small) return false;
    const start = head.subarray(0, n);
    return detectCompression(start) !== 'none' || n < 2 || (start[0] === 0x76 && start[1] === 0x20);
  } catch {
    return true;
  }
}

/**
 * Which importer reads a file, from its first decompressed bytes (not its name): heaptrack
 * files start with `v <hex>`, raw ones with `v` then `x`; folded stacks end lines in a count.
 */
export async function detectFormat(path: string, options?: InputOptions): Promise<Format> {
  if (path === '-') return detectStdin();
  const input = await openInput(path, options);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of input.chunks()) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 4096) break;
    }
  } finally {
    input.close();
  }
  return classify(head, path);
}

/**
 * Standard input can be read once: its first chunks are looked at and put back for the
 * importer. Compressed input is recognised by what it decompresses to, as files are.
 */
async function detectStdin(): Promise<Format> {
  const raw: Buffer[] = [];
  let rawBytes = 0;
  let head: Buffer = Buffer.alloc(0);
  for (;;) {
    const chunk = await nextStdinChunk();
    if (chunk === null) break;
    raw.push(chunk);
    rawBytes += chunk.length;
    head = await decodedHead(Buffer.concat(raw));
    if (head.length >= HEAD_BYTES || rawBytes >= SMALL_INPUT_BYTES) break;
  }
  if (rawBytes === 0) throw new HeapflameError('standard input is empty, expected a recording or folded stacks', { file: '-' });
  putBackStdin(raw);
  return classify(head, '-');
}

const HEAD_BYTES = 4096;

/** The next chunk of standard input, or null at its end. */
function nextStdinChunk(): Promise<Buffer | null> {
  const stdin = process.stdin;
  if (stdin.readableEnded) return Promise.resolve(null); // ('end' came while the head was decoded)
  return new Promise<Buffer | null>((resolve, reject) => {
    const done = () => {
      stdin.off('readable', onReadable);
      stdin.off('end', onEnd);
      stdin.off('error', reject);
    };
    const onReadable = () => {
      const chunk = stdin.read() as Buffer | null;
      if (chunk === null) return;
      done();
      resolve(chunk);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    stdin.on('readable', onReadable);
    stdin.on('end', onEnd);
    stdin.on('error', reject);
    onReadable(); // (data may be buffered already: 'readable' would not fire again)
  });
}

/** The first bytes `raw` decompresses to (as much as it holds, up to HEAD_BYTES); `raw` itself when not compressed. */
async function decodedHead(raw: Buffer): Promise<Buffer> {
  const compression = detectCompression(raw);
  if (compression === 'none') return raw.subarray(0, HEAD_BYTES);
  try {
    if (compression === 'gzip') return gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
    return await zstdHead(raw, HEAD_BYTES);
  } catch {
    return Buffer.alloc(0); // not decodable here: the importer reports it
  }
}

/** heapflame's own files are JSON that opens with its format name. */
function isHeapflame(head: Buffer): boolean {
  return /^\s*\{\s*"format"\s*:\s*"heapflame"/.test(head.toString('latin1', 0, 256));
}

/** JSON formats by their first keys. */
function jsonFormat(head: Buffer): Format | null {
  const text = head.toString('utf8', 0, 4096);
  if (!/^\s*\{/.test(text)) return null;
  if (/^\s*\{\s*"dhatFileVersion"\s*:/.test(text)) return 'dhat';
  if (/"\$schema"\s*:\s*"https:\/\/www\.speedscope\.app\/file-format-schema\.json"/.test(text)) return 'speedscope';
  if (/^\s*\{\s*"(profile"\s*:\s*\{\s*")?head"\s*:\s*\{\s*"callFrame"/.test(text)) return 'v8';
  return null;
}

/**
 * A protobuf profile opens with field 1 (sample_type, length-delimited: byte 0x0a) and, unlike
 * text, holds control bytes.
 */
function isPprof(head: Buffer): boolean {
  return head.length > 1 && head[0] === 0x0a && head.subarray(0, 64).some((b) => b < 9 || (b > 13 && b < 32));
}

/** A folded line: a stack, white space, a count, and for differential input a second count. */
const FOLDED_LINE = /\S\s+\d+(\.\d*)?(\s+\d+(\.\d*)?)?\s*$/;

/**
 * Folded stacks: nine in ten of the complete lines of the head end in a count (a damaged line
 * is warned about by the reader; prose or Markdown with a number at a line's end is not
 * folded). A head without a line break is one deep stack where it holds frame separators.
 */
function looksFolded(text: string): boolean {
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return false;
  const lines = text.split('\n');
  if (lines.length === 1) return text.includes(';') || FOLDED_LINE.test(text);
  const complete = lines.slice(0, -1).filter((l) => l.trim() !== '');
  if (complete.length === 0) return false;
  const folded = complete.filter((l) => FOLDED_LINE.test(l)).length;
  return folded >= 0.9 * complete.length;
}

function classify(head: Buffer, path: string): Format {
  if (isHeapflame(head)) return 'heapflame';
  if (looksLikeBytehound(head)) return 'bytehound';
  if (isPprof(head)) return 'pprof';
  const json = jsonFormat(head);
  if (json) return json;
  const text = head.toString('latin1');
  if (/^v [0-9a-f]+( [0-9a-f]+)?\n/.test(text)) return 'heaptrack';
  if (looksFolded(text)) return 'folded';
  throw new HeapflameError('not a format heapflame reads; tried: heaptrack (first line "v <version> <format>"), heapflame (JSON with "format": "heapflame"), DHAT (JSON with "dhatFileVersion"), V8 heap profile (JSON with "head": {"callFrame"...}), pprof (protobuf, gzipped or not), speedscope (JSON with its "$schema"), Bytehound (.dat chunks opening with a Header event), folded stacks ("frame;frame count" lines)', {
    file: path,
  });
}
