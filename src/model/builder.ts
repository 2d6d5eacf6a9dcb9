import { grown, grownOwned, release, SPARSE_GROWTH } from './typed-arrays.js';
import { hashPair } from './hash-tables.js';
import { type CostInfo, type Frame, type Profile, type ProfileMeta, frameKey, ROOT_NODE } from './profile.js';

export type StackTree = Pick<Profile, 'frames' | 'nodeParent' | 'nodeFrame' | 'nodeCount'>;

/**
 * Shared builder for importers: interns frames and stack nodes, collects samples into typed
 * arrays that grow by doubling (no object per sample).
 */
export class ProfileBuilder {
  readonly frames: Frame[] = [];
  private frameIds = new Map<string, number>();
  /**
   * Each node's parent and frame, and `nodeChild`: the only child's id, 0 for none (the root is
   * nobody's child), or -1 when there are several and they are in `slots`. Most nodes of a
   * large tree have at most one child, so a lookup reads the parent's own entry and a new chain
   * of nodes is written in sequence, with no hash probe that misses the cache. The profile
   * takes the parent and frame arrays as they are (no copy: memory is time on large trees).
   */
  private nodeParent = new Int32Array(1024);
  private nodeFrame = new Int32Array(1024);
  private nodeChild = new Int32Array(1024);
  private nodeCount = 1;
  /** tree() has handed out views of nodeParent and nodeFrame. */
  private shared = false;
  /** build() was called: children can no longer be looked up. */
  private built = false;
  /**
   * Open-addressing table of the children of nodes with several, each slot [parent, frame,
   * id + 1] side by side so that a probe reads one cache line.
   */
  private slots = new Int32Array(4096 * 3);
  private slotCount = 4096;
  private slotsUsed = 0;
  private sampleNode = new Int32Array(1024);
  private values: Float64Array<ArrayBuffer>[];
  private sampleCount = 0;

  constructor(readonly costs: CostInfo[]) {
    this.nodeParent[0] = -1;
    this.nodeFrame[0] = -1;
    this.values = costs.map(() => new Float64Array(1024));
  }

