import { createRequire } from 'node:module';

/**
 * An encoder of Bytehound `.dat` files written from the format as Bytehound's sources define it
 * (common/src/event.rs, speedy 0.8.3), independent of heapflame's reader: speedy little-endian
 * fields, u32 enum tags, u32 lengths (u64 where the spec says), speedy's VarInt64, and chunks of
 * `kind u8, length u32, payload` compressed by lz4js (an LZ4 implementation of its own).
 */
const lz4 = createRequire(import.meta.url)('lz4js') as {
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  compressBound(n: number): number;
};

export class SpeedyWriter {
  private parts: number[] = [];
  u8(v: number) {
    this.parts.push(v & 0xff);
    return this;
  }
  u32(v: number) {
    for (let k = 0; k < 4; k++) this.parts.push((v >>> (8 * k)) & 0xff);
    return this;
  }
  i32(v: number) {
    return this.u32(v >>> 0);
  }
  u64(v: number | bigint) {
    let b = BigInt(v);
    for (let k = 0; k < 8; k++) {
      this.parts.push(Number(b & 0xffn));
      b >>= 8n;
    }
    return this;
  }
  /** VarInt64: as many leading 1-bits in the first byte as extra little-endian bytes follow. */
  varint(v: number | bigint) {
    const x = BigInt(v);
    for (let extra = 0; extra <= 8; extra++) {
      const highBits = extra >= 7 ? 0 : 7 - extra;
      if (x < 1n << BigInt(8 * extra + highBits)) {
        const prefix = extra === 0 ? 0 : (0xff << (8 - extra)) & 0xff;
        const high = Number(x >> BigInt(8 * extra));
        this.parts.push(prefix | high);
        for (let k = 0; k < extra; k++) this.parts.push(Number((x >> BigInt(8 * k)) & 0xffn));
        return this;
      }
    }
    throw new Error('varint out of range');
  }
  bytes(b: Uint8Array | string, lengthAs: 'u32' | 'u64' | 'varint' = 'u32') {
    const data = typeof b === 'string' ? Buffer.from(b) : b;
    if (lengthAs === 'u32') this.u32(data.length);
    else if (lengthAs === 'u64') this.u64(data.length);
    else this.varint(data.length);
    for (const x of data) this.parts.push(x);
    return this;
  }
  result(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface AllocBody {
  pointer: number;
  size: number;
  backtrace: number;
  thread?: number;
}

const body = (w: SpeedyWriter, a: AllocBody) =>
  w
    .u64(a.pointer)
    .u64(a.size)
    .u64(a.backtrace)
    .u32(a.thread ?? 1)
    .u32(0)
    .u32(0)
    .u64(0);

/** Events by name, each a function of its fields returning the encoded bytes. */
export const ev = {
  header: (o: { initialUs: number; cmdline: string }) =>
    new SpeedyWriter()
      .u32(0)
      .u64(0x1234)
      .u64(0x5678)
      .u64(o.initialUs)
      .u64(o.initialUs)
      .u64(1_700_000_000)
      .u64(0)
      .u32(4242)
      .bytes(Buffer.from(`${o.cmdline}\0`))
      .bytes('/usr/bin/prog')
      .bytes('x86_64')
      .u64(1)
      .u8(8)
      .result(),
  alloc: (ts: number, a: AllocBody) => body(new SpeedyWriter().u32(1).u64(ts), a).result(),
  realloc: (ts: number, oldPointer: number, a: AllocBody) =>
    body(new SpeedyWriter().u32(2).u64(ts).u64(oldPointer), a).result(),
  free: (ts: number, pointer: number) => new SpeedyWriter().u32(3).u64(ts).u64(pointer).u64(0).u32(1).result(),
  backtrace: (id: number, addresses: number[]) => {
    const w = new SpeedyWriter().u32(5).u64(id).u32(addresses.length);
    for (const a of addresses) w.u64(a);
    return w.result();
  },
  marker: (v: number) => new SpeedyWriter().u32(7).u32(v).result(),
  environ: (entry: string) => new SpeedyWriter().u32(11).bytes(entry).result(),
  wallClock: (ts: number) => new SpeedyWriter().u32(12).u64(ts).u64(1_700_000_000).u64(5).result(),
  string: (id: number, s: string) => new SpeedyWriter().u32(14).u32(id).bytes(s).result(),
  decodedFrame: (o: { address: number; library: number; fn: number; source: number; line: number; inline?: boolean }) =>
    new SpeedyWriter()
      .u32(15)
      .u64(o.address)
      .u32(o.library)
      .u32(0xffffffff)
      .u32(o.fn)
      .u32(o.source)
      .u32(o.line)
      .u32(0xffffffff)
      .u8(o.inline ? 1 : 0)
      .result(),
  decodedBacktrace: (frames: number[]) => {
    const w = new SpeedyWriter().u32(16).u32(frames.length);
    for (const f of frames) w.u32(f);
    return w.result();
  },
  allocEx: (id: [number, number], ts: number, a: AllocBody) =>
    body(new SpeedyWriter().u32(20).u64(id[0]).u64(id[1]).u64(ts), a).result(),
  reallocEx: (id: [number, number], ts: number, oldPointer: number, a: AllocBody) =>
    body(new SpeedyWriter().u32(21).u64(id[0]).u64(id[1]).u64(ts).u64(oldPointer), a).result(),
  freeEx: (id: [number, number], ts: number, pointer: number) =>
    new SpeedyWriter().u32(22).u64(id[0]).u64(id[1]).u64(ts).u64(pointer).u64(0).u32(1).result(),
  file64: (ts: number, path: string, contents: string) =>
    new SpeedyWriter().u32(23).u64(ts).bytes(path).bytes(contents, 'u64').result(),
  addRegion: (ts: number, mapId: number, address: number, length: number | bigint, name: string) =>
    new SpeedyWriter()
      .u32(24)
      .u64(ts)
      .varint(mapId)
      .u64(address)
      .varint(length)
      .varint(0)
      .varint(2n ** 40n)
      .u32(8)
      .u32(1)
      .u32(3)
      .bytes(name, 'varint')
      .result(),
  updateRegionUsage: (ts: number, mapId: number, address: number, kib: number[]) => {
    const w = new SpeedyWriter().u32(26).u64(ts).varint(mapId).u64(address).varint(4096);
    for (const k of kib) w.varint(k);
    return w.result();
  },
};

/**
 * The file: the events joined, cut into chunks at the given sizes (an event may span two
 * chunks, as in real files), each chunk LZ4-compressed (kind 1) or stored (kind 2).
 */
export function bytehoundFile(events: Uint8Array[], options: { chunkBytes?: number; stored?: boolean } = {}): Buffer {
  const stream = Buffer.concat(events);
  const size = options.chunkBytes ?? 512 * 1024;
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) {
    const part = stream.subarray(at, Math.min(stream.length, at + size));
    let kind = 2;
    let payload: Uint8Array = part;
    if (!options.stored) {
      const dst = new Uint8Array(lz4.compressBound(part.length));
      const n = lz4.compressBlock(part, dst, 0, part.length, new Uint32Array(1 << 16));
      // lz4js stores nothing for input it cannot compress: then the chunk is stored
      if (n > 0) {
        kind = 1;
        payload = dst.subarray(0, n);
      }
    }
    const head = Buffer.alloc(5);
    head[0] = kind;
    head.writeUInt32LE(payload.length, 1);
    out.push(head, Buffer.from(payload));
  }
  return Buffer.concat(out);
}
