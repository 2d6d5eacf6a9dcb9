type Growable =
  | Int32Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>
  | Uint8Array<ArrayBuffer>;

/** A copy of `a` at least `min` long (doubling), new elements zero. */
export function grown<T extends Growable>(a: T, min = a.length + 1): T {
  let n = Math.max(a.length * 2, 16);
  while (n < min) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/** Whether `a` is the only view of its whole buffer's bytes, so that the buffer may be moved. */
function wholeBuffer(a: Growable): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/**
 * `grown` for an array nobody else holds a view of: where the runtime can move a buffer
 * (ArrayBuffer.prototype.transfer, Node 21+), the old memory is handed over or given back at
 * once instead of lingering as garbage until a collection: on a large recording those copies
 * had added tens of MB to the peak. `a` must not be used after.
 */
export function grownOwned<T extends Growable>(a: T, min = a.length + 1): T {
  const buffer = a.buffer as Transferable;
  if (!buffer.transfer || !wholeBuffer(a)) return grown(a, min);
  let n = Math.max(a.length * 2, 16);
  while (n < min) n *= 2;
  return new (a.constructor as new (b: ArrayBuffer) => T)(buffer.transfer(n * a.BYTES_PER_ELEMENT));
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
