import { grown } from './typed-arrays.js';
import { hashPair } from './hash-tables.js';
import { type CostInfo, type Frame, type Profile, type ProfileMeta, frameKey, ROOT_NODE } from './profile.js';

/**
 * Shared builder for importers: interns frames and stack nodes, collects samples into typed
 * arrays that grow by doubling (no object per sample).
 */
export class ProfileBuilder {
  readonly frames: Frame[] = [];
  private frameIds = new Map<string, number>();
  /** Open-addressing table of node ids keyed by (parent, frame), checked against the node arrays. */
  private slots = new Int32Array(4096).fill(-1);
  private nodeParent = new Int32Array(1024);
  private nodeFrame = new Int32Array(1024);
  private nodeCount = 1;
  private sampleNode = new Int32Array(1024);
  private values: Float64Array<ArrayBuffer>[];
  private sampleCount = 0;

  constructor(readonly costs: CostInfo[]) {
    this.nodeParent[0] = -1;
    this.nodeFrame[0] = -1;
    this.values = costs.map(() => new Float64Array(1024));
  }

  internFrame(frame: Frame): number {
    const key = frameKey(frame);
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
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = hashPair(parent, frameId) & mask;
    let id: number;
    while ((id = slots[i]) >= 0) {
      if (this.nodeParent[id] === parent && this.nodeFrame[id] === frameId) return id;
      i = (i + 1) & mask;
    }
    id = this.nodeCount++;
    if (id >= this.nodeParent.length) {
      this.nodeParent = grown(this.nodeParent);
      this.nodeFrame = grown(this.nodeFrame);
    }
    this.nodeParent[id] = parent;
    this.nodeFrame[id] = frameId;
    slots[i] = id;
    if (this.nodeCount * 2 > slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 1; id < this.nodeCount; id++) {
      let i = hashPair(this.nodeParent[id], this.nodeFrame[id]) & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = id;
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
      frames: this.frames,
      nodeParent: this.nodeParent.slice(0, this.nodeCount),
      nodeFrame: this.nodeFrame.slice(0, this.nodeCount),
      nodeCount: this.nodeCount,
      sampleNode: this.sampleNode.slice(0, this.sampleCount),
      values: this.values.map((v) => v.slice(0, this.sampleCount)),
      sampleCount: this.sampleCount,
      totals,
      warnings,
      ...extra,
    };
  }
}

