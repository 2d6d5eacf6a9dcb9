import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { tempFiles } from '../helpers/paths.js';
import { kill, md5, send, startDemoServer, type DemoServer } from '../helpers/s3-demo.js';

/**
 * Hostile clients of the S3 demo server: damaged aws-chunked uploads, wrong lengths and
 * checksums, malformed percent-encoding, long keys, concurrent PUTs of one key. Each bad upload
 * is a 4xx that stores nothing and leaves the server serving.
 */

const files = tempFiles('s3-hostile');
const data = join(files.dir, 'data');
let server: DemoServer;
before(async () => {
  server = await startDemoServer(data, ['--no-instrument']);
  assert.equal((await send(server.url, 'PUT', '/bkt')).status, 200);
});
after(async () => {
  if (server) await kill(server);
  files.remove();
});

const chunked = (body: string | Buffer, extra: Record<string, string> = {}) => ({
  headers: {
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    ...extra,
  },
  body,
});

async function putOriginal(key: string, text: string): Promise<void> {
  const put = await send(server.url, 'PUT', `/bkt/${key}`, { body: text });
  assert.equal(put.status, 200);
  assert.equal(put.headers.etag, `"${md5(text)}"`);
}

async function assertUnchanged(key: string, text: string, what: string): Promise<void> {
  const got = await send(server.url, 'GET', `/bkt/${key}`);
  assert.equal(got.status, 200, `${what}: the server still answers`);
  assert.equal(got.body.toString(), text, `${what}: the object is unchanged`);
}

test('bad aws-chunked uploads are 400s that store nothing, even for a bucket that does not exist; the server keeps serving', async () => {
  await putOriginal('k', 'original');
  const cases: [string, { headers: Record<string, string>; body: string | Buffer }][] = [
    ['not hex', chunked('zz;chunk-signature=x\r\nabc\r\n0\r\n\r\n')],
    ['negative', chunked('-5;chunk-signature=x\r\nabc\r\n0\r\n\r\n')],
    ['5,000 bytes without a line break', chunked(Buffer.alloc(5000, 0x41))],
    ['a 4 GiB chunk cut short', chunked('ffffffff;chunk-signature=x\r\nabc')],
    ['data longer than its chunk', chunked('3;chunk-signature=x\r\nabcdefg\r\n0\r\n\r\n')],
    ['decoded length differs', chunked('3\r\nabc\r\n0\r\n\r\n', { 'x-amz-decoded-content-length': '4' })],
    ['decoded length is not a number', chunked('3\r\nabc\r\n0\r\n\r\n', { 'x-amz-decoded-content-length': '-1' })],
    ['announced trailer missing', chunked('3\r\nabc\r\n0\r\n\r\n', { 'x-amz-trailer': 'x-amz-checksum-crc32' })],
    [
      'wrong CRC32 trailer',
      chunked('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n', { 'x-amz-trailer': 'x-amz-checksum-crc32' }),
    ],
    ['wrong Content-MD5', { headers: { 'content-md5': Buffer.alloc(16).toString('base64') }, body: 'abc' }],
    ['malformed Content-MD5', { headers: { 'content-md5': 'nope' }, body: 'abc' }],
    [
      'wrong SHA-256 header',
      { headers: { 'x-amz-checksum-sha256': Buffer.alloc(32).toString('base64') }, body: 'abc' },
    ],
  ];
  for (const [name, c] of cases) {
    for (const bucket of ['bkt', 'no-such-bucket']) {
      const answer = await send(server.url, 'PUT', `/${bucket}/k`, c);
      assert.ok(answer.status >= 400 && answer.status < 500, `${name} in ${bucket}: ${answer.status} ${answer.body}`);
    }
    await assertUnchanged('k', 'original', name);
  }
  // the same checks let good uploads through
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32('abc'));
  const good = await send(
    server.url,
    'PUT',
    '/bkt/k',
    chunked(`3\r\nabc\r\n0\r\nx-amz-checksum-crc32:${crc.toString('base64')}\r\n\r\n`, {
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'x-amz-decoded-content-length': '3',
    }),
  );
  assert.equal(good.status, 200, good.body.toString());
  await assertUnchanged('k', 'abc', 'a good upload');
  assert.equal(server.child.exitCode, null);
  assert.deepEqual(
    readdirSync(join(data, 'bkt')).filter((f) => f.startsWith('.')),
    [],
    'no temporary file is left behind',
  );
});

