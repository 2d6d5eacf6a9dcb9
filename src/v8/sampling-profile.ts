import { fileURLToPath } from 'node:url';
import { ProfileBuilder } from '../model/builder.js';
import type { CostInfo, Frame, Profile, ProfileMeta } from '../model/profile.js';

/**
 * V8's sampling heap profile (inspector `HeapProfiler.getSamplingProfile`, `node --heap-prof`
 * files, Node 26's `v8.startHeapProfile`): a call tree whose nodes carry a call frame, and
 * samples `{size, nodeId, ordinal}` where `size` is already scaled to the bytes the sample
 * stands for. Frames are per function (V8 keys them by function start), not per line.
 */
export interface V8CallFrame {
  functionName: string;
  url: string;
  scriptId?: string | number;
  /** 0-based, the function's start. */
  lineNumber: number;
  columnNumber: number;
}

export interface V8ProfileNode {
  callFrame: V8CallFrame;
  id: number;
  selfSize?: number;
  children?: V8ProfileNode[];
}

export interface V8Sample {
  size: number;
  nodeId: number;
  ordinal?: number;
  /** Node 26's v8.startHeapProfile: the object was alive when the profile stopped. */
  isLive?: boolean;
}

export interface V8SamplingProfile {
  head: V8ProfileNode;
  samples?: V8Sample[];
}

/** A V8 call frame as a heapflame frame: file paths rather than file URLs, 1-based lines. */
const pathOfUrl = new Map<string, string>();

export function frameOfV8(cf: V8CallFrame): Frame {
  const url = cf.url ?? '';
  let file = pathOfUrl.get(url);
  if (file === undefined) {
    file = url;
    if (url.startsWith('file://')) {
      try {
        file = fileURLToPath(url);
      } catch {
        // keep the URL as given
      }
    }
    if (pathOfUrl.size < 10_000) pathOfUrl.set(url, file);
  }
  return {
    name: cf.functionName || '(anonymous)',
    file,
    line: Number.isInteger(cf.lineNumber) && cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0,
    module: '',
    address: '',
    inlined: false,
  };
}

/** A function of V8's own: no script, and not one of V8's pseudo-frames such as "(program)". */
function isBuiltin(cf: V8CallFrame): boolean {
  return !cf.url && !!cf.functionName && !cf.functionName.startsWith('(');
}

/**
 * Builds profiles from V8 trees: one builder takes several trees (say, the profile at the heap
 * peak and the one at exit) and several sample sets, each set into its own cost column.
 * Node ids are per tree; stacks are merged by frame across trees.
 */
export class V8ProfileBuilder {
  readonly builder: ProfileBuilder;
  private unknownNode = -1;
  private perNode = new Map<number, number[]>();
  /** Frame ids by V8 call frame (see frameId). */
  private frameIds = new Map<string, number>();

  /**
   * `mapCallFrame` may move a frame to its original source (a source map: TypeScript run
   * through tsx or compiled with source maps). With `chargeBuiltinsToCaller`, frames of V8's
   * own functions (no script: `Uint8Array`, `Promise`, `JSON.parse`) are left out and what
   * they allocate is charged to the JavaScript function that called them, as heaptrack
   * charges the caller of malloc: Node 26 shows them where Node 20 did not.
   */
  constructor(
    readonly costs: CostInfo[],
    private readonly mapCallFrame: (cf: V8CallFrame) => V8CallFrame = (cf) => cf,
    private readonly options: { chargeBuiltinsToCaller?: boolean } = {},
  ) {
    this.builder = new ProfileBuilder(costs);
  }

  /**
   * Adds `samples` of `profile` to cost column `column`, summed per stack. `skip` drops a
   * sample whose stack holds a frame it matches (the recorder's own inspector traffic).
   */
  addSamples(
    profile: V8SamplingProfile,
    samples: Iterable<V8Sample>,
    column: number,
    skip?: (f: V8CallFrame) => boolean,
  ): number {
    return this.addSampleSets(profile, [{ samples, column }], skip)[0];
  }

