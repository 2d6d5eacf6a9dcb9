import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * What a file is from its first raw bytes, with nothing of the readers loaded: the command
 * line asks before it loads the rest of itself (see ImportFormat.warmUp).
 */

export type Compression = 'zstd' | 'gzip' | 'none';

const ZSTD_MAGIC = 0xfd2fb528; // little-endian frame magic
const isZstdSkippable = (m: number) => (m & 0xfffffff0) === 0x184d2a50;

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 4) {
    const m = head.readUInt32LE(0);
    if (m === ZSTD_MAGIC || isZstdSkippable(m)) return 'zstd';
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return 'none';
}

/** Node's zlib, with the zstd decoder Node 22.15+ has. */
export type ZlibWithZstd = typeof zlib & { createZstdDecompress?: () => import('node:stream').Transform };

/** This Node's zlib decodes zstd (22.15+). */
export const ZLIB_HAS_ZSTD = typeof (zlib as ZlibWithZstd).createZstdDecompress === 'function';

/**
 * Compressed inputs below this are decoded on the reading thread: a zstd process costs more to
 * start than they take. Where that thread's decoder is fzstd (JavaScript; Node before 22.15
 * has no zstd in zlib), the bound is lower: heaptrack's text shrinks 8 to 30 times, and fzstd
 * took 0.19 s for a 0.8 MB recording of 21 MB that the zstd process and a worker read in 0.1 s
 * (a 0.14 MB recording of 1.1 MB still reads faster on the thread).
 */
export const SMALL_INPUT_BYTES = ZLIB_HAS_ZSTD ? 1 << 20 : 384 << 10;

/** A file's first raw bytes (up to `bytes`) and its size; null for no readable file. */
export function fileHead(path: string, bytes = 4): { head: Buffer; size: number } | null {
  try {
    const fd = openSync(path, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return null;
      const head = Buffer.alloc(bytes);
      return { head: head.subarray(0, readSync(fd, head, 0, bytes, 0)), size: stat.size };
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * The first raw bytes of a file worth starting work for ahead (see ImportFormat.warmUp): null
 * for a file read faster than a worker starts, and for errors (loading reports them).
 */
export function largeFileHead(path: string): Buffer | null {
  const file = fileHead(path);
  return file && file.size >= SMALL_INPUT_BYTES ? file.head : null;
}
