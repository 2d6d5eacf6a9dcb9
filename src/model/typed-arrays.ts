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
