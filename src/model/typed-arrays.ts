type Growable =
  | Int32Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>
  | Uint8Array<ArrayBuffer>;

/**
 * Growth for arrays whose readers stop at a count of their own, never at `length`: their pages
 * past what is written are never touched, so they take no memory (the kernel zeroes a page when
 * it is first written), while every copy of a growing array touches its whole old length again
 * (memory is time: 3 ms a MB on this project's VM). Growing eightfold, the copies add a seventh
 * of the final array instead of all of it.
 */
export const SPARSE_GROWTH = 8;

/** A copy of `a` at least `min` long (growing `factor`-fold), new elements zero. */
export function grown<T extends Growable>(a: T, min = a.length + 1, factor = 2): T {
  const Typed = a.constructor as new (n: number) => T;
  let b: T;
  try {
    b = new Typed(capacity(a.length, min, factor));
  } catch (e) {
    // an address space too small for the sparse reserve (ulimit -v, strict overcommit)
    if (factor === 2 || !(e instanceof RangeError)) throw e;
    b = new Typed(capacity(a.length, min, 2));
  }
  b.set(a);
  return b;
}

function capacity(length: number, min: number, factor: number): number {
  let n = Math.max(length * factor, 16);
  while (n < min) n *= factor;
  return n;
}

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/** Whether `a` is the only view of its whole buffer's bytes, so that the buffer may be moved. */
function wholeBuffer(a: Growable): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/**
 * `grown` for an array nobody else holds a view of: the old memory is given back at once
 * where the runtime can (Node 21+) instead of lingering as garbage until a collection (on a
 * large recording those copies had added tens of MB to the peak). The new array is made, not
 * moved with `ArrayBuffer.prototype.transfer`: V8 zero-fills a transferred buffer's new length
 * at once, where a new one's pages are zeroed by the kernel when first written, so moving a
 * 64 MB array into a 256 MB one touched 256 MB (0.7 s on this project's VM; 0.06 s made anew).
 * `a` must not be used after.
 */
export function grownOwned<T extends Growable>(a: T, min = a.length + 1, factor = 2): T {
  const b = grown(a, min, factor);
  release(a);
  return b;
}

/**
 * The first `n` counts of `a` as 64-bit floats, in an array as long as `a` (counts that outgrew
 * 32 bits); `a` is given back and must not be used after.
 */
export function widened(a: Uint32Array | Float64Array, n: number): Float64Array<ArrayBuffer> {
  const wide = new Float64Array(a.length);
  wide.set(a.subarray(0, n));
  release(a as Growable);
  return wide;
}

/**
 * Gives an array's memory back now where the runtime can (Node 21+), not at the next garbage
 * collection; nobody may use `a` or a view of its buffer after.
 */
export function release(a: Growable): void {
  const buffer = a.buffer as Transferable;
  if (buffer.transfer && wholeBuffer(a) && a.byteLength > 0) buffer.transfer(0);
}

/**
 * `release` for a view of the start of a buffer made for it alone (a grown array handed out
 * as `subarray(0, n)`): the whole buffer goes. Nobody may use it or any view of it after.
 */
export function releaseBuffer(a: ArrayBufferView): void {
  if (!(a.buffer instanceof ArrayBuffer) || a.byteOffset !== 0) return;
  const buffer = a.buffer as Transferable;
  if (buffer.transfer && buffer.byteLength > 0) buffer.transfer(0);
}

/**
 * Bytes from which an array is made at least 32 MiB, so that glibc maps it apart (its largest
 * threshold for that: it raises the threshold up to 32 MiB as mapped blocks are freed).
 */
const MAPPED_BYTES = 32 << 20;
const LARGE_BYTES = 4 << 20;

/** Elements to allocate for `n` of `size` bytes: at least 32 MiB when the array is large. */
function mappedLength(n: number, size: number): number {
  return n * size >= LARGE_BYTES ? Math.max(n, Math.ceil(MAPPED_BYTES / size) + 1) : n;
}

/**
 * An array of `n` numbers (zeroed) whose memory goes back to the system when it is let go.
 * Arrays of a few tens of MB came from the C library's heap and left holes the process kept
 * (a 390 MB heap snapshot's analysis kept 120 MB of them); one of 32 MiB or more is mapped
 * apart and unmapped whole, and its pages past `n` are never touched, so they cost no memory.
 */
export function releasedUint32(n: number): Uint32Array<ArrayBuffer> {
  return new Uint32Array(mappedLength(n, 4)).subarray(0, n);
}

export function releasedInt32(n: number): Int32Array<ArrayBuffer> {
  return new Int32Array(mappedLength(n, 4)).subarray(0, n);
}

export function releasedUint8(n: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(mappedLength(n, 1)).subarray(0, n);
}

/**
 * The indices 0..keys.length-1 ordered by key, equal keys in index order: a radix sort in two
 * passes of 16 bits over non-negative 31-bit integer keys. A comparator sort calls a function
 * per comparison (0.1 s for 200 k keys on this project's VM, a third of that here).
 */
export function orderByKey(keys: ArrayLike<number>): Int32Array {
  const n = keys.length;
  let order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  let next = new Int32Array(n);
  const count = new Int32Array(65537);
  for (let shift = 0; shift < 32; shift += 16) {
    count.fill(0);
    for (let k = 0; k < n; k++) count[((keys[order[k]] >>> shift) & 0xffff) + 1]++;
    for (let b = 1; b <= 65536; b++) count[b] += count[b - 1];
    for (let k = 0; k < n; k++) next[count[(keys[order[k]] >>> shift) & 0xffff]++] = order[k];
    [order, next] = [next, order];
  }
  return order;
}
