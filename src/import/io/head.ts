import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { HeapflameError } from '../../model/errors.js';
import {
  availableZstdDecoders,
  detectCompression,
  openInput,
  type InputOptions,
  putBackStdin,
  SMALL_INPUT_BYTES,
  zstdHead,
} from './input.js';

/** How many decompressed bytes formats are recognised from. */
export const HEAD_BYTES = 4096;
/** Raw bytes read at a time for the head: a zstd block (at most 128 KiB) may need several. */
const HEAD_READ_BYTES = 32 << 10;

/** The first decompressed bytes of a file, or of standard input (`-`, then put back for the importer). */
export async function readHead(path: string, options?: InputOptions): Promise<Buffer> {
  if (path === '-') return stdinHead();
  // Decoded in this process, a small read at a time: a zstd process (and the fifo it writes
  // into) took 50 ms to start, which is a tenth of reading a 4 MB recording.
  const input = await openInput(path, {
    ...options,
    chunkBytes: HEAD_READ_BYTES,
    zstdDecoder: availableZstdDecoders().find((d) => d !== 'zstd-cli'),
  });
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of input.chunks()) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= HEAD_BYTES) break;
    }
  } finally {
    input.close();
  }
  return head;
}

/**
 * Standard input can be read once: its first chunks are looked at and put back for the
 * importer. Compressed input is recognised by what it decompresses to, as files are.
 */
async function stdinHead(): Promise<Buffer> {
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
  if (rawBytes === 0)
    throw new HeapflameError('standard input is empty, expected a recording or folded stacks', { file: '-' });
  putBackStdin(raw);
  return head;
}

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
    if (compression === 'gzip')
      return gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
    return await zstdHead(raw, HEAD_BYTES);
  } catch {
    return Buffer.alloc(0); // not decodable here: the importer reports it
  }
}

/** The head as JSON text when it opens an object, else null (the JSON formats' first test). */
export function jsonHead(head: Buffer): string | null {
  const text = head.toString('utf8', 0, HEAD_BYTES);
  return /^\s*\{/.test(text) ? text : null;
}
