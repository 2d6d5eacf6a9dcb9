import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AwsChunkedDecoder } from '../../examples/s3-server/aws-chunked.js';
import { StoreError } from '../../examples/s3-server/errors.js';
import { parseTarget } from '../../examples/s3-server/server.js';

/**
 * The demo S3 server's aws-chunked decoder and request-target parsing, against hostile input:
 * whatever the bytes and however they are split, the streaming decoder answers exactly what a
 * plain whole-body parser of the framing answers (the bytes, or a 400), and never throws.
 */

type Outcome = { bytes: string } | { error: number };

async function decode(body: Buffer, cuts: number[], decodedLength?: number): Promise<Outcome> {
  const decoder = new AwsChunkedDecoder({ decodedLength });
  const out: Buffer[] = [];
  decoder.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<Outcome>((resolve) => {
    decoder.on('end', () => resolve({ bytes: Buffer.concat(out).toString('latin1') }));
    decoder.on('error', (e) => resolve({ error: e instanceof StoreError ? e.status : -1 }));
  });
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < body.length)].sort((a, b) => a - b).concat(body.length)) {
    if (cut > from) decoder.write(body.subarray(from, cut));
    from = cut;
  }
  decoder.end();
  return done;
}

/** The framing read whole and plainly: size lines, data + CRLF, size 0, trailer lines, empty line, nothing after. */
function reference(body: Buffer, decodedLength?: number): Outcome {
  const s = body.toString('latin1');
  let at = 0;
  const line = (): string | undefined => {
    const lf = s.indexOf('\n', at);
    if (lf < 0 || lf + 1 - at > 4096 || lf - 1 < at || s[lf - 1] !== '\r') return undefined;
    const text = s.slice(at, lf - 1);
    at = lf + 1;
    return text;
  };
  let out = '';
  let total = 0;
  for (;;) {
    const text = line();
    const m = text === undefined ? null : /^([0-9A-Fa-f]{1,16})(;[\x20-\x7e]*)?$/.exec(text);
    if (!m) return { error: 400 };
    const size = Number.parseInt(m[1], 16);
    total += size;
    if (size > Number.MAX_SAFE_INTEGER || (decodedLength !== undefined && total > decodedLength)) return { error: 400 };
    if (size === 0) break;
    if (at + size + 2 > s.length || s.slice(at + size, at + size + 2) !== '\r\n') return { error: 400 };
    out += s.slice(at, at + size);
    at += size + 2;
  }
  for (let trailerBytes = 0; ; ) {
    const text = line();
    if (text === '') break;
    trailerBytes += (text?.length ?? 0) + 2;
    if (text === undefined || !/^[A-Za-z0-9-]+:[\x20-\x7e]*$/.test(text) || trailerBytes > 16 * 1024)
      return { error: 400 };
  }
  if (at !== s.length || (decodedLength !== undefined && total !== decodedLength)) return { error: 400 };
  return { bytes: out };
}

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const framed = fc
  .record({
    chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 400 }), { maxLength: 6 }),
    extension: fc.option(
      printable.map((p) => `;chunk-signature=${p}`),
      { nil: '' },
    ),
    trailers: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), printable), { maxLength: 3 }),
    upper: fc.boolean(),
  })
  .map(({ chunks, extension, trailers, upper }) => {
    const hex = (n: number) => (upper ? n.toString(16).toUpperCase() : n.toString(16));
    const parts = chunks.flatMap((c) => [
      Buffer.from(`${hex(c.length)}${extension}\r\n`),
      Buffer.from(c),
      Buffer.from('\r\n'),
    ]);
    parts.push(Buffer.from(`0${extension}\r\n${trailers.map(([n, v]) => `${n}:${v}\r\n`).join('')}\r\n`));
    return { body: Buffer.concat(parts), payload: Buffer.concat(chunks).toString('latin1') };
  });
const cuts = fc.array(fc.nat({ max: 3000 }), { maxLength: 8 });

test('aws-chunked: any framing of any bytes decodes to them, however the body is split (1,000 runs)', async () => {
  await fc.assert(
    fc.asyncProperty(framed, cuts, fc.boolean(), async ({ body, payload }, at, declare) => {
      const declared = declare ? Buffer.byteLength(payload, 'latin1') : undefined;
      assert.deepEqual(await decode(body, at, declared), { bytes: payload });
    }),
    { numRuns: 1000 },
  );
});

