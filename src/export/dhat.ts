import type { Exporter } from './exporter.js';
import { costIndex, type Profile } from '../model/profile.js';
import { frameWhere, jsonNumber as num } from './format.js';
import { chunksToString, TextChunks } from './text-buffer.js';

/**
 * DHAT JSON v2 (heap mode), for Valgrind's dh_view.html: one program point per stack with
 * total bytes and blocks (`allocated`, `allocations`), and where the profile has them the
 * bytes at t-gmax (`peak`) and at t-end (`leaked`). Block counts at t-gmax and t-end, lifetimes
 * and accesses are not in heapflame's model: they are written as 0. Times are µs.
 */
export const dhatExporter: Exporter = {
  name: 'dhat',
  kind: 'profile',
  suffixes: ['.dhat.json'],
  label: '.dhat.json',
  chunks: (profile) => dhatChunks(profile),
};

/** The file as one string (tests). */
export function renderDhat(profile: Profile): string {
  return chunksToString(dhatChunks(profile));
}

/**
 * The JSON written as it is made, one program point at a time: an object per point and one
 * string of the whole file took 900 MB for a 1 M-stack recording (3.4 × what reading it takes).
 * Byte for byte what JSON.stringify writes of the same object.
 */
export function* dhatChunks(profile: Profile): Generator<Uint8Array> {
  const points = programPoints(profile);
  const lifetimes = points.lifetimes;
  const m = profile.meta;
  const us = (ms: number | undefined) => Math.round((ms ?? 0) * 1000);
  const head: Record<string, unknown> = {
    dhatFileVersion: 2,
    mode: 'heap',
    verb: 'Allocated',
    bklt: lifetimes,
    bkacc: false,
    tu: 'µs',
    Mtu: 's',
    ...(lifetimes && { tuth: 500, tg: us(m.peakTimeMs) }),
    cmd: m.command ?? `heapflame (${m.format})`,
    pid: 0,
    te: us(m.durationMs),
  };
  const out = new TextChunks();
  out.push(`${JSON.stringify(head).slice(0, -1)},"pps":[`);
  const fs: number[] = [];
  let first = true;
  for (const p of points.order) {
    const [tb, tbk, gb, eb] = [points.tb[p], points.tbk[p], points.gb[p], points.eb[p]];
    if (!(tb || tbk || gb || eb)) continue;
    fs.length = 0;
    for (let n = points.node[p]; n > 0; n = profile.nodeParent[n]) fs.push(points.frameIndex[profile.nodeFrame[n]]);
    const times = lifetimes ? `,"tl":0,"mb":${num(gb)},"mbk":0,"gb":${num(gb)},"gbk":0,"eb":${num(eb)},"ebk":0` : '';
    out.push(`${first ? '' : ','}{"tb":${num(tb)},"tbk":${num(tbk)}${times},"fs":[${fs.join(',')}]}`);
    first = false;
    yield* out.take();
  }
  out.push('],"ftbl":[');
  for (let i = 0; i < points.ftbl.length; i++) out.push(`${i ? ',' : ''}${JSON.stringify(points.ftbl[i])}`);
  out.push(']}');
  yield* out.end();
}

/**
 * One program point per stack, in the order of their first samples: rows of one stack add up
 * (dh_view rejects two points with one stack); the frame table in the order frames are first
 * met, "[root]" first.
 */
function programPoints(profile: Profile) {
  const column = (id: string) => {
    const c = costIndex(profile, id);
    return c < 0 ? null : profile.values[c];
  };
  const [tbCol, tbkCol, gbCol, ebCol] = ['allocated', 'allocations', 'peak', 'leaked'].map(column);
  const pointOf = new Int32Array(profile.nodeCount).fill(-1);
  const frameIndex = new Int32Array(profile.frames.length).fill(-1);
  const ftbl = ['[root]'];
  const node: number[] = [];
  for (let i = 0; i < profile.sampleCount; i++) {
    const n0 = profile.sampleNode[i];
    if (pointOf[n0] >= 0) continue;
    pointOf[n0] = node.length;
    node.push(n0);
    for (let n = n0; n > 0; n = profile.nodeParent[n]) {
      const id = profile.nodeFrame[n];
      if (frameIndex[id] >= 0) continue;
      const f = profile.frames[id];
      frameIndex[id] = ftbl.length;
      ftbl.push(`0x${f.address || '0'}: ${f.name || '???'}${frameWhere(f)}`);
    }
  }
  const sums = () => new Float64Array(node.length);
  const [tb, tbk, gb, eb] = [sums(), sums(), sums(), sums()];
  const v = (col: Float64Array | null, i: number) => (col ? Math.round(col[i]) : 0);
  for (let i = 0; i < profile.sampleCount; i++) {
    const p = pointOf[profile.sampleNode[i]];
    tb[p] += v(tbCol, i);
    tbk[p] += v(tbkCol, i);
    gb[p] += v(gbCol, i);
    eb[p] += v(ebCol, i);
  }
  return { lifetimes: gbCol !== null || ebCol !== null, order: node.keys(), node, tb, tbk, gb, eb, frameIndex, ftbl };
}
