import { ProfileBuilder } from '../model/builder.js';
import { HeapflameError } from '../model/errors.js';
import {
  type CostId,
  costIndex,
  type CostInfo,
  costList,
  type HeapClass,
  type Profile,
  requireCost,
} from '../model/profile.js';
import { defaultLabel } from './calltree.js';

/**
 * Two profiles as one, for differential graphs: stacks matched by their frames' names, files
 * and modules (not addresses, which differ between runs, nor lines, which edits move), costs `before` (BASE) and `after` (NEW), of the
 * cost asked for or BASE's main cost.
 */
export function diffProfiles(base: Profile, next: Profile, costId?: CostId): Profile {
  const cost = requireCost(base, costId).id;
  const cb = costIndex(base, cost);
  const cn = costIndex(next, cost);
  if (cn < 0) throw new HeapflameError(`the new profile has no cost "${cost}" to compare; it has: ${costList(next)}`);
  const info = next.costs[cn];
  const costs: CostInfo[] = [
    { ...info, id: 'before', label: `${info.label} before`, description: `${info.description} (BASE)` },
    { ...info, id: 'after', label: `${info.label} after`, description: `${info.description} (NEW)` },
  ];
  const builder = new ProfileBuilder(costs);
  const add = (p: Profile, c: number, column: number) => {
    const frameIds = p.frames.map((f) =>
      // lines move when code is edited: a function is matched by name and file
      builder.internFrame({
        name: defaultLabel(f),
        file: f.file,
        line: 0,
        module: f.module,
        address: '',
        inlined: false,
      }),
    );
    const map = new Int32Array(p.nodeCount);
    for (let n = 1; n < p.nodeCount; n++) map[n] = builder.child(map[p.nodeParent[n]], frameIds[p.nodeFrame[n]]);
    const row = [0, 0];
    for (let i = 0; i < p.sampleCount; i++) {
      row[column] = p.values[c][i];
      row[1 - column] = 0;
      builder.addSample(map[p.sampleNode[i]], row);
    }
  };
  add(base, cb, 0);
  add(next, cn, 1);
  const profile = builder.build({ format: 'diff' }, { before: base.totals[cost] ?? 0, after: next.totals[cost] ?? 0 }, [
    ...base.warnings,
    ...next.warnings,
  ]);
  // two heap snapshots: their classes too (the growth by constructor, beside the growth by path)
  if (base.heap && next.heap) profile.heap = { classes: next.heap.classes, before: base.heap.classes };
  return profile;
}

/** One class in two snapshots. */
export interface ClassChange {
  name: string;
  internal: boolean;
  objects: [before: number, after: number];
  self: [before: number, after: number];
  retained: [before: number, after: number];
}

/**
 * The classes of two heap snapshots side by side (DevTools' "Comparison"), the largest growth
 * of retained bytes first, then of own bytes and objects; classes that did not change left out.
 */
export function classChanges(diff: Profile): ClassChange[] {
  const heap = diff.heap;
  if (!heap?.before) return [];
  const byName = new Map<string, ClassChange>();
  const add = (classes: HeapClass[], side: 0 | 1) => {
    for (const c of classes) {
      let change = byName.get(c.name);
      if (!change)
        byName.set(
          c.name,
          (change = { name: c.name, internal: c.internal, objects: [0, 0], self: [0, 0], retained: [0, 0] }),
        );
      change.objects[side] = c.objects;
      change.self[side] = c.self;
      change.retained[side] = c.retained;
    }
  };
  add(heap.before, 0);
  add(heap.classes, 1);
  const delta = (pair: [number, number]) => pair[1] - pair[0];
  return [...byName.values()]
    .filter((c) => delta(c.objects) !== 0 || delta(c.self) !== 0 || delta(c.retained) !== 0)
    .sort(
      (x, y) =>
        delta(y.retained) - delta(x.retained) ||
        delta(y.self) - delta(x.self) ||
        delta(y.objects) - delta(x.objects) ||
        (x.name < y.name ? -1 : 1),
    );
}

export interface FunctionChange {
  name: string;
  /** Inclusive values (each stack counts a function once, however often it recurs). */
  before: number;
  after: number;
  delta: number;
  selfBefore: number;
  selfAfter: number;
}

/** Functions that grew and shrank most, by inclusive delta. */
export function topChanges(diff: Profile, limit = 10): { growing: FunctionChange[]; shrinking: FunctionChange[] } {
  const b = costIndex(diff, 'before');
  const a = costIndex(diff, 'after');
  const byName = new Map<string, FunctionChange>();
  const get = (name: string) => {
    let c = byName.get(name);
    if (!c) byName.set(name, (c = { name, before: 0, after: 0, delta: 0, selfBefore: 0, selfAfter: 0 }));
    return c;
  };
  const seen = new Set<string>();
  for (let i = 0; i < diff.sampleCount; i++) {
    const vb = diff.values[b][i];
    const va = diff.values[a][i];
    if (vb === 0 && va === 0) continue;
    seen.clear();
    let leaf = true;
    for (let n = diff.sampleNode[i]; n > 0; n = diff.nodeParent[n]) {
      const name = diff.frames[diff.nodeFrame[n]].name;
      const c = get(name);
      if (leaf) {
        c.selfBefore += vb;
        c.selfAfter += va;
        leaf = false;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      c.before += vb;
      c.after += va;
    }
  }
  const all = [...byName.values()];
  for (const c of all) c.delta = c.after - c.before;
  // Callers share their callees' change: on equal change, the function whose own code
  // changed comes first.
  const self = (c: FunctionChange) => Math.abs(c.selfAfter - c.selfBefore);
  const order = (x: FunctionChange, y: FunctionChange) =>
    Math.abs(y.delta) - Math.abs(x.delta) || self(y) - self(x) || (x.name < y.name ? -1 : 1);
  const growing = all.filter((c) => c.delta > 0).sort(order);
  const shrinking = all.filter((c) => c.delta < 0).sort(order);
  return { growing: growing.slice(0, limit), shrinking: shrinking.slice(0, limit) };
}

/**
 * How much a differential profile's total grew, in percent of BASE (when BASE is 0:
 * Infinity when NEW has something, 0 when neither has).
 */
export function growthPercent(diff: Profile): number {
  const before = diff.totals.before ?? 0;
  const after = diff.totals.after ?? 0;
  return before !== 0 ? ((after - before) / before) * 100 : after > 0 ? Infinity : 0;
}

/** The growth gate of `diff --fail-on-growth`: did the total grow by more than the allowed share? */
export interface GrowthVerdict {
  ok: boolean;
  /** Growth in percent (negative: shrank; Infinity: from nothing). */
  grew: number;
  /** The allowed growth in percent. */
  allowed: number;
  /** One line for the log: "allocated grew 12.5 %: more than the allowed 10 %". */
  message: string;
}

/** A share such as `10%` or `10`, in percent; a HeapflameError for anything else. */
export function parseGrowthLimit(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) throw new HeapflameError(`--fail-on-growth takes a share such as 10%, not "${text}"`);
  return Number(m[1]);
}

export function growthVerdict(diff: Profile, label: string, allowed: number): GrowthVerdict {
  const grew = growthPercent(diff);
  const ok = grew <= allowed;
  const change = `${grew >= 0 ? 'grew' : 'shrank'} ${Number.isFinite(grew) ? `${Math.abs(grew).toFixed(1)} %` : 'from nothing'}`;
  return { ok, grew, allowed, message: `${label} ${change}: ${ok ? 'within' : 'more than'} the allowed ${allowed} %` };
}