  /**
   * Several sets of one profile's samples, each into its column, the tree walked once (a
   * recorder's window gives all, the dead and the alive; walking its tree three times cost
   * 0.25 s at a compile's exit). Returns each set's total.
   */
  addSampleSets(
    profile: V8SamplingProfile,
    sets: { samples: Iterable<V8Sample>; column: number }[],
    skip?: (f: V8CallFrame) => boolean,
  ): number[] {
    const nodeOf = this.index(profile.head, skip);
    return sets.map(({ samples, column }) => this.addIndexed(nodeOf, samples, column));
  }

  private addIndexed(nodeOf: Map<number, number>, samples: Iterable<V8Sample>, column: number): number {
    let total = 0;
    for (const s of samples) {
      let n = nodeOf.get(s.nodeId);
      if (n === undefined) {
        // a sample may name a node missing from the tree (seen in real profiles)
        if (this.unknownNode < 0)
          this.unknownNode = this.builder.child(
            0,
            this.builder.internFrame(
              frameOfV8({ functionName: '(unknown stack)', url: '', lineNumber: -1, columnNumber: -1 }),
            ),
          );
        n = this.unknownNode;
      }
      if (n === -1) continue;
      this.valuesOf(n)[column] += s.size;
      total += s.size;
    }
    return total;
  }

  /** The values of a stack: every cost of one stack is one sample of the profile. */
  private valuesOf(node: number): number[] {
    let values = this.perNode.get(node);
    if (!values) {
      values = this.costs.map(() => 0);
      this.perNode.set(node, values);
    }
    return values;
  }

  /** The profile: one sample per stack, in the order stacks were first seen. */
  build(meta: ProfileMeta, warnings: string[], extra: Partial<Profile> = {}): Profile {
    for (const [node, values] of this.perNode) this.builder.addSample(node, values);
    this.perNode.clear();
    const totals: Record<string, number> = {};
    const profile = this.builder.build(meta, totals, warnings, extra);
    for (let c = 0; c < profile.costs.length; c++)
      totals[profile.costs[c].id] = profile.values[c].reduce((a, b) => a + b, 0);
    return profile;
  }

  /** One sample of `value` in cost column `column` for a stack given root first. */
  addStack(frames: Frame[], column: number, value: number): void {
    let node = 0;
    for (const f of frames) node = this.builder.child(node, this.builder.internFrame(f));
    this.valuesOf(node)[column] += value;
  }

  /** V8 node id → builder node (-1: under a skipped frame); the tree's root is the root. */
  private index(head: V8ProfileNode, skip?: (f: V8CallFrame) => boolean): Map<number, number> {
    const nodeOf = new Map<number, number>([[head.id, 0]]);
    // a stack of (V8 node, builder parent) pairs in two arrays: no pair object per node
    const pending: V8ProfileNode[] = [...(head.children ?? [])];
    const parents: number[] = pending.map(() => 0);
    const builtinsToCaller = this.options.chargeBuiltinsToCaller === true;
    while (pending.length) {
      const v8node = pending.pop()!;
      const parent = parents.pop()!;
      const cf = v8node.callFrame;
      let node = -1;
      if (parent > 0 && builtinsToCaller && isBuiltin(cf)) node = parent;
      else if (parent !== -1 && !skip?.(cf)) node = this.builder.child(parent, this.frameId(cf));
      nodeOf.set(v8node.id, node);
      for (const c of v8node.children ?? []) {
        pending.push(c);
        parents.push(node);
      }
    }
    return nodeOf;
  }

  /**
   * The builder's frame of a V8 call frame. V8 repeats a function's frame in every node it
   * appears in (a compile's window: 130 k nodes, 2 k functions): each is mapped, converted and
   * interned once, by all it is made of.
   */
  private frameId(cf: V8CallFrame): number {
    const key = `${cf.url}\t${cf.lineNumber}\t${cf.columnNumber}\t${cf.functionName}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.builder.internFrame(frameOfV8(this.mapCallFrame(cf)));
      this.frameIds.set(key, id);
    }
    return id;
  }
}
