import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { PassThrough, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { ChecksumCheck, declaredChecksum } from './checksums.js';
import { StoreError } from './errors.js';
import { ObjectStore, type Upload } from './store.js';

export { AwsChunkedDecoder } from './aws-chunked.js';
export { removeStaleUploads } from './store.js';

/**
 * A small S3-compatible object server for the heapflame demo: path-style ListBuckets,
 * PutBucket, PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2 over a
 * directory, bodies streamed both ways, TLS when given a certificate. No authentication:
 * requests are not checked against their signatures (a demo, bind it to loopback). Uploads are
 * checked as S3 checks them (aws-chunked framing, declared lengths, Content-MD5 and CRC32/SHA
 * checksums) and a bad one is a 4xx that stores nothing. Requests go through the `instrument`
 * function first (heapflame's TTFB middleware), and carry route templates (`/:bucket`,
 * `/:bucket/:key`), never keys.
 */
export interface S3ServerOptions {
  dataDir: string;
  instrument?: (req: IncomingMessage, res: ServerResponse) => void;
  tls?: { cert: Buffer; key: Buffer };
  /** The largest object a PUT may store (S3's 5 GiB by default). */
  maxObjectBytes?: number;
}

export function createS3Server(options: S3ServerOptions): Server {
  const store = new ObjectStore(options.dataDir, options.maxObjectBytes);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    options.instrument?.(req, res);
    handle(store, req, res).catch((e: unknown) => answerError(req, res, e));
  };
  return options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An S3 error document; errors that are not the client's are logged here and answered without detail. */
function answerError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy(); // (a body cut short: the client sees the connection end before Content-Length)
    return;
  }
  if (!(e instanceof StoreError))
    process.stderr.write(`heapflame demo: ${req.method} ${routeTemplate(req)}: ${(e as Error)?.stack ?? String(e)}\n`);
  const err =
    e instanceof StoreError
      ? e
      : new StoreError(500, 'InternalError', 'We encountered an internal error. Please try again.');
  const headers: Record<string, string> = { 'content-type': 'application/xml' };
  // (an upload refused before its end: close the connection rather than read the rest)
  if (!req.complete) headers.connection = 'close';
  res.writeHead(err.status, headers);
  res.end(
    req.method === 'HEAD'
      ? undefined
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${xml(err.message)}</Message></Error>`,
  );
}

export interface S3Target {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

/**
 * Bucket, key and query of a path-style request target. Keys are percent-decoded as UTF-8;
 * malformed escapes (`%ZZ`, overlong `%c0%ae`) are the client's error (400 InvalidURI).
 */
export function parseTarget(raw: string): S3Target {
  let target = raw;
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length) || '/';
  if (!target.startsWith('/')) throw new StoreError(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const slash = path.indexOf('/', 1);
  return {
    bucket: slash < 0 ? path.slice(1) : path.slice(1, slash), // (bucket names have no escapes; a bad one is refused by name)
    key: slash < 0 ? '' : percentDecoded(path.slice(slash + 1)),
    query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
  };
}

function percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new StoreError(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

const routeTemplate = (req: IncomingMessage) =>
  (req as IncomingMessage & { routeTemplate?: string }).routeTemplate ?? '/';

async function handle(store: ObjectStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { bucket, key, query } = parseTarget(req.url ?? '/');
  (req as IncomingMessage & { routeTemplate?: string }).routeTemplate = !bucket
    ? '/'
    : key
      ? '/:bucket/:key'
      : '/:bucket';
  const method = req.method ?? 'GET';
  if (!bucket) {
    if (method !== 'GET') throw new StoreError(405, 'MethodNotAllowed', `${method} is not allowed on the service.`);
    const buckets = (await store.listBuckets()).map((b) => `<Bucket><Name>${xml(b)}</Name></Bucket>`).join('');
    res
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
      );
  } else if (!key) await handleBucket(store, bucket, query, req, res);
  else await handleObject(store, bucket, key, query, req, res);
}

async function handleBucket(
  store: ObjectStore,
  bucket: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'PUT') {
    await drain(req);
    await store.createBucket(bucket);
    res.writeHead(200, { location: `/${bucket}` }).end();
  } else if (method === 'HEAD') {
    res.writeHead((await store.bucketExists(bucket)) ? 200 : 404).end();
  } else if (method === 'GET' && query.get('list-type') === '2') {
    await listObjectsV2(store, bucket, query, res);
  } else throw new StoreError(405, 'MethodNotAllowed', `${method} is not allowed on a bucket here.`);
}

async function handleObject(
  store: ObjectStore,
  bucket: string,
  key: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (query.has('uploads') || query.has('uploadId'))
    throw new StoreError(501, 'NotImplemented', 'Multipart uploads are not supported by the demo server.');
  if (method === 'PUT') {
    const meta = await store.put(bucket, key, upload(req, store.maxObjectBytes));
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
    try {
      res.writeHead(200, headers(meta));
    } catch (e) {
      body.destroy(); // (its open file is closed now, not by the garbage collector: an error on Node 26)
      throw e;
    }
    await pipeline(body, res);
  } else if (method === 'DELETE') {
    await store.delete(bucket, key);
    res.writeHead(204).end();
  } else throw new StoreError(405, 'MethodNotAllowed', `${method} is not allowed on an object.`);
}

async function listObjectsV2(
  store: ObjectStore,
  bucket: string,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const prefix = query.get('prefix') ?? '';
  const max = Math.min(1000, Math.max(1, Number(query.get('max-keys') ?? 1000) || 1000));
  const token = query.get('continuation-token');
  const startAfter = token ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
  const { objects, truncated } = await store.list(bucket, prefix, startAfter, max);
  const next =
    truncated && objects.length
      ? `<NextContinuationToken>${Buffer.from(objects[objects.length - 1].key).toString('base64url')}</NextContinuationToken>`
      : '';
  const contents = objects
    .map(
      (o) =>
        `<Contents><Key>${xml(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
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
 * What a PUT stores: the body as sent, or decoded from the aws-chunked framing SDKs use for
 * streamed uploads, checked against the lengths and checksums the request declares. Headers
 * are checked now (a 400 before any byte is read); the body streams once the store opens it.
 */
function upload(req: IncomingMessage, maxObjectBytes: number): Upload {
  const encoding = String(req.headers['content-encoding'] ?? '');
  const chunked =
    encoding.split(',').some((e) => e.trim() === 'aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  const decodedLength = lengthHeader(req, 'x-amz-decoded-content-length');
  const declared = chunked ? decodedLength : lengthHeader(req, 'content-length');
  if (declared !== undefined && declared > maxObjectBytes)
    throw new StoreError(
      400,
      'EntityTooLarge',
      `Your proposed upload exceeds the maximum allowed object size (${maxObjectBytes} bytes).`,
    );
  const contentMd5 = req.headers['content-md5'];
  if (contentMd5 !== undefined && (typeof contentMd5 !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)))
    throw new StoreError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  const checksum = declaredChecksum(req.headers);
  return {
    contentType: req.headers['content-type'] ?? 'application/octet-stream',
    contentMd5,
    open: () => {
      const decoder = chunked ? new AwsChunkedDecoder({ decodedLength }) : undefined;
      const stages: Transform[] = [decoder ?? new PassThrough()];
      if (checksum)
        stages.push(
          new ChecksumCheck(checksum.algorithm, () => checksum.header ?? decoder?.trailers.get(checksum.trailer ?? '')),
        );
      return chained(req, stages);
    },
  };
}

function lengthHeader(req: IncomingMessage, name: string): number | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value))
    throw new StoreError(400, 'InvalidArgument', `${name} is not a byte count.`);
  return Number(value);
}

/**
 * The request piped through the stages, each stage's error passed on to the next, so the
 * store's pipeline sees every failure. The request itself is never destroyed by a refused
 * upload (that would reset the connection before the 400 is sent).
 */
function chained(source: Readable, stages: Transform[]): Readable {
  let from = source;
  for (const to of stages) {
    from.on('error', (e) => to.destroy(e));
    from.pipe(to);
    from = to;
  }
  return from;
}
