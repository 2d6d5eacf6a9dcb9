import { ProfileBuilder } from '../../model/builder.js';
import { type HeapGraph, HeapNames, type Retention } from '../../model/heap-graph.js';
import type { CostInfo, Profile } from '../../model/profile.js';
import { grown } from '../../model/typed-arrays.js';
import { heapClasses } from './classes.js';

export const SNAPSHOT_COSTS: CostInfo[] = [
  {
    id: 'retained',
    unit: 'bytes',
    label: 'retained bytes',
    description:
      "Bytes that would be freed if the object went: its own size (the frame's self) and everything only it keeps alive (the frame's total).",
  },
  {
    id: 'objects',
    unit: 'count',
    label: 'objects',
    description: 'Objects in the heap snapshot, under the chain of objects that keep them alive.',
  },
];

/**
 * The dominator tree as a call tree: an object's "stack" is the chain of objects that keep
 * it alive, from the root; its frame names the class (constructor, closure, or a kind such
 * as "(string)") and the reference through which its shortest path reaches it
 * (`sessionCache → Map`). Objects with the same frame under one holder are one node, so the
 * tree grows with distinct chains, not objects: every view of call trees works on it.
 *
 * A chain of one frame (a linked list's `next → Node`) is one node, as flame graphs fold
 * recursion; past MAX_CHAIN holders, objects count at the last one shown (a warning says so),
 * since every stack format lists whole stacks: a 100,000-long chain would be 5·10⁹ frames.
 */
export function profileOfSnapshot(g: HeapGraph, r: Retention, warnings: string[], toolVersion?: string): Profile {
  const builder = new ProfileBuilder(SNAPSHOT_COSTS);
  const frames = new FrameNames(g, builder);
  const treeNode = new Int32Array(g.nodeCount);
  const tree = new TreeColumns();
  let cut = 0;
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    const parent = treeNode[r.dominator[n]];
    const frame = frames.of(n, r.pathEdge[n]);
    let ct = parent;
    if (parent !== 0 && tree.frame[parent] === frame) ct = parent;
    else if (tree.depth[parent] >= MAX_CHAIN) cut++;
    else ct = tree.node(builder.child(parent, frame), frame, tree.depth[parent] + 1);
    treeNode[n] = ct;
    tree.bytes[ct] += g.selfSize[n];
    tree.objects[ct]++;
  }
  for (let ct = 1; ct < tree.used; ct++)
    if (tree.objects[ct] > 0) builder.addSample(ct, [tree.bytes[ct], tree.objects[ct]]);
  if (cut)
    warnings.push(`${cut} objects are held by chains over ${MAX_CHAIN} deep: they count at the ${MAX_CHAIN}th holder`);
  const profile = builder.build(
    { format: 'heapsnapshot', toolVersion, memoryEvents: true },
    { retained: r.retained[0], objects: r.order.length - 1 },
    warnings,
  );
  profile.heap = { classes: heapClasses(g, r) };
  return profile;
}

/** Holders shown in a chain at most (see profileOfSnapshot). */
export const MAX_CHAIN = 1024;

/** Per call-tree node: its frame and depth, and the bytes and objects charged to it. */
class TreeColumns {
  frame = new Int32Array(1024).fill(-1);
  depth = new Int32Array(1024);
  bytes = new Float64Array(1024);
  objects = new Float64Array(1024);
  used = 1;

  node(ct: number, frame: number, depth: number): number {
    if (ct >= this.frame.length) {
      this.frame = grown(this.frame, ct + 1);
      this.depth = grown(this.depth, ct + 1);
      this.bytes = grown(this.bytes, ct + 1);
      this.objects = grown(this.objects, ct + 1);
    }
    this.frame[ct] = frame;
    this.depth[ct] = depth;
    this.used = Math.max(this.used, ct + 1);
    return ct;
  }
}

/** Frames by (reference name, class name), interned once each. */
class FrameNames {
  private readonly cache = new Map<number, number>();
  private readonly names: HeapNames;

  constructor(
    g: HeapGraph,
    private readonly builder: ProfileBuilder,
  ) {
    this.names = new HeapNames(g);
  }

  of(node: number, edge: number): number {
    const key = this.names.stepKey(node, edge);
    let id = this.cache.get(key);
    if (id === undefined) {
      const name = this.names.stepLabel(node, edge);
      id = this.builder.internFrame({ name, file: '', line: 0, module: '', address: '', inlined: false });
      this.cache.set(key, id);
    }
    return id;
  }
}
