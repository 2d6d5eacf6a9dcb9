import type { Exporter } from './exporter.js';
import { costIndex, type Profile } from '../model/profile.js';
import { frameWhere } from './format.js';

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
  chunks: (profile) => [renderDhat(profile)],
};

export function renderDhat(profile: Profile): string {
  const column = (id: string) => {
    const c = costIndex(profile, id);
    return c < 0 ? null : profile.values[c];
  };
  const tb = column('allocated');
  const tbk = column('allocations');
  const gb = column('peak');
  const eb = column('leaked');
  const lifetimes = gb !== null || eb !== null;

  const ftbl = ['[root]'];
  const ftblIndex = new Map<number, number>();
  const frameIndex = (frame: number) => {
    let i = ftblIndex.get(frame);
    if (i === undefined) {
      const f = profile.frames[frame];
      i = ftbl.length;
      ftbl.push(`0x${f.address || '0'}: ${f.name || '???'}${frameWhere(f)}`);
      ftblIndex.set(frame, i);
    }
    return i;
  };
  // one PP per stack: rows of one stack add up (dh_view rejects two PPs with one stack)
  const ppOf = new Map<number, Record<string, number | number[]>>();
  const v = (col: Float64Array | null, i: number) => (col ? Math.round(col[i]) : 0);
  for (let i = 0; i < profile.sampleCount; i++) {
    const node = profile.sampleNode[i];
    let pp = ppOf.get(node);
    if (!pp) {
      const fs: number[] = [];
      for (let n = node; n > 0; n = profile.nodeParent[n]) fs.push(frameIndex(profile.nodeFrame[n]));
      pp = { tb: 0, tbk: 0, ...(lifetimes && { tl: 0, mb: 0, mbk: 0, gb: 0, gbk: 0, eb: 0, ebk: 0 }), fs };
      ppOf.set(node, pp);
    }
    (pp.tb as number) += v(tb, i);
    (pp.tbk as number) += v(tbk, i);
    if (lifetimes) {
      (pp.gb as number) += v(gb, i);
      (pp.mb as number) += v(gb, i);
      (pp.eb as number) += v(eb, i);
    }
  }
  const pps = [...ppOf.values()].filter((pp) => pp.tb || pp.tbk || pp.gb || pp.eb);
  const m = profile.meta;
  const us = (ms: number | undefined) => Math.round((ms ?? 0) * 1000);
  return JSON.stringify({
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
    pps,
    ftbl,
  });
}
