import { gzipSync } from 'node:zlib';

/**
 * Decompression bombs built by hand, small on disk and huge decoded: a zstd frame of RLE
 * blocks (4 bytes on disk for 128 KiB each) and gzip members repeated.
 */

function blockHeader(last: boolean, type: number, size: number): Buffer {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

/** One zstd frame: `prefix` as a raw block, then `bytes` copies of `fill` in RLE blocks of 128 KiB. */
export function zstdBomb(prefix: Buffer, fill: number, bytes: number): Buffer {
  const BLOCK = 128 * 1024;
  // magic; descriptor 0 (no content size, no checksum); window 2^17
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])];
  if (prefix.length) parts.push(blockHeader(bytes === 0, 0, prefix.length), prefix);
  for (let left = bytes; left > 0; left -= BLOCK)
    parts.push(blockHeader(left <= BLOCK, 1, Math.min(BLOCK, left)), Buffer.from([fill]));
  return Buffer.concat(parts);
}

/** gzip members: `prefix`, then `bytes` copies of `fill` in members of 16 MiB each. */
export function gzipBomb(prefix: Buffer, fill: number, bytes: number): Buffer {
  const MEMBER = 16 * 1024 * 1024;
  const member = gzipSync(Buffer.alloc(MEMBER, fill), { level: 9 });
  const parts: Buffer[] = [gzipSync(prefix)];
  for (let left = bytes; left >= MEMBER; left -= MEMBER) parts.push(member);
  return Buffer.concat(parts);
}
