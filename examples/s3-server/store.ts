import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/**
 * The object store behind the demo S3 server: buckets are directories, objects files named by
 * their encoded key (no key can reach outside its bucket), written to a temporary file and
 * renamed, so a reader never sees half an object; metadata (ETag, content type) beside it.
 */
export interface ObjectMeta {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: Date;
}

export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const encodeKey = (key: string) => encodeURIComponent(key).replace(/\./g, '%2E');
const decodeKey = (file: string) => decodeURIComponent(file);

export class ObjectStore {
  constructor(readonly root: string) {}

  private bucketDir(bucket: string): string {
    if (!BUCKET_NAME.test(bucket)) throw new StoreError(400, 'InvalidBucketName', `not a bucket name: ${bucket}`);
    return join(this.root, bucket);
  }

  async createBucket(bucket: string): Promise<void> {
    await fsp.mkdir(this.bucketDir(bucket), { recursive: true });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return fsp.stat(this.bucketDir(bucket)).then((s) => s.isDirectory(), () => false);
  }

  private async existingBucket(bucket: string): Promise<string> {
    const dir = this.bucketDir(bucket);
    if (!(await this.bucketExists(bucket))) throw new StoreError(404, 'NoSuchBucket', `no bucket ${bucket}`);
    return dir;
  }

  /** Streams `body` into the object; its MD5 is the ETag, as S3's for single-part uploads. */
  async put(bucket: string, key: string, body: Readable, contentType: string): Promise<ObjectMeta> {
    if (!key || key.length > 1024) throw new StoreError(400, 'KeyTooLongError', 'keys are 1 to 1024 bytes');
    const dir = await this.existingBucket(bucket);
    const file = join(dir, encodeKey(key));
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      md5.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(tmp));
      const meta: ObjectMeta = { key, size, etag: `"${md5.digest('hex')}"`, contentType, lastModified: new Date() };
      await fsp.writeFile(`${tmp}.meta`, JSON.stringify(meta));
      await fsp.rename(`${tmp}.meta`, `${file}.meta`);
      await fsp.rename(tmp, file);
      return meta;
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(`${tmp}.meta`, { force: true });
      throw e;
    }
  }

  async head(bucket: string, key: string): Promise<ObjectMeta> {
    const dir = await this.existingBucket(bucket);
    try {
      const meta = JSON.parse(await fsp.readFile(join(dir, `${encodeKey(key)}.meta`), 'utf8')) as ObjectMeta;
      return { ...meta, lastModified: new Date(meta.lastModified) };
    } catch {
      throw new StoreError(404, 'NoSuchKey', `no object ${key}`);
    }
  }

  async get(bucket: string, key: string): Promise<{ meta: ObjectMeta; body: Readable }> {
    const meta = await this.head(bucket, key);
    // reads sized to the object, up to 1 MiB: a 10 KB object read through the default 64 KiB
    // buffer is 54 KB of external memory per GET, which drove V8 into a full collection every
    // few tens of milliseconds under load
    const highWaterMark = Math.max(1, Math.min(meta.size, 1024 * 1024));
    return { meta, body: createReadStream(join(this.root, bucket, encodeKey(key)), { highWaterMark }) };
  }

  async delete(bucket: string, key: string): Promise<void> {
    const dir = await this.existingBucket(bucket);
    await fsp.rm(join(dir, encodeKey(key)), { force: true });
    await fsp.rm(join(dir, `${encodeKey(key)}.meta`), { force: true });
  }

  /** Keys in order, from after `startAfter`, at most `max`. */
  async list(bucket: string, prefix: string, startAfter: string, max: number): Promise<{ objects: ObjectMeta[]; truncated: boolean }> {
    const dir = await this.existingBucket(bucket);
    const keys = (await fsp.readdir(dir))
      .filter((f) => !f.endsWith('.meta') && !f.endsWith('.tmp'))
      .map(decodeKey)
      .filter((k) => k.startsWith(prefix) && k > startAfter)
      .sort();
    const page = keys.slice(0, max);
    const objects = await Promise.all(page.map((k) => this.head(bucket, k)));
    return { objects, truncated: keys.length > max };
  }
}

export class StoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
