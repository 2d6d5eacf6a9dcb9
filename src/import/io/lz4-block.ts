/**
 * The LZ4 block format (no frame header, no stored size): sequences of a token, literals, and
 * a back-reference (offset, length). Decoded into `out` from `at`, growing it up to `limit`
 * bytes; returns the output and its end. Any reference outside what was decoded, or output
 * beyond the limit, is an error (hostile input cannot write outside the buffer or grow it
 * without bound).
 */
export function decodeLz4Block(
  src: Uint8Array,
  out: Uint8Array,
  at: number,
  limit: number,
): { out: Uint8Array; end: number } {
  let op = at;
  let ip = 0;
  const room = (n: number) => {
    if (op + n <= out.length) return;
    if (op + n > limit) throw new Error(`an LZ4 block decodes to more than ${limit} bytes`);
    const next = new Uint8Array(Math.min(limit, Math.max(out.length * 2, op + n)));
    next.set(out.subarray(0, op));
    out = next;
  };
  const length = (base: number) => {
    let n = base;
    if (base === 15) {
      let b: number;
      do {
        if (ip >= src.length) throw new Error('an LZ4 length runs past the block');
        b = src[ip++];
        n += b;
      } while (b === 255);
    }
    return n;
  };
  while (ip < src.length) {
    const token = src[ip++];
    const literals = length(token >> 4);
    if (ip + literals > src.length) throw new Error('LZ4 literals run past the block');
    room(literals);
    out.set(src.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    // the last sequence has literals only
    if (ip >= src.length) break;
    if (ip + 2 > src.length) throw new Error('an LZ4 offset runs past the block');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op - at)
      throw new Error(`an LZ4 reference points before the block's output (offset ${offset})`);
    const match = length(token & 15) + 4;
    room(match);
    // byte by byte: a match may overlap what it is copying (runs)
    for (let k = 0, from = op - offset; k < match; k++) out[op++] = out[from + k];
  }
  return { out, end: op };
}
