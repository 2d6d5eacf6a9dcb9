import { ProfileBuilder } from '../../model/builder.js';
import type { HeapGraph, Retention } from '../../model/heap-graph.js';
import type { CostInfo, Profile } from '../../model/profile.js';
import { grown } from '../../model/typed-arrays.js';
import { namedEdgeTypes } from './retention.js';

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
 */
export function profileOfSnapshot(g: HeapGraph, r: Retention, warnings: string[], toolVersion?: string): Profile {
  const builder = new ProfileBuilder(SNAPSHOT_COSTS);
  const frames = new FrameNames(g, builder);
  const treeNode = new Int32Array(g.nodeCount);
  let bytes = new Float64Array(1024);
  let objects = new Float64Array(1024);
  let used = 0;
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    const ct = builder.child(treeNode[r.dominator[n]], frames.of(n, r.pathEdge[n]));
    treeNode[n] = ct;
    if (ct >= bytes.length) {
      bytes = grown(bytes, ct + 1);
      objects = grown(objects, ct + 1);
    }
    bytes[ct] += g.selfSize[n];
    objects[ct]++;
    used = Math.max(used, ct + 1);
  }
  for (let ct = 1; ct < used; ct++) if (objects[ct] > 0) builder.addSample(ct, [bytes[ct], objects[ct]]);
  return builder.build(
    { format: 'heapsnapshot', toolVersion, memoryEvents: true },
    { retained: r.retained[0], objects: r.order.length - 1 },
    warnings,
  );
}

/** What the class of an object is called, for types whose name is not one (a string's name is its text). */
const KIND_NAMES: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  number: '(number)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  code: '(compiled code)',
};

/** Longest class or reference name kept in a frame (a property name can be any string). */
const MAX_LABEL = 200;

/** Frames by (reference label, class label), interned once each. */
class FrameNames {
  private readonly cache = new Map<number, number>();
  private readonly named: Uint8Array;
  private readonly kindOfType: (string | undefined)[];
  private readonly closure: number;

  constructor(
    private readonly g: HeapGraph,
    private readonly builder: ProfileBuilder,
  ) {
    this.named = namedEdgeTypes(g);
    this.kindOfType = g.nodeTypeNames.map((t) => KIND_NAMES[t]);
    this.closure = g.nodeTypeNames.indexOf('closure');
  }

  of(node: number, edge: number): number {
    const { g } = this;
    const type = g.nodeType[node];
    // class: a string index, or past every string a per-type constant; reference: none (0),
    // an index (1), or a string index + 2
    const span = g.strings.length + 256;
    const classKey = this.kindOfType[type] !== undefined ? g.strings.length + type : g.nodeName[node];
    const edgeKey = edge < 0 ? 0 : this.namedEdge(edge) ? g.edgeName[edge] + 2 : 1;
    const key = edgeKey * span + classKey;
    let id = this.cache.get(key);
    if (id === undefined) {
      const name = `${this.edgeLabel(edge)}${this.classLabel(node, type)}`;
      id = this.builder.internFrame({ name, file: '', line: 0, module: '', address: '', inlined: false });
      this.cache.set(key, id);
    }
    return id;
  }

  /** Whether a reference has a name of its own: elements, and V8's numbered slots of a hash table, are "[]". */
  private namedEdge(edge: number): boolean {
    const g = this.g;
    if (!this.named[g.edgeType[edge]]) return false;
    const name = g.strings[g.edgeName[edge]];
    return !(name.length > 0 && name.length < 16 && /^\d+$/.test(name));
  }

  private classLabel(node: number, type: number): string {
    const kind = this.kindOfType[type];
    if (kind !== undefined) return kind;
    const name = clip(this.g.strings[this.g.nodeName[node]]);
    if (type === this.closure) return `${name || '(anonymous)'}()`;
    return name || `(${this.g.nodeTypeNames[type] ?? 'unknown'})`;
  }

  private edgeLabel(edge: number): string {
    if (edge < 0) return '';
    if (!this.namedEdge(edge)) return '[] → ';
    // ids in V8's names of internal references ("part of key (Key @21) -> …") would make every one distinct
    return `${clip(this.g.strings[this.g.edgeName[edge]]).replace(/@\d+/g, '@…')} → `;
  }
}

function clip(s: string): string {
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL)}…` : s;
}