  /**
   * The id of `frame`, added when new. Frames that print alike are one frame; `key` keeps apart
   * frames a format keeps apart (DHAT: one frame per frame-table entry, address included).
   */
  internFrame(frame: Frame, key = frameKey(frame)): number {
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push(frame);
      this.frameIds.set(key, id);
    }
    return id;
  }

  /**
   * Puts `frame` in place of the one interned under `key`, its id kept: a frame learnt better
   * late (the recorder's window thread gets a loader's source maps only at exit). Should the
   * new frame print like another, the two stay apart.
   */
  replaceFrame(key: string, frame: Frame): void {
    const id = this.frameIds.get(key);
    if (id === undefined) return;
    this.frames[id] = frame;
    this.frameIds.delete(key);
    const newKey = frameKey(frame);
    if (!this.frameIds.has(newKey)) this.frameIds.set(newKey, id);
  }

  /** Child of `parent` for `frameId`, created on first use. */
  child(parent: number, frameId: number): number {
    if (this.built) throw new Error('ProfileBuilder: the tree was built; no more nodes can be added');
    const only = this.nodeChild[parent];
    if (only === 0) {
      const id = this.addNode(parent, frameId);
      this.nodeChild[parent] = id;
      return id;
    }
    if (only > 0) {
      const onlyFrame = this.nodeFrame[only];
      if (onlyFrame === frameId) return only;
      // a second child: from now on the children of `parent` are found through the table
      this.nodeChild[parent] = -1;
      this.index(parent, onlyFrame, only);
      const id = this.addNode(parent, frameId);
      this.index(parent, frameId, id);
      return id;
    }
    const slots = this.slots;
    const mask = this.slotCount - 1;
    let i = hashPair(parent, frameId) & mask;
    for (;;) {
      const o = i * 3;
      const stored = slots[o + 2];
      if (stored === 0) break;
      if (slots[o] === parent && slots[o + 1] === frameId) return stored - 1;
      i = (i + 1) & mask;
    }
    const id = this.addNode(parent, frameId);
    this.index(parent, frameId, id);
    return id;
  }

  private addNode(parent: number, frameId: number): number {
    const id = this.nodeCount++;
    if (id >= this.nodeParent.length) {
      // (once tree() has handed out views of the arrays, they are copied, not moved)
      const grow = this.shared ? grown : grownOwned;
      this.nodeParent = grow(this.nodeParent, id + 1, SPARSE_GROWTH);
      this.nodeFrame = grow(this.nodeFrame, id + 1, SPARSE_GROWTH);
      this.nodeChild = grownOwned(this.nodeChild, id + 1, SPARSE_GROWTH);
    }
    this.nodeParent[id] = parent;
    this.nodeFrame[id] = frameId;
    return id;
  }

  private index(parent: number, frameId: number, id: number): void {
    // up to 70 % full: the slots are three words, so a lower load would cost much memory
    if (++this.slotsUsed * 10 > this.slotCount * 7) this.rehash();
    const slots = this.slots;
    const mask = this.slotCount - 1;
    let i = hashPair(parent, frameId) & mask;
    while (slots[i * 3 + 2] !== 0) i = (i + 1) & mask;
    slots[i * 3] = parent;
    slots[i * 3 + 1] = frameId;
    slots[i * 3 + 2] = id + 1;
  }

  private rehash(): void {
    const old = this.slots;
    this.slotCount *= 2;
    const slots = new Int32Array(this.slotCount * 3);
    const mask = this.slotCount - 1;
    for (let o = 0; o < old.length; o += 3) {
      if (old[o + 2] === 0) continue;
      let i = hashPair(old[o], old[o + 1]) & mask;
      while (slots[i * 3 + 2] !== 0) i = (i + 1) & mask;
      slots[i * 3] = old[o];
      slots[i * 3 + 1] = old[o + 1];
      slots[i * 3 + 2] = old[o + 2];
    }
    this.slots = slots;
  }

  /** Node for a whole stack given root first. */
  stack(frameIds: readonly number[]): number {
    let node = ROOT_NODE;
    for (const f of frameIds) node = this.child(node, f);
    return node;
  }

  addSample(node: number, values: ArrayLike<number>): number {
    const i = this.sampleCount++;
    if (i >= this.sampleNode.length) {
      const grow = this.shared ? grown : grownOwned;
      this.sampleNode = grow(this.sampleNode);
      this.values = this.values.map((v) => grow(v));
    }
    this.sampleNode[i] = node;
    for (let c = 0; c < this.values.length; c++) this.values[c][i] = values[c] ?? 0;
    return i;
  }

  /**
   * Takes whole sample arrays instead of adding samples one by one (an importer that has its
   * costs in columns already): no copy is made.
   */
  setSamples(sampleNode: Int32Array<ArrayBuffer>, values: Float64Array<ArrayBuffer>[]): void {
    if (values.length !== this.values.length || values.some((v) => v.length !== sampleNode.length))
      throw new RangeError('setSamples: one column per cost, each as long as sampleNode');
    this.sampleNode = sampleNode;
    this.values = values;
    this.sampleCount = sampleNode.length;
  }

  build(meta: ProfileMeta, totals: Record<string, number>, warnings: string[], extra: Partial<Profile> = {}): Profile {
    // The lookups of children are done with: their memory back now, for what follows the
    // import (a compiler's recording: 1.6 M nodes, 40 MB).
    this.built = true;
    for (const a of [this.nodeChild, this.slots]) release(a);
    this.nodeChild = new Int32Array(0);
    this.slots = new Int32Array(0);
    return {
      meta,
      costs: this.costs,
      ...this.tree(),
      // views, not copies: the arrays' unused ends were never written, so they take no memory
      sampleNode: this.sampleNode.subarray(0, this.sampleCount),
      values: this.values.map((v) => v.subarray(0, this.sampleCount)),
      sampleCount: this.sampleCount,
      totals,
      warnings,
      ...extra,
    };
  }

  /** The frames and the stack tree built so far, as the profile holds them. */
  tree(): StackTree {
    this.shared = true;
    return {
      frames: this.frames,
      nodeParent: this.nodeParent.subarray(0, this.nodeCount),
      nodeFrame: this.nodeFrame.subarray(0, this.nodeCount),
      nodeCount: this.nodeCount,
    };
  }
}
