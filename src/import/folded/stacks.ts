import { ProfileBuilder, type StackTree } from '../../model/builder.js';
import { HeapflameError } from '../../model/errors.js';
import { BytesTable } from '../../model/hash-tables.js';
import type { Frame } from '../../model/profile.js';
import { grown } from '../../model/typed-arrays.js';
import { wasmInstance } from '../io/wasm.js';

/**
 * The stack tree of a folded file, built from the bytes of each line's `a;b;c` part: frame
 * names are interned from bytes and nodes from (parent, name), so no string is made per frame.
 * Two builds give the same tree: a WebAssembly loop (folded-wasm.wat, about three times faster
 * on large files) and a JavaScript one where WebAssembly cannot be loaded.
 */
export interface StackTreeBuilder {
  /** Makes `buf` the bytes that the following `stack` calls refer to. */
  use(buf: Buffer): void;
  /** The node of the stack in bytes [start, end) of the buffer in use; empty frames skipped. */
  stack(start: number, end: number): number;
  /**
   * The tree and, where nodes had to be renumbered, each old node's new id (distinct name
   * bytes that decode to one string, such as two invalid UTF-8 sequences, become one frame).
   */
  finish(): { tree: StackTree; renumbered: Int32Array | null };
}

export function stackTreeBuilder(options: { wasm?: boolean } = {}): StackTreeBuilder {
  const wasm = options.wasm === false ? null : wasmInstance<FoldedWasm>(new URL('./folded-wasm.wasm', import.meta.url));
  return wasm ? new WasmStackTree(wasm) : new JsStackTree();
}

function frameNamed(name: string): Frame {
  return { name, file: '', line: 0, module: '', address: '', inlined: false };
}

class JsStackTree implements StackTreeBuilder {
  private names = new BytesTable();
  private frameOfName = new Int32Array(1024);
  private builder = new ProfileBuilder([]);
  private buf: Buffer = Buffer.alloc(0);
  private separatorAt = 0;

  use(buf: Buffer): void {
    this.buf = buf;
    this.separatorAt = -1;
  }

  stack(start: number, end: number): number {
    // memchr finds the separators; the names are hashed and compared a word at a time
    const buf = this.buf;
    let node = 0;
    let from = start;
    while (from < end) {
      let to = this.separatorFrom(from);
      if (to > end) to = end;
      if (to > from) node = this.builder.child(node, this.frame(buf, from, to));
      from = to + 1;
    }
    return node;
  }

  /**
   * The first ';' at or after `from`. memchr has no end bound, so the last frame of a line
   * finds the next line's ';' (or none): that answer is kept for the following lines, which
   * would otherwise rescan the same bytes (quadratic on files of one-frame stacks).
   */
  private separatorFrom(from: number): number {
    if (this.separatorAt < from) {
      const at = this.buf.indexOf(59, from);
      this.separatorAt = at === -1 ? this.buf.length : at;
    }
    return this.separatorAt;
  }

  private frame(buf: Buffer, from: number, to: number): number {
    const name = this.names.intern(buf, from, to);
    if (this.names.added) {
      if (name >= this.frameOfName.length) this.frameOfName = grown(this.frameOfName, name + 1);
      this.frameOfName[name] = this.builder.internFrame(frameNamed(buf.toString('utf8', from, to)));
    }
    return this.frameOfName[name];
  }

  finish(): { tree: StackTree; renumbered: Int32Array | null } {
    return { tree: this.builder.tree(), renumbered: null };
  }
}

interface FoldedWasm {
  memory: { buffer: ArrayBuffer };
  init(): void;
  input(len: number): number;
  stack(from: number, to: number): number;
  arenaBase: { value: number };
  nameInfo: { value: number };
  nameCount: { value: number };
  nodeBlocks: { value: number };
  nodeCount: { value: number };
}

/** Nodes per block of folded-wasm's node records. */
const NODE_BLOCK = 1 << 16;

class WasmStackTree implements StackTreeBuilder {
  private base = 0;

  constructor(private wasm: FoldedWasm) {
    this.guard(() => wasm.init());
  }

  use(buf: Buffer): void {
    this.guard(() => {
      this.base = this.wasm.input(buf.length);
      new Uint8Array(this.wasm.memory.buffer, this.base, buf.length).set(buf);
    });
  }

  stack(start: number, end: number): number {
    return this.guard(() => this.wasm.stack(this.base + start, this.base + end));
  }

  /** WebAssembly memory ends at 4 GB: a trap there is reported as one error. */
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (e) {
      if (e instanceof Error && e.name === 'RuntimeError') {
        throw new HeapflameError('out of memory: the stack tree outgrew WebAssembly memory (4 GB)');
      }
      throw e;
    }
  }

  finish(): { tree: StackTree; renumbered: Int32Array | null } {
    const w = this.wasm;
    const memory = w.memory.buffer;
    const nameCount = w.nameCount.value;
    const info = new Int32Array(memory, w.nameInfo.value, nameCount * 3);
    const arena = Buffer.from(memory, w.arenaBase.value);
    const builder = new ProfileBuilder([]);
    const frameOfName = new Int32Array(nameCount);
    for (let id = 0; id < nameCount; id++) {
      const at = info[id * 3];
      frameOfName[id] = builder.internFrame(frameNamed(arena.toString('utf8', at, at + info[id * 3 + 1])));
    }
    const nodeCount = w.nodeCount.value;
    const blocks = new Int32Array(memory, w.nodeBlocks.value, Math.ceil(nodeCount / NODE_BLOCK));
    // node n's record [parent, name, child] as three words at `record(n)` of `words`
    const words = new Int32Array(memory);
    const record = (n: number) => (blocks[n >>> 16] >> 2) + (n & 0xffff) * 3;
    if (builder.frames.length < nameCount) {
      // names that became one frame: the tree is rebuilt over frames (parents come first)
      const renumbered = new Int32Array(nodeCount);
      for (let n = 1; n < nodeCount; n++) {
        const o = record(n);
        renumbered[n] = builder.child(renumbered[words[o]], frameOfName[words[o + 1]]);
      }
      return { tree: builder.tree(), renumbered };
    }
    const nodeParent = new Int32Array(nodeCount);
    const nodeFrame = new Int32Array(nodeCount);
    // block by block: a function call per node cost as much as the copy
    for (let first = 0; first < nodeCount; first += NODE_BLOCK) {
      const size = Math.min(NODE_BLOCK, nodeCount - first);
      const block = new Int32Array(memory, blocks[first >>> 16], size * 3);
      for (let k = 0, o = 0; k < size; k++, o += 3) {
        nodeParent[first + k] = block[o];
        nodeFrame[first + k] = frameOfName[block[o + 1]];
      }
    }
    nodeParent[0] = -1;
    nodeFrame[0] = -1;
    return { tree: { frames: builder.frames, nodeParent, nodeFrame, nodeCount }, renumbered: null };
  }
}
