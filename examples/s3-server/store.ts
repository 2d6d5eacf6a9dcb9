import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StoreError } from './errors.js';

export { StoreError } from './errors.js';

/**
 * The object store behind the demo S3 server. Buckets are directories; an object version is
 * ONE file: its bytes, then its metadata (key, size, ETag, content type, time) as JSON, then
 * the JSON's length and a magic tag. A PUT streams into a temporary file with a unique name
 * and makes it visible by one rename, so a reader sees a whole earlier version or the new one,
 * never a mix; a GET reads metadata and bytes through one open file, so a rename or delete
 * while it streams does not change what it sends. File names are the percent-encoded key (no
 * key reaches outside its bucket), or for keys too long for a file name a SHA-256 of the key.
 */
export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: Date;
}

/** What a PUT streams: `open` is called once the bucket is known to exist. */
export interface Upload {
  open: () => Readable;
  contentType: string;
  /** The Content-MD5 header (base64): a mismatch fails the PUT with BadDigest. */
  contentMd5?: string;
}

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's limits: keys of 1 to 1024 UTF-8 bytes, single PUTs of up to 5 GiB. */
export const MAX_KEY_BYTES = 1024;
export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

const MAGIC = Buffer.from('HFOBJv1\n');
const TRAILER_BYTES = 4 + MAGIC.length;
const MAX_META_BYTES = 64 * 1024;
const MAX_ENCODED_NAME = 200; // file names are at most 255 bytes
const TEMP_PREFIX = '.tmp-';
const HASHED_PREFIX = '.k-';

/** The file name of a key. Encoded names never contain '.', so never look like a temporary or hashed name. */
export function objectFileName(key: string): string {
  const encoded = encodeURIComponent(key).replace(/\./g, '%2E');
  return encoded.length <= MAX_ENCODED_NAME ? encoded : HASHED_PREFIX + createHash('sha256').update(key).digest('hex');
}

/** The key a file name stands for; '' for a hashed name (its key is in the file), undefined for other files. */
function keyOfFileName(name: string): string | undefined {
  if (name.startsWith(HASHED_PREFIX)) return '';
  if (name.startsWith('.')) return undefined;
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class ObjectStore {
  private uploads = 0;

  constructor(
    readonly root: string,
    readonly maxObjectBytes = MAX_OBJECT_BYTES,
  ) {}

  private bucketDir(bucket: string): string {
    if (!BUCKET_NAME.test(bucket)) throw new StoreError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
    return join(this.root, bucket);
  }

  async createBucket(bucket: string): Promise<void> {
    await fsp.mkdir(this.bucketDir(bucket), { recursive: true });
  }

  async listBuckets(): Promise<string[]> {
    const entries = await fsp.readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && BUCKET_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return fsp.stat(this.bucketDir(bucket)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  private async existingBucketDir(bucket: string): Promise<string> {
    const dir = this.bucketDir(bucket);
    if (!(await this.bucketExists(bucket)))
      throw new StoreError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    return dir;
  }

  private async objectFile(bucket: string, key: string): Promise<string> {
    if (!key || Buffer.byteLength(key) > MAX_KEY_BYTES)
      throw new StoreError(400, 'KeyTooLongError', `Keys are 1 to ${MAX_KEY_BYTES} bytes of UTF-8.`);
    return join(await this.existingBucketDir(bucket), objectFileName(key));
  }

  /** Streams the upload into a new version; its MD5 is the ETag, as S3's for single-part uploads. */
  async put(bucket: string, key: string, upload: Upload): Promise<ObjectMeta> {
    const file = await this.objectFile(bucket, key);
    const tmp = join(
      this.root,
      bucket,
      `${TEMP_PREFIX}${process.pid}-${++this.uploads}-${randomBytes(6).toString('hex')}`,
    );
    const meter = new UploadMeter(this.maxObjectBytes);
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      await pipeline(upload.open(), meter, out);
      const digest = meter.md5.digest();
      if (upload.contentMd5 !== undefined && upload.contentMd5 !== digest.toString('base64')) {
        throw new StoreError(400, 'BadDigest', 'The Content-MD5 you specified did not match what was received.');
      }
      const meta: ObjectMeta = {
        key,
        size: meter.size,
        etag: `"${digest.toString('hex')}"`,
        contentType: upload.contentType,
        lastModified: new Date(),
      };
      await fsp.appendFile(tmp, versionTrailer(meta));
      await fsp.rename(tmp, file);
      return meta;
    } catch (e) {
      // (a failed pipeline does not wait for the file to be opened and closed: remove it after)
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve())); // (not once(): it rejects on the stream's error)
      await fsp.rm(tmp, { force: true });
      throw e;
    }
  }

  async head(bucket: string, key: string): Promise<ObjectMeta> {
    return versionMeta(await this.objectFile(bucket, key), key);
  }

  async get(bucket: string, key: string): Promise<{ meta: ObjectMeta; body: Readable }> {
    const handle = await openVersion(await this.objectFile(bucket, key));
    let meta: ObjectMeta;
    try {
      meta = await readMeta(handle, key);
    } catch (e) {
      await handle.close();
      throw e;
    }
    if (meta.size === 0) {
      await handle.close();
      return { meta, body: Readable.from([]) };
    }
    // reads sized to the object, up to 1 MiB: a 10 KB object read through the default 64 KiB
    // buffer is 54 KB of external memory per GET, which drove V8 into a full collection every
    // few tens of milliseconds under load
    const highWaterMark = Math.min(meta.size, 1024 * 1024);
    return { meta, body: handle.createReadStream({ start: 0, end: meta.size - 1, highWaterMark }) };
  }

  async delete(bucket: string, key: string): Promise<void> {
    await fsp.rm(await this.objectFile(bucket, key), { force: true });
  }

  /** Keys in S3's order (UTF-8 bytes), from after `startAfter`, at most `max`. */
  async list(
    bucket: string,
    prefix: string,
    startAfter: string,
    max: number,
  ): Promise<{ objects: ObjectMeta[]; truncated: boolean }> {
    const dir = await this.existingBucketDir(bucket);
    const keys: string[] = [];
    for (const name of await fsp.readdir(dir)) {
      let key = keyOfFileName(name);
      // (a hashed name: its key is in the file)
      if (key === '')
        key = await versionMeta(join(dir, name)).then(
          (m) => m.key,
          () => undefined,
        );
      if (key?.startsWith(prefix) && utf8Order(key, startAfter) > 0) keys.push(key);
    }
    keys.sort(utf8Order);
    const objects: ObjectMeta[] = [];
    let at = 0;
    for (; at < keys.length && objects.length < max; at++) {
      // (a key deleted since the directory was read is left out)
      const meta = await versionMeta(join(dir, objectFileName(keys[at])), keys[at]).catch(() => undefined);
      if (meta) objects.push(meta);
    }
    return { objects, truncated: at < keys.length };
  }
}

