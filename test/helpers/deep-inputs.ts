import { gzipSync } from 'node:zlib';
import { bytehoundFile, ev } from './bytehound-encoder.js';
import {
  Function as PprofFunction,
  Location,
  Line,
  Profile as PprofProfile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';

/**
 * One stack of `depth` distinct frames in each format heapflame reads, written the way the
 * format's own tools write it (hostile inputs: a recursion anywhere after import overflows).
 * Built with loops and string joins: the generators themselves must not recurse.
 */

const names = (depth: number) => Array.from({ length: depth }, (_, i) => `f${i}`);
const hex = (n: number) => n.toString(16);

export function deepFolded(depth: number): Buffer {
  return Buffer.from(`${names(depth).join(';')} 5\n`);
}

/** heaptrack's interpreted format: a string, an instruction pointer and a trace node per frame. */
export function deepHeaptrack(depth: number): Buffer {
  const lines = ['v 10400 3', 'X ./deep'];
  for (let i = 0; i < depth; i++) {
    const name = `f${i}`;
    lines.push(`s ${hex(name.length)} ${name}`, `i ${hex(0x1000 + i)} 0 ${hex(i + 1)}`, `t ${hex(i + 1)} ${hex(i)}`);
  }
  lines.push(`a 40 ${hex(depth)}`, '+ 0', 'c 10', '# strings: 1', '# ips: 1', '');
  return Buffer.from(lines.join('\n'));
}

/** A V8 heap profile: the tree as nested JSON under V8's (root), `depth` levels (written as text: no recursion). */
export function deepV8(depth: number): Buffer {
  const open = names(depth).map(
    (n, i) =>
      `{"callFrame":{"functionName":"${n}","scriptId":"1","url":"file:///x.js","lineNumber":${i},"columnNumber":1},"selfSize":${i === depth - 1 ? 4096 : 0},"id":${i + 1},"children":[`,
  );
  const root =
    '{"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"selfSize":0,"id":0,"children":[';
  return Buffer.from(`{"head":${root}${open.join('')}${']}'.repeat(depth + 1)},"samples":[]}`);
}

export function deepDhat(depth: number): Buffer {
  const ftbl = ['[root]', ...names(depth).map((n, i) => `0x${hex(0x1000 + i)}: ${n} (x.c:${i})`)];
  const pp = {
    tb: 100,
    tbk: 1,
    tl: 10,
    mb: 100,
    mbk: 1,
    gb: 100,
    gbk: 1,
    eb: 100,
    ebk: 1,
    rb: 0,
    wb: 0,
    fs: Array.from({ length: depth }, (_, i) => i + 1),
  };
  return Buffer.from(
    JSON.stringify({
      dhatFileVersion: 2,
      mode: 'heap',
      verb: 'Allocated',
      bklt: true,
      bkacc: true,
      tu: 'instrs',
      Mtu: 'instr',
      tuth: 500,
      cmd: './deep',
      pid: 1,
      te: 1000,
      tg: 10,
      pps: [pp],
      ftbl,
    }),
  );
}

export function deepHeapflame(depth: number): Buffer {
  const parent = [-1];
  const frame = [-1];
  for (let i = 0; i < depth; i++) {
    parent.push(i);
    frame.push(i);
  }
  const doc = {
    format: 'heapflame',
    version: 1,
    meta: { format: 'node', command: 'node deep.js' },
    costs: [{ id: 'allocated', unit: 'bytes', label: 'allocated bytes', description: '' }],
    frames: names(depth).map((n, i) => [n, 'file:///x.js', i, '', '', 0]),
    nodes: { parent, frame },
    samples: { node: [depth], values: [[4096]] },
    totals: { allocated: 4096 },
    timeline: [],
    warnings: [],
  };
  return gzipSync(JSON.stringify(doc));
}

/** pprof: one sample whose stack is `depth` locations, leaf first. */
export function deepPprof(depth: number): Buffer {
  const strings = new StringTable();
  const fns = names(depth).map(
    (n, i) => new PprofFunction({ id: i + 1, name: strings.dedup(n), filename: strings.dedup('x.go') }),
  );
  const locations = fns.map((f, i) => new Location({ id: i + 1, line: [new Line({ functionId: f.id, line: i + 1 })] }));
  const profile = new PprofProfile({
    sampleType: [new ValueType({ type: strings.dedup('inuse_space'), unit: strings.dedup('bytes') })],
    sample: [new Sample({ locationId: locations.map((l) => l.id).reverse(), value: [4096] })],
    location: locations,
    function: fns,
    stringTable: strings,
  });
  return gzipSync(profile.encode());
}

export function deepSpeedscope(depth: number): Buffer {
  const frames = names(depth).map((name) => ({ name }));
  return Buffer.from(
    JSON.stringify({
      $schema: 'https://www.speedscope.app/file-format-schema.json',
      shared: { frames },
      profiles: [
        {
          type: 'sampled',
          name: 'deep',
          unit: 'bytes',
          startValue: 0,
          endValue: 4096,
          samples: [frames.map((_, i) => i)],
          weights: [4096],
        },
      ],
    }),
  );
}

/** Bytehound: a raw capture whose one backtrace has `depth` addresses, one allocation kept. */
export function deepBytehound(depth: number): Buffer {
  const addresses = Array.from({ length: depth }, (_, i) => 0x400000 + 16 * i);
  return bytehoundFile([
    ev.header({ initialUs: 1000, cmdline: 'deep' }),
    ev.backtrace(1, addresses),
    ev.allocEx([1, 0], 1010, { pointer: 0x1000, size: 4096, backtrace: 1 }),
  ]);
}
