import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { CLI, tempFiles } from '../helpers/paths.js';
import { startDemoServer } from '../helpers/s3-demo.js';

/** The monitored S3 demo server (heapflame demo --serve), driven by the real AWS SDK for JavaScript v3. */

const files = tempFiles('s3-demo');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGTERM');
  files.remove();
});

async function startDemo(args: string[]): Promise<{ s3: string; metrics: string; child: ChildProcess }> {
  const server = await startDemoServer(join(files.dir, `data${children.length}`), args, 'cli');
  children.push(server.child);
  return {
    s3: server.url,
    metrics: /metrics at (http:\/\/[\d.]+:\d+)\/metrics/.exec(server.output())?.[1] ?? '',
    child: server.child,
  };
}

const client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });

test('PUT bucket, PUT/GET/HEAD/DELETE object, ListObjectsV2 with the AWS SDK; metrics by route template', async () => {
  const { s3, metrics } = await startDemo(['--profile-token', 'tok']);
  const c = client(s3);
  await c.send(new CreateBucketCommand({ Bucket: 'photos' }));
  const body = Buffer.alloc(300_000, 7);
  const put = await c.send(
    new PutObjectCommand({ Bucket: 'photos', Key: '2026/a b/üñí.jpg', Body: body, ContentType: 'image/jpeg' }),
  );
  assert.match(put.ETag ?? '', /^"[0-9a-f]{32}"$/);
  // a streamed upload: the SDK frames it (aws-chunked with a trailing checksum)
  await c.send(
    new PutObjectCommand({
      Bucket: 'photos',
      Key: 'streamed.bin',
      Body: Readable.from([Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2)]),
      ContentLength: 140_000,
    }),
  );
  const got = await c.send(new GetObjectCommand({ Bucket: 'photos', Key: '2026/a b/üñí.jpg' }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
  assert.equal(got.ContentType, 'image/jpeg');
  const streamed = await c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'streamed.bin' }));
  const bytes = Buffer.from(await streamed.Body!.transformToByteArray());
  assert.equal(bytes.length, 140_000);
  assert.equal(bytes[0], 1);
  assert.equal(bytes[139_999], 2);
  const head = await c.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'streamed.bin' }));
  assert.equal(head.ContentLength, 140_000);
  for (let i = 0; i < 5; i++) await c.send(new PutObjectCommand({ Bucket: 'photos', Key: `list/${i}`, Body: `x${i}` }));
  const page1 = await c.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'list/', MaxKeys: 3 }));
  assert.deepEqual(
    page1.Contents?.map((o) => o.Key),
    ['list/0', 'list/1', 'list/2'],
  );
  assert.equal(page1.IsTruncated, true);
  const page2 = await c.send(
    new ListObjectsV2Command({ Bucket: 'photos', Prefix: 'list/', ContinuationToken: page1.NextContinuationToken }),
  );
  assert.deepEqual(
    page2.Contents?.map((o) => o.Key),
    ['list/3', 'list/4'],
  );
  await c.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'list/0' }));
  await assert.rejects(
    c.send(new GetObjectCommand({ Bucket: 'photos', Key: 'list/0' })),
    (e: Error) => e.name === 'NoSuchKey',
  );
  await assert.rejects(
    c.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })),
    (e: Error) => e.name === 'NoSuchBucket',
  );

  const text = await (await fetch(`${metrics}/metrics`)).text();
  assert.match(text, /heapflame_http_ttfb_seconds_count\{method="GET",route="\/:bucket\/:key",status="200"\} 2\n/);
  assert.match(text, /heapflame_http_ttfb_seconds_count\{method="GET",route="\/:bucket\/:key",status="404"\} 2\n/);
  assert.match(text, /heapflame_http_ttfb_seconds_count\{method="PUT",route="\/:bucket\/:key",status="200"\} 7/);
  assert.match(text, /route="\/:bucket",status="200"/);
  // (label values only: a byte count may hold the digits 2026)
  const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(labelValues.length > 10);
  assert.ok(
    !labelValues.some((v) => v.includes('2026') || v.includes('streamed.bin') || v.includes('list/')),
    `no key in the metrics' labels: ${labelValues.filter((v) => v.includes('/'))}`,
  );
  assert.ok(Number(/^heapflame_heap_peak_bytes (\d+)/m.exec(text)?.[1]) > 0);
  assert.equal((await fetch(`${metrics}/debug/heapflame/heap?seconds=0.2`)).status, 401);
  assert.equal(
    (
      await fetch(`${metrics}/debug/heapflame/heap?seconds=0.2&format=folded`, {
        headers: { authorization: 'Bearer tok' },
      })
    ).status,
    200,
  );
});

test('TLS: the demo server speaks HTTPS with the given certificate', async (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is needed to make a certificate');
  const cert = join(files.dir, 'cert.pem');
  const key = join(files.dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  const { s3 } = await startDemo(['--tls-cert', cert, '--tls-key', key]);
  assert.match(s3, /^https:/);
  const { Agent } = await import('node:https');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const c = new S3Client({
    endpoint: s3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(cert) }) }),
  });
  await c.send(new CreateBucketCommand({ Bucket: 'secure' }));
  await c.send(new PutObjectCommand({ Bucket: 'secure', Key: 'k', Body: 'over TLS' }));
  const got = await c.send(new GetObjectCommand({ Bucket: 'secure', Key: 'k' }));
  assert.equal(await got.Body!.transformToString(), 'over TLS');
});

/** Whether anything answers at `url` (a refused connection: nothing). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

test('demo --serve runs the server program: SIGTERM ends both with exit 0, and a killed heapflame takes the server with it', async () => {
  const first = await startDemo([]);
  assert.ok(await answers(first.s3));
  const ended = new Promise<[number | null, string | null]>((resolve) =>
    first.child.once('exit', (code, signal) => resolve([code, signal])),
  );
  first.child.kill('SIGTERM');
  assert.deepEqual(await ended, [0, null]);
  assert.equal(await answers(first.s3), false, 'the server ended with it');

  const second = await startDemo(['--no-instrument']);
  assert.ok(await answers(second.s3));
  second.child.kill('SIGKILL');
  await new Promise((resolve) => second.child.once('exit', resolve));
  // the server notices its IPC channel closing and stops
  const deadline = Date.now() + 10_000;
  while ((await answers(second.s3)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await answers(second.s3), false, 'no server is left behind');
});

test('demo --serve on a port in use: one line and exit 2, no stack trace, nothing left running', async () => {
  const { createServer } = await import('node:net');
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [CLI, 'demo', '--serve', '--port', String(port), '--metrics-port', '0', '--data', join(files.dir, 'busy')],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^heapflame demo: listen EADDRINUSE.*\n$/);
  } finally {
    taken.close();
  }
});

test('aws-chunked bodies (signed and unsigned framing, trailers) decode to their bytes, any split', async () => {
  const { AwsChunkedDecoder } = await import('../../examples/s3-server/server.js');
  const framed = Buffer.concat([
    Buffer.from('5;chunk-signature=abc\r\nhello\r\n'),
    Buffer.from('6\r\n world\r\n'),
    Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'),
  ]);
  for (let split = 1; split < framed.length; split += 3) {
    const decoder = new AwsChunkedDecoder();
    const out: Buffer[] = [];
    decoder.on('data', (d: Buffer) => out.push(d));
    const done = new Promise((resolve) => decoder.on('end', resolve));
    for (let at = 0; at < framed.length; at += split) decoder.write(framed.subarray(at, at + split));
    decoder.end();
    await done;
    assert.equal(Buffer.concat(out).toString(), 'hello world', `split ${split}`);
  }
});
