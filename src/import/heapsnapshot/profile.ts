import { ProfileBuilder } from '../../model/builder.js';
import { type HeapGraph, HeapNames, type Retention } from '../../model/heap-graph.js';
import type { CostInfo, HeapClass, Profile } from '../../model/profile.js';
import { grown, releasedInt32 } from '../../model/typed-arrays.js';
import { ClassTable } from './classes.js';

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
  const names = new HeapNames(g);
  const frames = new FrameNames(names, builder);
  const treeNode = releasedInt32(g.nodeCount);
  const tree = new TreeColumns();
  const classes = new ClassTable(names);
  let cut = 0;
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    const parent = treeNode[r.dominator[n]];
    const frame = frames.of(n, r.pathEdge[n]);
    let ct = parent;
    if (parent !== 0 && tree.frame[parent] === frame) ct = parent;
    else if (tree.depth[parent] >= MAX_CHAIN) {
      cut++;
      cutToClass(classes, names, n, g.selfSize[n], frames.classKey[tree.frame[parent]], tree.example[parent]);
    } else {
      ct = tree.node(builder.child(parent, frame), frame, parent, n);
      // not inside an object of its own frame (and so class): what it retains may count for its class
      tree.outerRetained[ct] += r.retained[n];
    }
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
  profile.heap = { classes: classesOfTree(tree, frames, classes) };
  return profile;
}

/**
 * An object past MAX_CHAIN counts at the last holder shown, in that frame's class: for the
 * class table it moves to its own class (what it retains is not counted: a chain that deep
 * is taken as one of its class's).
 */
function cutToClass(classes: ClassTable, names: HeapNames, n: number, self: number, holderKey: number, holder: number) {
  const own = classes.index(names.stepKey(n, -1), n);
  const shown = classes.index(holderKey, holder);
  classes.objects[own]++;
  classes.self[own] += self;
  classes.objects[shown]--;
  classes.self[shown] -= self;
}

/**
 * The class table from the tree: a frame names one class, so a tree node's objects are of its
 * frame's class; those that joined it from their holder's node (not folded into a node of
 * their own frame) count what they retain for their class unless a node above is of the same
 * class. (Tree depth is at most MAX_CHAIN: the walk up is bounded.)
 */
function classesOfTree(tree: TreeColumns, frames: FrameNames, classes: ClassTable): HeapClass[] {
  const ctClass = new Int32Array(tree.used);
  for (let ct = 1; ct < tree.used; ct++) {
    const c = (ctClass[ct] = classes.index(frames.classKey[tree.frame[ct]], tree.example[ct]));
    classes.objects[c] += tree.objects[ct];
    classes.self[c] += tree.bytes[ct];
    let nested = false;
    for (let a = tree.parent[ct]; a > 0 && !nested; a = tree.parent[a]) nested = ctClass[a] === c;
    if (!nested) classes.retained[c] += tree.outerRetained[ct];
  }
  return classes.list();
}

/** Holders shown in a chain at most (see profileOfSnapshot). */
export const MAX_CHAIN = 1024;

/** Per call-tree node: its frame, parent, depth and first object, and what is charged to it. */
class TreeColumns {
  frame = new Int32Array(1024).fill(-1);
  parent = new Int32Array(1024);
  depth = new Int32Array(1024);
  example = new Int32Array(1024);
  bytes = new Float64Array(1024);
  objects = new Float64Array(1024);
  /** What its objects retain, those folded into it (inside one of their frame) left out. */
  outerRetained = new Float64Array(1024);
  used = 1;

  node(ct: number, frame: number, parent: number, example: number): number {
    if (ct >= this.frame.length) {
      this.frame = grown(this.frame, ct + 1);
      this.parent = grown(this.parent, ct + 1);
      this.depth = grown(this.depth, ct + 1);
      this.example = grown(this.example, ct + 1);
      this.bytes = grown(this.bytes, ct + 1);
      this.objects = grown(this.objects, ct + 1);
      this.outerRetained = grown(this.outerRetained, ct + 1);
    }
    if (ct >= this.used) {
      this.frame[ct] = frame;
      this.parent[ct] = parent;
      this.depth[ct] = this.depth[parent] + 1;
      this.example[ct] = example;
      this.used = ct + 1;
    }
    return ct;
  }
}

/** Frames by (reference name, class name), interned once each, with each frame's class key. */
class FrameNames {
  private readonly cache = new Map<number, number>();
  /** Per frame: its class as HeapNames.stepKey without the reference. */
  readonly classKey: number[] = [];

  constructor(
    private readonly names: HeapNames,
    private readonly builder: ProfileBuilder,
  ) {}

  of(node: number, edge: number): number {
    const key = this.names.stepKey(node, edge);
    let id = this.cache.get(key);
    if (id === undefined) {
      const name = this.names.stepLabel(node, edge);
      id = this.builder.internFrame({ name, file: '', line: 0, module: '', address: '', inlined: false });
      this.cache.set(key, id);
      this.classKey[id] = this.names.stepKey(node, -1);
    }
    return id;
  }
}
