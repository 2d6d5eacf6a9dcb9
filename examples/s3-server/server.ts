import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectStore, StoreError } from './store.js';

/**
 * A small S3-compatible object server for the heapflame demo: path-style PutBucket,
 * PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2 over a directory, bodies
 * streamed both ways, TLS when given a certificate. No authentication: requests are not
 * checked against their signatures (a demo, bind it to loopback). Requests go through the
 * `instrument` function first (heapflame's TTFB middleware), and carry route templates
 * (`/:bucket`, `/:bucket/:key`), never keys.
 */
export interface S3ServerOptions {
  dataDir: string;
  instrument?: (req: IncomingMessage, res: ServerResponse) => void;
  tls?: { cert: Buffer; key: Buffer };
}

export function createS3Server(options: S3ServerOptions): Server {
  const store = new ObjectStore(options.dataDir);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    options.instrument?.(req, res);
    handle(store, req, res).catch((e: unknown) => {
      const err = e instanceof StoreError ? e : new StoreError(500, 'InternalError', (e as Error).message);
      if (res.headersSent) return res.destroy();
      res.writeHead(err.status, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${xml(err.message)}</Message></Error>`);
    });
  };
  return options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(store: ObjectStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const template = !bucket ? '/' : key ? '/:bucket/:key' : '/:bucket';
  (req as IncomingMessage & { routeTemplate?: string }).routeTemplate = template;
  const method = req.method ?? 'GET';

  if (!bucket) {
    res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>');
    return;
  }
  if (!key) {
    if (method === 'PUT') {
      await drain(req);
      await store.createBucket(bucket);
      res.writeHead(200, { location: `/${bucket}` }).end();
    } else if (method === 'HEAD') {
      res.writeHead((await store.bucketExists(bucket)) ? 200 : 404).end();
    } else if (method === 'GET' && url.searchParams.get('list-type') === '2') {
      await listObjectsV2(store, bucket, url, res);
    } else throw new StoreError(405, 'MethodNotAllowed', `${method} on a bucket`);
    return;
  }
  if (method === 'PUT') {
    const meta = await store.put(bucket, key, decodedBody(req), req.headers['content-type'] ?? 'application/octet-stream');
    res.writeHead(200, { etag: meta.etag }).end();
  } else if (method === 'GET' || method === 'HEAD') {
    const headers = (m: { size: number; etag: string; contentType: string; lastModified: Date }) => ({
      'content-length': String(m.size),
      etag: m.etag,
      'content-type': m.contentType,
      'last-modified': m.lastModified.toUTCString(),
    });
    if (method === 'HEAD') {
      res.writeHead(200, headers(await store.head(bucket, key))).end();
      return;
    }
    const { meta, body } = await store.get(bucket, key);
    res.writeHead(200, headers(meta));
    await pipeline(body, res);
  } else if (method === 'DELETE') {
    await store.delete(bucket, key);
    res.writeHead(204).end();
  } else throw new StoreError(405, 'MethodNotAllowed', `${method} on an object`);
}

async function listObjectsV2(store: ObjectStore, bucket: string, url: URL, res: ServerResponse): Promise<void> {
  const prefix = url.searchParams.get('prefix') ?? '';
  const max = Math.min(1000, Math.max(1, Number(url.searchParams.get('max-keys') ?? 1000) || 1000));
  const token = url.searchParams.get('continuation-token');
  const startAfter = token ? Buffer.from(token, 'base64url').toString('utf8') : (url.searchParams.get('start-after') ?? '');
  const { objects, truncated } = await store.list(bucket, prefix, startAfter, max);
  const next = truncated && objects.length ? `<NextContinuationToken>${Buffer.from(objects[objects.length - 1].key).toString('base64url')}</NextContinuationToken>` : '';
  const contents = objects
    .map((o) => `<Contents><Key>${xml(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix>` +
      `<KeyCount>${objects.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : ''}${next}${contents}</ListBucketResult>`,
  );
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) void _;
}

/**
 * The object's bytes: as sent, or decoded from the aws-chunked framing SDKs use for streamed
 * uploads with checksums (`size;chunk-signature=...` lines, then trailers).
 */
function decodedBody(req: IncomingMessage): IncomingMessage | Transform {
  const encoding = String(req.headers['content-encoding'] ?? '');
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  return encoding.includes('aws-chunked') || sha.startsWith('STREAMING-') ? req.pipe(new AwsChunkedDecoder()) : req;
}

export class AwsChunkedDecoder extends Transform {
  private buf = Buffer.alloc(0);
  private remaining = -1; // bytes of data left in the current chunk; -1: a size line comes next
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    try {
      this.parse();
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  private parse(): void {
    while (!this.done) {
      if (this.remaining < 0) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.buf.length > 4096) throw new StoreError(400, 'IncompleteBody', 'an aws-chunked size line is too long');
          return;
        }
        const size = Number.parseInt(this.buf.subarray(0, eol).toString('latin1').split(';')[0], 16);
        if (!Number.isFinite(size) || size < 0) throw new StoreError(400, 'IncompleteBody', 'a bad aws-chunked size line');
        this.buf = this.buf.subarray(eol + 2);
        if (size === 0) {
          this.done = true; // trailers (checksums) follow; they are not needed here
          return;
        }
        this.remaining = size;
      }
      if (this.buf.length < this.remaining + 2) {
        // pass data on as it comes, keep what the chunk still owes
        const take = Math.min(this.buf.length, this.remaining);
        if (take > 0) {
          this.push(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          this.remaining -= take;
        }
        if (this.remaining > 0 || this.buf.length < 2) return;
      } else {
        this.push(this.buf.subarray(0, this.remaining));
        this.buf = this.buf.subarray(this.remaining);
        this.remaining = 0;
      }
      // the chunk's closing CRLF
      this.buf = this.buf.subarray(2);
      this.remaining = -1;
    }
  }
}