/**
 * Removes the temporary files of uploads cut short by a killed server: those of this process
 * id (a restarted server in a container often gets the same one) or of a process that is gone.
 */
export async function removeStaleUploads(root: string): Promise<number> {
  let removed = 0;
  for (const bucket of await fsp.readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!bucket.isDirectory()) continue;
    const dir = join(root, bucket.name);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      const pid = name.startsWith(TEMP_PREFIX) ? Number.parseInt(name.slice(TEMP_PREFIX.length), 10) : Number.NaN;
      if (Number.isNaN(pid) || (pid !== process.pid && isRunning(pid))) continue;
      await fsp.rm(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Counts and hashes the bytes on their way to the file, and stops an object over the size limit. */
class UploadMeter extends Transform {
  readonly md5 = createHash('md5');
  size = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max)
      return callback(
        new StoreError(
          400,
          'EntityTooLarge',
          `Your proposed upload exceeds the maximum allowed object size (${this.max} bytes).`,
        ),
      );
    this.md5.update(chunk);
    callback(null, chunk);
  }
}

function versionTrailer(meta: ObjectMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([json, length, MAGIC]);
}

/** The metadata of the version in `file`, which must hold `key` when given. */
async function versionMeta(file: string, key?: string): Promise<ObjectMeta> {
  const handle = await openVersion(file);
  try {
    return await readMeta(handle, key);
  } finally {
    await handle.close();
  }
}

async function openVersion(file: string): Promise<FileHandle> {
  try {
    return await fsp.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new StoreError(404, 'NoSuchKey', 'The specified key does not exist.');
    throw e;
  }
}

/** The metadata at the end of an open version; `key` (when given) must be the one it holds. */
async function readMeta(handle: FileHandle, key: string | undefined): Promise<ObjectMeta> {
  const { size: fileSize } = await handle.stat();
  const damaged = () => new Error(`a stored object version is damaged (${fileSize} bytes)`);
  if (fileSize < TRAILER_BYTES) throw damaged();
  const tail = Buffer.alloc(TRAILER_BYTES);
  await handle.read(tail, 0, TRAILER_BYTES, fileSize - TRAILER_BYTES);
  const metaBytes = tail.readUInt32LE(0);
  if (!tail.subarray(4).equals(MAGIC) || metaBytes > MAX_META_BYTES || metaBytes > fileSize - TRAILER_BYTES)
    throw damaged();
  const json = Buffer.alloc(metaBytes);
  await handle.read(json, 0, metaBytes, fileSize - TRAILER_BYTES - metaBytes);
  const meta = JSON.parse(json.toString('utf8')) as ObjectMeta;
  if (meta.size !== fileSize - TRAILER_BYTES - metaBytes) throw damaged();
  // (a hashed file name holds one key; another key with the same name does not exist)
  if (key !== undefined && meta.key !== key)
    throw new StoreError(404, 'NoSuchKey', 'The specified key does not exist.');
  return { ...meta, lastModified: new Date(meta.lastModified) };
}
