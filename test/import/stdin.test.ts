import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CLI, fixtureBytes, fixtureFile, hasCommand } from '../helpers/paths.js';

/**
 * Standard input is recognised by content as files are: every format, plain, gzipped or
 * zstd-compressed, piped into `report -` gives the report of the file (a gzipped DHAT or V8
 * file was once taken for heaptrack).
 */

const report = (args: string[], input?: Buffer) =>
  spawnSync(process.execPath, [CLI, 'report', '--json', ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
const zstd = (bytes: Buffer) => spawnSync('zstd', ['-q', '-c'], { input: bytes, maxBuffer: 1 << 28 }).stdout;
/** The report without what names the input. */
const figures = (json: string) =>
  JSON.stringify(JSON.parse(json), (k, v) => (k === 'file' || k === 'path' || k === 'input' ? undefined : v));

test('every format on stdin, plain, gzip and zstd, reads as the file does', (t) => {
  const fixtures = [
    'dhat/dhat-copy.json',
    'v8/default.heapprofile',
    'v8/i32k.heapprofile',
    'pprof/dd_heap.pb.gz',
    'folded/small-1k.folded',
    'heaptrack/heaptrack.s3sim',
  ];
  if (!hasCommand('zstd')) t.diagnostic('zstd is not installed: zstd-compressed stdin is left out');
  for (const rel of fixtures) {
    const want = report([fixtureFile(rel)]);
    assert.equal(want.status, 0, `${rel}: ${want.stderr}`);
    const plain = fixtureBytes(rel);
    const variants: [string, Buffer][] = [
      ['as stored', readFileSync(fixtureFile(rel))],
      ['plain', rel.endsWith('.gz') ? Buffer.from(spawnSync('gzip', ['-dc'], { input: plain }).stdout) : plain],
      ['gzip', rel.endsWith('.gz') ? plain : gzipSync(plain)],
    ];
    if (hasCommand('zstd'))
      variants.push([
        'zstd',
        zstd(rel.endsWith('.gz') ? Buffer.from(spawnSync('gzip', ['-dc'], { input: plain }).stdout) : plain),
      ]);
    for (const [how, bytes] of variants) {
      const got = report(['-'], bytes);
      assert.equal(got.status, 0, `${rel} ${how} on stdin: ${got.stderr}`);
      assert.equal(figures(got.stdout), figures(want.stdout), `${rel} ${how} on stdin`);
    }
  }
});
