import { HeapflameError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';

/**
 * The program-point tree of Valgrind's dh_view for a DHAT profile, ordered and pruned by one of
 * its 14 sort metrics: stacks from the allocation function outwards, chains of only children
 * merged into one node, nodes significant by the metric's test shown, the others of a parent
 * gathered into one "[N insignificant]" node; siblings by the metric's value, then by total
 * bytes (stable: equal ones in the order their stacks first appear in the file).
 */
export interface DhatViewNode {
  /** The node's own frames, allocation side first; empty for a program point ending inside a chain. */
  frames: number[];
  /** Set on the node that gathers insignificant siblings: how many. */
  insignificant?: number;
  kids: DhatViewNode[];
  /** The node's totals of DHAT's fields: its program points' and those below it. */
  sums: Sums;
}

export interface Sums {
  tb: number;
  tbk: number;
  tl: number;
  gb: number;
  eb: number;
  rb: number;
  wb: number;
}

interface Metric {
  label: string;
  field: keyof Sums;
  needs: 'none' | 'lifetimes' | 'accesses';
  significant: (t: Sums, root: Sums, tuth: number) => boolean;
}

const ratio = (a: number, b: number) => a / b;
const readsPerByte = (t: Sums) => ratio(t.rb, t.tb);
const writesPerByte = (t: Sums) => ratio(t.wb, t.tb);

/** dh_view's sort metrics, in its menu's order (0-13). */
export const DHAT_VIEW_METRICS: Metric[] = [
  { label: 'Total (bytes)', field: 'tb', needs: 'none', significant: (t, r) => t.tb >= 0.01 * r.tb },
  { label: 'Total (blocks)', field: 'tbk', needs: 'none', significant: (t, r) => t.tbk >= 0.01 * r.tbk },
  {
    label: 'Total (blocks), tiny',
    field: 'tbk',
    needs: 'none',
    significant: (t, r) => t.tbk >= 0.005 * r.tbk && ratio(t.tb, t.tbk) <= 16,
  },
  {
    label: 'Total (blocks), short-lived',
    field: 'tbk',
    needs: 'lifetimes',
    significant: (t, r, tuth) => t.tbk >= 0.005 * r.tbk && ratio(t.tl, t.tbk) <= tuth,
  },
  {
    label: 'Total (bytes), zero reads or zero writes',
    field: 'tb',
    needs: 'accesses',
    significant: (t, r) => t.tb >= 0.005 * r.tb && (t.rb === 0 || t.wb === 0),
  },
  {
    label: 'Total (blocks), zero reads or zero writes',
    field: 'tbk',
    needs: 'accesses',
    significant: (t, r) => t.tbk >= 0.005 * r.tbk && (t.rb === 0 || t.wb === 0),
  },
  {
    label: 'Total (bytes), low-access',
    field: 'tb',
    needs: 'accesses',
    significant: (t, r) =>
      t.tb >= 0.005 * r.tb && t.rb !== 0 && t.wb !== 0 && (readsPerByte(t) <= 0.4 || writesPerByte(t) <= 0.4),
  },
  {
    label: 'Total (blocks), low-access',
    field: 'tbk',
    needs: 'accesses',
    significant: (t, r) =>
      t.tbk >= 0.005 * r.tbk && t.rb !== 0 && t.wb !== 0 && (readsPerByte(t) <= 0.4 || writesPerByte(t) <= 0.4),
  },
  { label: 'At t-gmax (bytes)', field: 'gb', needs: 'lifetimes', significant: (t, r) => t.gb >= 0.01 * r.gb },
  { label: 'At t-end (bytes)', field: 'eb', needs: 'lifetimes', significant: (t, r) => t.eb >= 0.01 * r.eb },
  { label: 'Reads (bytes)', field: 'rb', needs: 'accesses', significant: (t, r) => t.rb >= 0.01 * r.rb },
  {
    label: 'Reads (bytes), high-access',
    field: 'rb',
    needs: 'accesses',
    significant: (t, r) => t.rb >= 0.005 * r.rb && (readsPerByte(t) >= 1000 || writesPerByte(t) >= 1000),
  },
  { label: 'Writes (bytes)', field: 'wb', needs: 'accesses', significant: (t, r) => t.wb >= 0.01 * r.wb },
  {
    label: 'Writes (bytes), high-access',
    field: 'wb',
    needs: 'accesses',
    significant: (t, r) => t.wb >= 0.005 * r.wb && (readsPerByte(t) >= 1000 || writesPerByte(t) >= 1000),
  },
];

/** The costs of a DHAT profile that dh_view's fields come from (copy and ad-hoc: their own names). */
const FIELD_COSTS: Record<keyof Sums, string[]> = {
  tb: ['allocated', 'copied'],
  tbk: ['allocations', 'copies'],
  tl: ['lifetime'],
  gb: ['peak'],
  eb: ['leaked'],
  rb: ['reads'],
  wb: ['writes'],
};

interface TrieNode {
  frame: number;
  kids: TrieNode[];
  /** Kids by frame, once there are many (most nodes have one or two: a Map each would cost more than the tree). */
  byFrame?: Map<number, TrieNode>;
  sums: Sums;
}

/** The kid of `t` for `frame`, made where missing. */
function kidOf(t: TrieNode, frame: number, make: (frame: number) => TrieNode): TrieNode {
  let kid = t.byFrame ? t.byFrame.get(frame) : t.kids.find((k) => k.frame === frame);
  if (kid) return kid;
  kid = make(frame);
  t.kids.push(kid);
  if (t.byFrame) t.byFrame.set(frame, kid);
  else if (t.kids.length > 8) t.byFrame = new Map(t.kids.map((k) => [k.frame, k]));
  return kid;
}

const zero = (): Sums => ({ tb: 0, tbk: 0, tl: 0, gb: 0, eb: 0, rb: 0, wb: 0 });
const addTo = (a: Sums, b: Sums) => {
  for (const k of Object.keys(a) as (keyof Sums)[]) a[k] += b[k];
};

/** Whether dh_view offers metric `m` for this profile (it needs lifetimes or accesses). */
export function dhatViewMetricEnabled(profile: Profile, m: number): boolean {
  const needs = DHAT_VIEW_METRICS[m]?.needs;
  const has = (id: string) => profile.costs.some((c) => c.id === id);
  return needs === 'none' || (needs === 'lifetimes' && has('lifetime')) || (needs === 'accesses' && has('reads'));
}

/** Where a program point ends, in the trie of stacks. */
const END = -1;

/** The value column of each DHAT field the profile has (null where it has not). */
function fieldColumns(profile: Profile): Record<keyof Sums, Float64Array | null> {
  const columns = Object.fromEntries(
    (Object.keys(FIELD_COSTS) as (keyof Sums)[]).map((f) => {
      const c = profile.costs.findIndex((x) => FIELD_COSTS[f].includes(x.id));
      return [f, c < 0 ? null : profile.values[c]];
    }),
  ) as Record<keyof Sums, Float64Array | null>;
  // a unit-named ad-hoc file has its two costs in tb/tbk order
  if (!columns.tb && profile.costs.length >= 2) {
    columns.tb = profile.values[0];
    columns.tbk = profile.values[1];
  }
  return columns;
}

/**
 * A trie of the stacks from the allocation side (the file's frame order), program points in
 * file order; END marks where a program point ends.
 */
function stackTrie(profile: Profile, columns: Record<keyof Sums, Float64Array | null>): TrieNode {
  const newNode = (frame: number): TrieNode => ({ frame, kids: [], sums: zero() });
  const root = newNode(END);
  for (let i = 0; i < profile.sampleCount; i++) {
    const pp = zero();
    for (const f of Object.keys(pp) as (keyof Sums)[]) pp[f] = columns[f]?.[i] ?? 0;
    let t = root;
    addTo(t.sums, pp);
    const path: number[] = [];
    for (let n = profile.sampleNode[i]; n > 0; n = profile.nodeParent[n]) path.push(profile.nodeFrame[n]);
    path.push(END);
    for (const frame of path) {
      t = kidOf(t, frame, newNode);
      addTo(t.sums, pp);
    }
  }
  return root;
}

export function dhatView(profile: Profile, metric: number): DhatViewNode {
  const m = DHAT_VIEW_METRICS[metric];
  if (!m)
    throw new HeapflameError(
      `no dh_view sort metric ${metric} (there are ${DHAT_VIEW_METRICS.length}, 0 to ${DHAT_VIEW_METRICS.length - 1})`,
    );
  if (profile.meta.format !== 'dhat')
    throw new HeapflameError(`dh_view's tree is for DHAT profiles (this one is ${profile.meta.format})`);
  const root = stackTrie(profile, fieldColumns(profile));

  // 2. Radix nodes: a chain of only children is one node. Built in pre-order with a stack of
  //    their own (stacks can be 100 000 frames deep), so children come after their parents.
  type Radix = { frames: number[]; sums: Sums; kids: Radix[] };
  const radix = (start: TrieNode): { node: Radix; rest: TrieNode[] } => {
    const frames: number[] = [];
    let t = start;
    if (t.frame !== END) frames.push(t.frame);
    while (t.kids.length === 1 && t.kids[0].frame !== END) {
      t = t.kids[0];
      frames.push(t.frame);
    }
    return { node: { frames, sums: start.sums, kids: [] }, rest: t.kids.length === 1 ? [] : t.kids };
  };
  const preorder: Radix[] = [];
  const tree = radix(root).node;
  const pending: { trie: TrieNode; parent: Radix }[] = radix(root).rest.map((trie) => ({ trie, parent: tree }));
  preorder.push(tree);
  for (let i = 0; i < pending.length; i++) {
    const { node, rest } = radix(pending[i].trie);
    pending[i].parent.kids.push(node);
    preorder.push(node);
    for (const trie of rest) pending.push({ trie, parent: node });
  }

  // 3. Significance (children before parents: the reverse of the pre-order), then the display
  //    order with insignificant siblings gathered.
  const tuth = profile.meta.shortLivedBelow ?? 0;
  const sig = new Map<Radix, 'self' | 'desc' | 'none'>();
  for (let i = preorder.length - 1; i >= 0; i--) {
    const t = preorder[i];
    const below = t.kids.some((k) => sig.get(k) !== 'none');
    sig.set(t, m.significant(t.sums, tree.sums, tuth) ? 'self' : below ? 'desc' : 'none');
  }
  const cmp = (a: { sums: Sums }, b: { sums: Sums }) => b.sums[m.field] - a.sums[m.field] || b.sums.tb - a.sums.tb;
  const shown = new Map<Radix, DhatViewNode>();
  shown.set(tree, { frames: tree.frames, kids: [], sums: tree.sums });
  for (const t of preorder) {
    // the root, and every node its parent kept (a parent comes first); gathered ones are not shown
    const node = shown.get(t);
    if (!node) continue;
    let gathered: DhatViewNode | null = null;
    for (const k of t.kids) {
      if (sig.get(k) !== 'none') {
        const kid: DhatViewNode = { frames: k.frames, kids: [], sums: k.sums };
        shown.set(k, kid);
        node.kids.push(kid);
      } else {
        if (!gathered) {
          gathered = { frames: [], insignificant: 0, kids: [], sums: zero() };
          node.kids.push(gathered);
        }
        gathered.insignificant!++;
        addTo(gathered.sums, k.sums);
      }
    }
    node.kids.sort(cmp);
  }
  return shown.get(tree)!;
}
