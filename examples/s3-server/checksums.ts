import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { StoreError } from './errors.js';

/**
 * S3's additional checksums of an upload (`x-amz-checksum-crc32`, `-sha1`, `-sha256`), sent as a
 * header or, with aws-chunked bodies, as a trailer named by `x-amz-trailer`. The AWS SDKs send
 * CRC32 by default; S3 refuses a body whose checksum differs (BadDigest), and so does this
 * server. CRC32C and CRC64NVME are accepted unchecked (Node has no built-in for them).
 */
export type ChecksumAlgorithm = 'crc32' | 'sha1' | 'sha256';
const CHECKED: readonly string[] = ['crc32', 'sha1', 'sha256'];

/** The checksum an upload declares: algorithm, and where its value comes from. */
export function declaredChecksum(
  headers: Record<string, string | string[] | undefined>,
): { algorithm: ChecksumAlgorithm; header?: string; trailer?: string } | undefined {
  for (const algorithm of CHECKED) {
    const value = headers[`x-amz-checksum-${algorithm}`];
    if (typeof value === 'string') return { algorithm: algorithm as ChecksumAlgorithm, header: value };
  }
  const trailer = String(headers['x-amz-trailer'] ?? '')
    .trim()
    .toLowerCase();
  const algorithm = /^x-amz-checksum-(\w+)$/.exec(trailer)?.[1];
  return algorithm && CHECKED.includes(algorithm) ? { algorithm: algorithm as ChecksumAlgorithm, trailer } : undefined;
}

// (zlib.crc32 is in Node 20.15 and later; before, CRC32 checksums go unchecked)
const HAS_CRC32 = typeof zlib.crc32 === 'function';

/** Passes the bytes on and compares their checksum with the expected one at the end. */
export class ChecksumCheck extends Transform {
  private crc = 0;
  private readonly hash: Hash | undefined;

  constructor(
    private readonly algorithm: ChecksumAlgorithm,
    private readonly expected: () => string | undefined,
  ) {
    super();
    this.hash = algorithm === 'crc32' ? undefined : createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.hash) this.hash.update(chunk);
    else if (HAS_CRC32) this.crc = zlib.crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const expected = this.expected();
    if (expected === undefined)
      return callback(
        new StoreError(
          400,
          'IncompleteBody',
          `The x-amz-checksum-${this.algorithm} trailer the request announced is missing.`,
        ),
      );
    if (!this.hash && !HAS_CRC32) return callback();
    const actual = this.hash ? this.hash.digest('base64') : crc32Base64(this.crc);
    if (actual !== expected)
      return callback(
        new StoreError(
          400,
          'BadDigest',
          `The ${this.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        ),
      );
    callback();
  }
}

function crc32Base64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}