test('aws-chunked: damaged framing (cut, flipped, inserted, wrong declared length) is a 400 or exactly what a plain parser reads (1,000 runs)', async () => {
  const damage = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
    }),
    fc.record({ kind: fc.constant('length' as const), delta: fc.integer({ min: -3, max: 3 }) }),
  );
  await fc.assert(
    fc.asyncProperty(
      framed,
      fc.array(damage, { minLength: 1, maxLength: 3 }),
      cuts,
      async ({ body, payload }, damages, at) => {
        let bytes = Buffer.from(body);
        let declared: number | undefined;
        for (const d of damages) {
          if (d.kind === 'length') declared = Math.max(0, Buffer.byteLength(payload, 'latin1') + d.delta);
          else if (bytes.length === 0) continue;
          else if (d.kind === 'cut') bytes = bytes.subarray(0, d.at % bytes.length);
          else if (d.kind === 'flip') bytes[d.at % bytes.length] ^= 1 << d.bit;
          else
            bytes = Buffer.concat([
              bytes.subarray(0, d.at % bytes.length),
              d.bytes,
              bytes.subarray(d.at % bytes.length),
            ]);
        }
        assert.deepEqual(await decode(bytes, at, declared), reference(bytes, declared));
      },
    ),
    { numRuns: 1000 },
  );
});

test('aws-chunked: the cases that once crashed or stored damaged objects are 400s', async () => {
  const cases: [string, string | Buffer, number?][] = [
    ['not hex', 'zz;chunk-signature=x\r\nabc\r\n0\r\n\r\n'],
    ['negative size', '-5;chunk-signature=x\r\nabc\r\n0\r\n\r\n'],
    ['a size line of 5,000 bytes', Buffer.alloc(5000, 0x31)],
    ['a declared 4 GiB chunk cut short', 'ffffffff;chunk-signature=x\r\nabc'],
    ['data longer than its size', '3;chunk-signature=x\r\nabcdefg\r\n0\r\n\r\n'],
    ['no final chunk', '3\r\nabc\r\n'],
    ['no empty line after the final chunk', '3\r\nabc\r\n0\r\n'],
    ['bytes after the end', '3\r\nabc\r\n0\r\n\r\nmore'],
    ['a declared length the chunks exceed', '3\r\nabc\r\n0\r\n\r\n', 2],
    ['a declared length the chunks fall short of', '3\r\nabc\r\n0\r\n\r\n', 4],
    ['a size over 2^53', '20000000000000\r\n'],
  ];
  for (const [name, body, declared] of cases) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
    assert.deepEqual(await decode(bytes, [], declared), { error: 400 }, name);
    assert.deepEqual(reference(bytes, declared), { error: 400 }, `${name} (reference)`);
  }
  // a body of megabytes without a line break is refused at the first 4 KiB, not buffered
  const decoder = new AwsChunkedDecoder();
  const failed = new Promise<unknown>((resolve) => decoder.on('error', resolve));
  decoder.write(Buffer.alloc(1024 * 1024, 0x31));
  assert.ok((await failed) instanceof StoreError);
});

test('request targets: keys round-trip through percent-encoding; malformed escapes are a 400, never another error (1,000 runs each)', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
      fc.boolean(),
      (bucket, key, query) => {
        const encoded = encodeURIComponent(key).replace(/%2F/g, '/');
        const target = parseTarget(`/${bucket}/${encoded}${query ? '?x-id=GetObject' : ''}`);
        assert.equal(target.bucket, bucket);
        assert.equal(target.key, key);
      },
    ),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.constantFrom('/', '%', 'c', '0', 'a', 'e', 'Z', '?', 'F', 'é', '\u0000', ':', 'h', 't', 'p', 's'),
        maxLength: 40,
      }),
      (raw) => {
        try {
          const t = parseTarget(raw);
          assert.equal(typeof t.bucket, 'string');
          assert.ok(!t.bucket.includes('/'), 'a bucket never holds a slash');
        } catch (e) {
          assert.ok(e instanceof StoreError && e.status === 400, String(e));
        }
      },
    ),
    { numRuns: 1000 },
  );
  for (const bad of ['/b/%ZZ', '/b/%c0%ae', '/b/%', '/b/%e2%82', 'x'])
    assert.throws(
      () => parseTarget(bad),
      (e: unknown) => e instanceof StoreError && e.code === 'InvalidURI',
      bad,
    );
});
