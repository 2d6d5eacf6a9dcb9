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
  /**
   * Open-addressing table of nodes keyed by (parent, frame), each slot [parent, frame, id + 1]
   * side by side so that a probe reads one cache line (multi-million-node trees miss the
   * cache on every separate array they touch).
   */
  private slots = new Int32Array(4096 * 3);
  private slotCount = 4096;
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
    const mask = this.slotCount - 1;
    let i = hashPair(parent, frameId) & mask;
    for (;;) {
      const o = i * 3;
      const stored = slots[o + 2];
      if (stored === 0) break;
      if (slots[o] === parent && slots[o + 1] === frameId) return stored - 1;
      i = (i + 1) & mask;
    }
    const id = this.nodeCount++;
    if (id >= this.nodeParent.length) {
      this.nodeParent = grown(this.nodeParent);
      this.nodeFrame = grown(this.nodeFrame);
    }
    this.nodeParent[id] = parent;
    this.nodeFrame[id] = frameId;
    const o = i * 3;
    slots[o] = parent;
    slots[o + 1] = frameId;
    slots[o + 2] = id + 1;
    // up to 70 % full: the slots are three words, so a lower load would cost much memory
    if (this.nodeCount * 10 > this.slotCount * 7) this.rehash();
    return id;
  }

  private rehash(): void {
    this.slotCount *= 2;
    const slots = new Int32Array(this.slotCount * 3);
    const mask = this.slotCount - 1;
    for (let id = 1; id < this.nodeCount; id++) {
      const parent = this.nodeParent[id];
      const frame = this.nodeFrame[id];
      let i = hashPair(parent, frame) & mask;
      while (slots[i * 3 + 2] !== 0) i = (i + 1) & mask;
      slots[i * 3] = parent;
      slots[i * 3 + 1] = frame;
      slots[i * 3 + 2] = id + 1;
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

