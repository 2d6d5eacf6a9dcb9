import type { HeapNames } from '../../model/heap-graph.js';
import type { HeapClass } from '../../model/profile.js';

/**
 * The objects of a snapshot by class, as DevTools' "Summary" counts them: objects, their own
 * bytes, and what they retain, where an object kept alive by another of its class counts
 * inside that one only (a linked list's nodes retain the list once, not once per node).
 * Classes are keyed like a retainer path step without its reference (HeapNames.stepKey).
 * profile.ts fills it from the dominator tree it builds (see there).
 */
export class ClassTable {
  private readonly byKey = new Map<number, number>();
  private readonly example: number[] = [];
  readonly objects: number[] = [];
  readonly self: number[] = [];
  readonly retained: number[] = [];

  constructor(private readonly names: HeapNames) {}

  /** The class of a key, numbered as first met; `node` is one of its objects (it names the class). */
  index(key: number, node: number): number {
    let c = this.byKey.get(key);
    if (c === undefined) {
      c = this.example.length;
      this.byKey.set(key, c);
      this.example.push(node);
      this.objects.push(0);
      this.self.push(0);
      this.retained.push(0);
    }
    return c;
  }

  /** Largest retained size first. */
  list(): HeapClass[] {
    return this.example
      .map((node, c) => ({
        name: this.names.classOf(node),
        internal: this.names.isInternal(node),
        objects: this.objects[c],
        self: this.self[c],
        retained: this.retained[c],
      }))
      .sort((a, b) => b.retained - a.retained || b.self - a.self || (a.name < b.name ? -1 : 1));
  }
}
