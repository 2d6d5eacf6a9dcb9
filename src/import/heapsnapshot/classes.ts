import { type HeapGraph, HeapNames, type Retention } from '../../model/heap-graph.js';
import type { HeapClass } from '../../model/profile.js';
import { grown } from '../../model/typed-arrays.js';

/**
 * The objects of a snapshot by class, as DevTools' "Summary" counts them: objects, their own
 * bytes, and what they retain, where an object kept alive by another of its class counts inside
 * that one only (a linked list's nodes retain the list once, not once per node). Every object
 * the retention placed counts, unreachable ones included (they hang under the root there too).
 */
export function heapClasses(g: HeapGraph, r: Retention): HeapClass[] {
  const names = new HeapNames(g);
  const classes = new ClassIndex(names);
  for (let i = 1; i < r.order.length; i++) {
    const n = r.order[i];
    const c = classes.of(n);
    classes.objects[c]++;
    classes.self[c] += g.selfSize[n];
  }
  outermostRetained(r, classes);
  const out: HeapClass[] = [];
  for (let c = 0; c < classes.count; c++)
    out.push({
      name: names.classOf(classes.example[c]),
      internal: names.isInternal(classes.example[c]),
      objects: classes.objects[c],
      self: classes.self[c],
      retained: classes.retained[c],
    });
  return out.sort((a, b) => b.retained - a.retained || b.self - a.self || (a.name < b.name ? -1 : 1));
}

/** Classes numbered as first met, keyed like a retainer path step without its reference. */
class ClassIndex {
  private readonly byKey: Int32Array;
  example = new Int32Array(256);
  objects = new Float64Array(256);
  self = new Float64Array(256);
  retained = new Float64Array(256);
  count = 0;

  constructor(private readonly names: HeapNames) {
    // a class key is below 2 × strings + 512 (HeapNames.stepKey without a reference)
    this.byKey = new Int32Array(2 * names.g.strings.length + 512).fill(-1);
  }

  of(node: number): number {
    const key = this.names.stepKey(node, -1);
    let c = this.byKey[key];
    if (c < 0) {
      c = this.byKey[key] = this.count++;
      if (c >= this.example.length) {
        this.example = grown(this.example, c + 1);
        this.objects = grown(this.objects, c + 1);
        this.self = grown(this.self, c + 1);
        this.retained = grown(this.retained, c + 1);
      }
      this.example[c] = node;
    }
    return c;
  }
}

/**
 * Adds to each class the retained sizes of its objects that no object of the same class
 * dominates: a depth-first walk of the dominator tree counting, per class, the objects of it
 * on the way down (iterative: dominator chains can be a million deep).
 */
function outermostRetained(r: Retention, classes: ClassIndex): void {
  const n = r.dominator.length;
  const firstChild = new Int32Array(n).fill(-1);
  const nextSibling = new Int32Array(n).fill(-1);
  for (let i = r.order.length - 1; i > 0; i--) {
    const node = r.order[i];
    const d = r.dominator[node];
    nextSibling[node] = firstChild[d];
    firstChild[d] = node;
  }
  const open = new Int32Array(classes.count);
  // entries: a node to enter (≥ 0), or ~node when its subtree is done
  let stack = new Int32Array(1024);
  let top = 0;
  for (let k = firstChild[0]; k >= 0; k = nextSibling[k]) {
    if (top === stack.length) stack = grown(stack, top + 1);
    stack[top++] = k;
  }
  while (top > 0) {
    const x = stack[--top];
    if (x < 0) {
      open[classes.of(~x)]--;
      continue;
    }
    const c = classes.of(x);
    if (open[c] === 0) classes.retained[c] += r.retained[x];
    open[c]++;
    if (top + 1 >= stack.length) stack = grown(stack, top + 2);
    stack[top++] = ~x;
    for (let k = firstChild[x]; k >= 0; k = nextSibling[k]) {
      if (top === stack.length) stack = grown(stack, top + 1);
      stack[top++] = k;
    }
  }
}
