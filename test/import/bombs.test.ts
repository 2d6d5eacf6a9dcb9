import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, ROOT, tempFiles } from '../helpers/paths.js';
import { gzipBomb, zstdBomb } from '../helpers/bombs.js';
import { bytehoundFile, ev, SpeedyWriter } from '../helpers/bytehound-encoder.js';

/**
 * Decompression and size bombs: 32 KB of zstd or 1 MB of gzip that decode to 1 GiB. Memory
 * stays bounded on every decoding path (the zstd program, zlib, the fzstd fallback, stdin);
 * 1 GiB of blank or unknown lines costs a line scan; formats read whole stop at their limit
 * before the memory is spent. Peak RSS is the process's own (VmHWM, at exit).
 */

const files = tempFiles('bombs');
after(() => files.remove());
const peakRss = join(files.dir, 'peak-rss.cjs');
// VmHWM, the high-water mark of this process's own memory: getrusage's maxRSS keeps the parent's
// from before exec (a test that had just built 512 MiB of input saw it in its child)
writeFileSync(
  peakRss,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the child's own template literal
  "process.on('exit', () => { let kb = process.resourceUsage().maxRSS; try { kb = Number(/VmHWM:\\s*(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} process.stderr.write(`\\npeak-rss: ${kb * 1024}\\n`); });\n",
);
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const HEADER = Buffer.from('v 10400 3\nX prog\n');

// without the zstd program: a PATH of one folder holding only node (node's own folder may hold zstd: /usr/bin)
const nodeOnly = join(files.dir, 'node-only');
mkdirSync(nodeOnly);
symlinkSync(process.execPath, join(nodeOnly, 'node'));

function run(args: string[], options: { input?: Buffer; noZstd?: boolean } = {}) {
  const PATH = options.noZstd ? nodeOnly : process.env.PATH;
  const r = spawnSync(process.execPath, ['--require', peakRss, CLI, ...args], {
    input: options.input,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 26,
    env: { ...process.env, PATH },
  });
  const rss = Number(/peak-rss: (\d+)/.exec(r.stderr)?.[1]);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\npeak-rss: \d+\n/, ''), rss };
}

test('1 GiB of blank lines behind a heaptrack header (32 KB of zstd, 1 MB of gzip): read at line-scan speed in bounded memory, by every decoder and from stdin', () => {
  const zst = files.file(zstdBomb(HEADER, 10, GiB));
  const gz = files.file(gzipBomb(HEADER, 10, GiB));
  for (const [what, args, options] of [
    ['zstd program', [zst], {}],
    ['without the zstd program', [zst], { noZstd: true }],
    ['gzip', [gz], {}],
    ['zstd on stdin', ['-'], { input: readFileSync(zst), noZstd: true }],
    ['gzip on stdin', ['-'], { input: readFileSync(gz) }],
  ] as [string, string[], { input?: Buffer; noZstd?: boolean }][]) {
    const r = run(['report', ...args], options);
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    assert.match(r.stdout, /total memory leaked: 0 B/, what);
    assert.ok(r.rss < 300 * MiB, `${what}: peak RSS ${Math.round(r.rss / MiB)} MiB`);
  }
});

test('the fallback zstd decoder hands on at most a block at a time (each path of the input layer, in a process of its own)', () => {
  const zst = files.file(zstdBomb(Buffer.alloc(0), 0, GiB));
  const script = `
    const { openInput, availableZstdDecoders } = await import(${JSON.stringify(join(ROOT, 'dist/src/import/io/input.js'))});
    const out = {};
    for (const decoder of availableZstdDecoders()) {
      const input = await openInput(${JSON.stringify(zst)}, { zstdDecoder: decoder });
      let total = 0, largest = 0;
      for await (const chunk of input.chunks()) { total += chunk.length; largest = Math.max(largest, chunk.length); }
      input.close();
      out[decoder] = { total, largest, warnings: input.warnings };
    }
    console.log(JSON.stringify({ decoders: out, rss: process.resourceUsage().maxRSS * 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    decoders: Record<string, { total: number; largest: number; warnings: string[] }>;
    rss: number;
  };
  assert.ok(out.decoders.fzstd, 'fzstd is always there');
  for (const [decoder, o] of Object.entries(out.decoders)) {
    assert.equal(o.total, GiB, decoder);
    assert.ok(o.largest <= 1 * MiB, `${decoder}: a chunk of ${o.largest} bytes`);
    assert.deepEqual(o.warnings, [], decoder);
  }
  assert.ok(out.rss < 300 * MiB, `peak RSS ${Math.round(out.rss / MiB)} MiB for 1 GiB through every decoder`);
});

test('1 GiB of unknown lines is a warning with a count, read at line-scan speed', () => {
  const r = run([
    'report',
    files.file(zstdBomb(Buffer.concat([HEADER, Buffer.from('q\n'.repeat(64))]), 0x71, GiB / 8)),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /failed to parse line: q/);
  assert.match(r.stderr, /and \d+ more like the above/);
  assert.ok(r.rss < 300 * MiB, `peak RSS ${Math.round(r.rss / MiB)} MiB`);
});

test('gzipped JSON and pprof bombs stop at --max-document (default 256 MiB) before the memory is spent; the limit is an option', () => {
  const json = files.file(gzipBomb(Buffer.from('{"head":{"callFrame":{}'), 0x20, GiB));
  // a pprof Profile opens with a sample type (field 1); zeros are not protobuf, but it is read whole first
  const pprof = files.file(gzipBomb(Buffer.from([0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]), 0, GiB));
  for (const [what, file] of [
    ['JSON', json],
    ['pprof', pprof],
  ]) {
    const r = run(['report', file]);
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `more than 256 MiB of ${what} once decompressed; ${what} is read whole, up to --max-document \\(default 256 MiB\\)`,
      ),
    );
    assert.ok(r.rss < 700 * MiB, `${what}: peak RSS ${Math.round(r.rss / MiB)} MiB`);
    const small = run(['report', '--max-document', '16M', file]);
    assert.equal(small.code, 2);
    assert.match(small.stderr, /more than 16 MiB/);
    assert.ok(small.rss < 200 * MiB, `${what} --max-document 16M: peak RSS ${Math.round(small.rss / MiB)} MiB`);
  }
  // stdin the same
  const r = run(['report', '--max-document', '16M', '-'], { input: readFileSync(json) });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /more than 16 MiB of JSON/);
});

test('a Bytehound event declaring a 4 GiB field is refused when read, not waited for (2 MB of LZ4 chunks)', () => {
  const huge = new SpeedyWriter().u32(11).u32(0xfffffff0).result(); // an environment entry of 4 GiB
  // 512 MiB behind it, in chunks of 32 MiB (a chunk may decode to 64 MiB: its buffers are the bound)
  const file = files.file(
    bytehoundFile([ev.header({ initialUs: 1, cmdline: 'x' }), huge, Buffer.alloc(512 * MiB)], { chunkBytes: 32 * MiB }),
  );
  const r = run(['report', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /a field of 4294967280 bytes \(at most 67108864\); the events before it are kept/);
  assert.ok(r.rss < 500 * MiB, `peak RSS ${Math.round(r.rss / MiB)} MiB (waiting for the field held 1.5 GB)`);
});
