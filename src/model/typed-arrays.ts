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

/**
 * Elements of 4 bytes that make 32 MiB: glibc's largest threshold for mapping an allocation
 * apart (it raises the threshold up to that as mapped blocks are freed).
 */
const MAPPED_ELEMENTS = (32 << 20) / 4 + 1;

/**
 * A temporary array of `n` 32-bit numbers (zeroed) whose memory goes back to the system when
 * it is let go. Arrays of a few tens of MB came from the C library's heap and left holes the
 * process kept (a 390 MB heap snapshot's analysis kept 120 MB of them); one of 32 MiB or more
 * is mapped apart and unmapped whole, and the pages past `n` are never touched, so they cost
 * no memory.
 */
export function releasedUint32(n: number): Uint32Array<ArrayBuffer> {
  return new Uint32Array(Math.max(n, MAPPED_ELEMENTS)).subarray(0, n);
}

export function releasedInt32(n: number): Int32Array<ArrayBuffer> {
  return new Int32Array(Math.max(n, MAPPED_ELEMENTS)).subarray(0, n);
}