test('fuzzed aws-chunked uploads: a 4xx that changes nothing, or stored as framed (300 runs over HTTP)', async () => {
  await putOriginal('fuzz', 'before');
  let current = 'before';
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 6 }),
      async (payload, at, noise) => {
        const framed = Buffer.from(
          `${payload.length.toString(16)};chunk-signature=0\r\n${Buffer.from(payload).toString('latin1')}\r\n0\r\n\r\n`,
          'latin1',
        );
        const cut = at % (framed.length + 1);
        const body = Buffer.concat([framed.subarray(0, cut), noise, framed.subarray(cut)]);
        const answer = await send(server.url, 'PUT', '/bkt/fuzz', chunked(body));
        const intact = noise.length === 0;
        if (intact) {
          assert.equal(answer.status, 200);
          current = Buffer.from(payload).toString('latin1');
        } else assert.ok(answer.status === 200 || (answer.status >= 400 && answer.status < 500), `${answer.status}`);
        if (answer.status === 200) current = (await send(server.url, 'GET', '/bkt/fuzz')).body.toString('latin1');
        const got = await send(server.url, 'GET', '/bkt/fuzz');
        assert.equal(got.body.toString('latin1'), current);
        assert.equal(got.headers.etag, `"${md5(got.body)}"`);
      },
    ),
    { numRuns: 300 },
  );
  assert.equal(server.child.exitCode, null);
});

test('malformed percent-encoding is a 400; keys up to 1024 bytes work; longer ones are a 400', async () => {
  for (const path of ['/bkt/%ZZ', '/bkt/%c0%ae', '/bkt/a%', '/bkt/%e2%82']) {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await send(server.url, method, path, method === 'PUT' ? { body: 'x' } : {});
      assert.equal(answer.status, 400, `${method} ${path}`);
      assert.match(answer.body.toString(), /<Code>InvalidURI<\/Code>/);
    }
  }
  const keys = [
    'k'.repeat(300),
    'é'.repeat(512),
    `${'dir/'.repeat(200)}${'x'.repeat(224)}`,
    '.'.repeat(1024),
    'ü'.repeat(200),
  ];
  for (const key of keys) {
    assert.ok(Buffer.byteLength(key) <= 1024);
    const path = `/bkt/${encodeURIComponent(key)}`;
    assert.equal((await send(server.url, 'PUT', path, { body: key })).status, 200, `${key.length} characters`);
    assert.equal((await send(server.url, 'GET', path)).body.toString(), key);
    assert.equal((await send(server.url, 'HEAD', path)).status, 200);
  }
  const listed = await send(server.url, 'GET', '/bkt?list-type=2');
  for (const key of keys)
    assert.ok(listed.body.toString().includes(`<Key>${key}</Key>`), `LIST names the ${key.length}-character key`);
  for (const key of keys)
    assert.equal((await send(server.url, 'DELETE', `/bkt/${encodeURIComponent(key)}`)).status, 204);
  for (const key of keys) assert.equal((await send(server.url, 'GET', `/bkt/${encodeURIComponent(key)}`)).status, 404);
  const tooLong = await send(server.url, 'PUT', `/bkt/${encodeURIComponent('é'.repeat(513))}`, { body: 'x' });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body.toString(), /KeyTooLongError/);
});

test('20 concurrent PUTs of one key, ten times over: every one stored, the last whole', async () => {
  for (let round = 0; round < 10; round++) {
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1000 + i * 997, i + round));
    const answers = await Promise.all(bodies.map((body) => send(server.url, 'PUT', '/bkt/hot', { body })));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
      answers.map((a) => a.body.toString()).join(' '),
    );
    const got = await send(server.url, 'GET', '/bkt/hot');
    assert.ok(
      bodies.some((b) => b.equals(got.body)),
      'the object is one of the bodies, whole',
    );
    assert.equal(got.headers.etag, `"${md5(got.body)}"`);
  }
});

test('an internal error answers 500 without server paths; temporary files of a killed server are removed at start', async () => {
  // a directory where the object's file would go: the rename fails
  mkdirSync(join(data, 'bkt', 'blocked', 'inside'), { recursive: true });
  const answer = await send(server.url, 'PUT', '/bkt/blocked', { body: 'x' });
  assert.equal(answer.status, 500);
  assert.ok(!answer.body.toString().includes(files.dir), `no server path in ${answer.body}`);
  assert.match(answer.body.toString(), /<Code>InternalError<\/Code>/);
  assert.equal(server.child.exitCode, null);

  const stale = join(data, 'bkt', '.tmp-999999999-1-abcdef');
  writeFileSync(stale, 'half an upload');
  await kill(server);
  server = await startDemoServer(data, ['--no-instrument']);
  assert.ok(!existsSync(stale), 'the stale temporary file is gone');
  assert.match(server.output(), /removed 1 temporary file/);
});
