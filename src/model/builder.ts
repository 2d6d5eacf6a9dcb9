import { grown } from './typed-arrays.js';
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
   * Nodes side by side as [parent, frame, child]: `child` is the only child's id, 0 for none
   * (the root is nobody's child), or -1 when there are several and they are in `slots`. Most
   * nodes of a large tree have at most one child, so a lookup reads the parent's own record
   * and a new chain of nodes is written in sequence, with no hash probe that misses the cache.
   */
  private nodes = new Int32Array(1024 * 3);
  private nodeCount = 1;
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
    this.nodes[0] = -1;
    this.nodes[1] = -1;
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

  /** Child of `parent` for `frameId`, created on first use. */
  child(parent: number, frameId: number): number {
    const only = this.nodes[parent * 3 + 2];
    if (only === 0) {
      const id = this.addNode(parent, frameId);
      this.nodes[parent * 3 + 2] = id;
      return id;
    }
    if (only > 0) {
      const onlyFrame = this.nodes[only * 3 + 1];
      if (onlyFrame === frameId) return only;
      // a second child: from now on the children of `parent` are found through the table
      this.nodes[parent * 3 + 2] = -1;
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
    if (id * 3 >= this.nodes.length) this.nodes = grown(this.nodes);
    const o = id * 3;
    this.nodes[o] = parent;
    this.nodes[o + 1] = frameId;
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
      this.sampleNode = grown(this.sampleNode);
      this.values = this.values.map((v) => grown(v));
    }
    this.sampleNode[i] = node;
    for (let c = 0; c < this.values.length; c++) this.values[c][i] = values[c] ?? 0;
    return i;
  }

  build(meta: ProfileMeta, totals: Record<string, number>, warnings: string[], extra: Partial<Profile> = {}): Profile {
    return {
      meta,
      costs: this.costs,
      ...this.tree(),
      sampleNode: this.sampleNode.slice(0, this.sampleCount),
      values: this.values.map((v) => v.slice(0, this.sampleCount)),
      sampleCount: this.sampleCount,
      totals,
      warnings,
      ...extra,
    };
  }

  /** The frames and the stack tree built so far, as the profile holds them. */
  tree(): StackTree {
    const nodeParent = new Int32Array(this.nodeCount);
    const nodeFrame = new Int32Array(this.nodeCount);
    for (let n = 0, o = 0; n < this.nodeCount; n++, o += 3) {
      nodeParent[n] = this.nodes[o];
      nodeFrame[n] = this.nodes[o + 1];
    }
    return { frames: this.frames, nodeParent, nodeFrame, nodeCount: this.nodeCount };
  }
}
