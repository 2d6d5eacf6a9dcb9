import { type CostId, costIndex, type Frame, type Profile, ROOT_NODE } from '../model/profile.js';

/**
 * What a profile says first: the places that hold most of each problem cost, ranked by what
 * needs a fix most (memory never freed, tasks left running, churn, the peak, then volume).
 * Pure data: reports render it (text, JSON, HTML), so CI and people see one truth.
 */
export interface Finding {
  kind: FindingKind;
  cost: CostId;
  /** The function it is charged to (see placesOf), at the line of its largest stack. */
  frame: number;
  /** Its value of the cost, and its share (0-1) of the cost's total. */
  value: number;
  share: number;
  /** The cost's total over the profile. */
  total: number;
  /** Its largest stack (a node), for a view to open on. */
  node: number;
}

export type FindingKind = 'leak' | 'tasks' | 'temporary' | 'peak' | 'inuse' | 'allocated';

/** Costs that are problems, in the order they are ranked, by the kind of finding they make. */
const PROBLEM_COSTS: [CostId, FindingKind][] = [
  ['leaked', 'leak'],
  ['tasks', 'tasks'],
  ['temporary', 'temporary'],
  ['peak', 'peak'],
  ['inuse', 'inuse'],
  ['allocated', 'allocated'],
];

export interface FindingOptions {
  /** Places per cost at most (default 2): the top one, and others holding at least `minShare`. */
  perCost?: number;
  /** Share of a cost's total a place beyond the first must hold (default 0.1). */
  minShare?: number;
}

export function findings(profile: Profile, options: FindingOptions = {}): Finding[] {
  const perCost = options.perCost ?? 2;
  const minShare = options.minShare ?? 0.1;
  const out: Finding[] = [];
  const charged = chargedFrames(profile);
  const functionKey = profile.frames.map((f) => `${f.name}\0${f.file}\0${f.module}`);
  const namesCode = profile.frames.map((f) => f.file !== '' || isProgramFrame(f));
  for (const [cost, kind] of PROBLEM_COSTS) {
    const c = costIndex(profile, cost);
    if (c < 0) continue;
    const places = placesOf(profile, c, charged, functionKey);
    const total = places.total;
    if (!(total > 0)) continue;
    // a place that names no code (V8's "(unknown stack)", a task without its creator) cannot
    // be fixed: it ranks after every place that does, and still counts in the total
    const ranked = places.list.filter((p) => namesCode[p.frame]);
    ranked.push(...places.list.filter((p) => !namesCode[p.frame]));
    ranked.slice(0, perCost).forEach((p, i) => {
      const share = p.value / total;
      if (p.value > 0 && (i === 0 || share >= minShare)) out.push({ kind, cost, ...p, share, total });
    });
  }
  return out;
}

/**
 * The cost summed per charged function, largest first. A stack is charged to its innermost
 * frame of the program's own (see isProgramFrame), since the place to fix is there; a
 * function's frames at different lines count as one place.
 */
function placesOf(
  profile: Profile,
  c: number,
  charged: Int32Array,
  functionKey: string[],
): { total: number; list: { frame: number; value: number; node: number }[] } {
  const column = profile.values[c];
  const byFunction = new Map<string, { frame: number; value: number; node: number; largest: number }>();
  let total = 0;
  for (let i = 0; i < profile.sampleCount; i++) {
    const v = column[i];
    total += v;
    const node = profile.sampleNode[i];
    if (v <= 0 || node === ROOT_NODE) continue;
    const frame = charged[node];
    const key = functionKey[frame];
    const place = byFunction.get(key);
    if (!place) byFunction.set(key, { frame, value: v, node, largest: v });
    else {
      place.value += v;
      // the function's largest stack names its line
      if (v > place.largest) Object.assign(place, { largest: v, node, frame });
    }
  }
  const list = [...byFunction.values()].sort((a, b) => b.value - a.value || a.frame - b.frame);
  return { total, list: list.map(({ frame, value, node }) => ({ frame, value, node })) };
}

/** Sources and libraries of toolchains and runtimes: Rust's std, the system's, Node's internals. */
const NOT_THE_PROGRAM =
  /^(\/rustc\/|\/usr\/(include|lib|lib64|src|share)\/|\/lib(64)?\/|\/build\/glibc|node:|internal\/)/;

/**
 * A frame of the program's own: named, not in a toolchain's or runtime's sources or libraries
 * (Rust's std, C and C++ headers, libc, Node's internals), and not a frame without a file that
 * only names something — a forgotten task (`[Interval]`) or a V8 pseudo-frame (`(program)`).
 */
function isProgramFrame(f: Frame): boolean {
  if (!f.name || NOT_THE_PROGRAM.test(f.file) || NOT_THE_PROGRAM.test(f.module)) return false;
  return f.file !== '' || !/^[[(].*[\])]$/.test(f.name);
}

/**
 * For every node, the frame its stacks are charged to: the innermost frame of the program's
 * own with a source file; where the path has none, its innermost frame of the program's own
 * without one (code run without a script URL, binaries without debug information: a builtin
 * without a file cannot be told from them, so frames with files come first); else the
 * innermost frame with a file; else the leaf. One pass over the nodes, parents first (a walk
 * up from every sample would be quadratic on deep stacks).
 */
function chargedFrames(profile: Profile): Int32Array {
  const count = profile.nodeCount;
  // each frame's class, best first: 0 the program's with a file, 1 the program's without, 2
  // another with a file, 3 none of these
  const frameClass = new Uint8Array(profile.frames.length);
  profile.frames.forEach((f, id) => {
    const program = isProgramFrame(f);
    const hasFile = f.file !== '';
    frameClass[id] = program && hasFile ? 0 : program ? 1 : hasFile ? 2 : 3;
  });
  // the innermost frame of the best class on the path is the one charged: a node's own frame
  // when its class is as good as the best above it, else what its parent was charged
  const charged = new Int32Array(count).fill(-1);
  const rank = new Uint8Array(count);
  rank[ROOT_NODE] = 3;
  for (let n = 1; n < count; n++) {
    const p = profile.nodeParent[n];
    const frame = profile.nodeFrame[n];
    const c = frameClass[frame];
    if (c <= rank[p]) {
      charged[n] = frame;
      rank[n] = c;
    } else {
      charged[n] = charged[p];
      rank[n] = rank[p];
    }
  }
  return charged;
}
