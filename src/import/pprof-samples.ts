import { grown } from '../model/typed-arrays.js';

/**
 * pprof's samples read straight from the message's bytes. pprof-format decodes each sample
 * into an object with arrays of its location ids, values and labels: a 1 M-sample profile took
 * 2.8 s and 460 MB of heap that way, for 27 MB of protobuf. Here the top-level fields are
 * walked once: the samples (field 2) are kept as byte ranges and read one at a time into
 * reused typed arrays; every other field goes to the library in a message of its own, much
 * smaller (locations, functions, mappings and strings).
 *
 * Sample (profile.proto): 1 location_id (repeated uint64, packed or not), 2 value (repeated
 * int64), 3 label (Label: 1 key, 2 str, 3 num, 4 num_unit, each int64).
 */

const SAMPLE = 2;

/** A malformed message: what was expected, and at which byte of the decompressed file. */
export class PprofBytesError extends Error {}

/** The message split into its samples' byte ranges and a message of every other field. */
export interface SplitProfile {
  /** start, end of each sample's bytes, pairs in file order (a file may pass 2 GiB: not 32-bit). */
  ranges: Float64Array;
  sampleCount: number;
  /** The message without its samples. */
  rest: Uint8Array;
}

export function splitSamples(bytes: Uint8Array): SplitProfile {
  const r = new ProtoReader(bytes);
  let ranges = new Float64Array(1024);
  let sampleCount = 0;
  const rest: Uint8Array[] = [];
  let restFrom = 0;
  while (r.pos < bytes.length) {
    const fieldStart = r.pos;
    const key = r.varint();
    if (key === ((SAMPLE << 3) | 2)) {
      const length = r.length();
      if (fieldStart > restFrom) rest.push(bytes.subarray(restFrom, fieldStart));
      if (2 * sampleCount + 2 > ranges.length) ranges = grown(ranges);
      ranges[2 * sampleCount] = r.pos;
      ranges[2 * sampleCount + 1] = r.pos + length;
      sampleCount++;
      r.pos += length;
      restFrom = r.pos;
    } else r.skip(key % 8);
  }
  if (bytes.length > restFrom) rest.push(bytes.subarray(restFrom));
  return { ranges, sampleCount, rest: rest.length === 1 ? rest[0] : Buffer.concat(rest) };
}

/** One sample at a time, into arrays reused from sample to sample. */
export class SampleReader {
  locations = new Float64Array(64);
  locationCount = 0;
  values = new Float64Array(8);
  valueCount = 0;
  /** key, str, num of each label. */
  labels = new Float64Array(12);
  labelCount = 0;
  private readonly r: ProtoReader;

  constructor(bytes: Uint8Array) {
    this.r = new ProtoReader(bytes);
  }

  read(start: number, end: number): void {
    const r = this.r;
    r.pos = start;
    this.locationCount = this.valueCount = this.labelCount = 0;
    while (r.pos < end) {
      const key = r.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if ((field === 1 || field === 2) && (wire === 0 || wire === 2)) {
        // one number per field, or a packed run of them (possibly empty)
        if (wire === 0) this.readNumber(field);
        else {
          const runEnd = r.end();
          while (r.pos < runEnd) this.readNumber(field);
          if (r.pos !== runEnd) r.fail('a packed run that ends inside a number');
        }
      } else if (field === 3 && wire === 2) {
        this.readLabel(r.end());
      } else r.skip(wire);
    }
    if (r.pos !== end) r.fail('a sample whose last field runs past its end');
  }

  private readLabel(end: number): void {
    const r = this.r;
    let key = 0;
    let str = 0;
    let num = 0;
    while (r.pos < end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      if (tag % 8 === 0 && field >= 1 && field <= 4) {
        const v = r.int64();
        if (field === 1) key = v;
        else if (field === 2) str = v;
        else if (field === 3) num = v;
      } else r.skip(tag % 8);
    }
    if (r.pos !== end) r.fail('a label that runs past its end');
    if (this.labelCount * 3 + 3 > this.labels.length) this.labels = grown(this.labels);
    this.labels.set([key, str, num], this.labelCount++ * 3);
  }

  /** A location id (field 1) or a value (field 2). */
  private readNumber(field: number): void {
    if (field === 1) this.addLocation(this.r.varint());
    else this.addValue(this.r.int64());
  }

  private addLocation(id: number): void {
    if (this.locationCount === this.locations.length) this.locations = grown(this.locations);
    this.locations[this.locationCount++] = id;
  }

  private addValue(v: number): void {
    if (this.valueCount === this.values.length) this.values = grown(this.values);
    this.values[this.valueCount++] = v;
  }
}

/** Protobuf's wire format over bytes; a number past 2^53 is read as the nearest double. */
class ProtoReader {
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  varint(): number {
    const bytes = this.bytes;
    let b = bytes[this.pos++];
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let scale = 128;
    for (let n = 1; n < 10; n++, scale *= 128) {
      if (this.pos >= bytes.length) break;
      b = bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
    return this.fail(
      this.pos >= bytes.length ? 'a number cut off by the end of the data' : 'a number longer than 10 bytes',
    );
  }

  /** An int64: negative ones are ten bytes of two's complement. */
  int64(): number {
    const start = this.pos;
    const value = this.varint();
    if (this.pos - start < 10 || value < 2 ** 63) return value;
    let big = 0n;
    for (let k = this.pos - 1; k >= start; k--) big = (big << 7n) | BigInt(this.bytes[k] & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  length(): number {
    const n = this.varint();
    if (this.pos + n > this.bytes.length)
      this.fail(`a field of ${n} bytes where ${this.bytes.length - this.pos} are left`);
    return n;
  }

  /** Where a length-delimited field that starts here ends (its length read). */
  end(): number {
    const n = this.length();
    return this.pos + n;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1 || wire === 5) this.pos += wire === 1 ? 8 : 4;
    else if (wire === 2) this.pos = this.end();
    else this.fail(`wire type ${wire}`);
    if (this.pos > this.bytes.length) this.fail('a fixed-size field cut off by the end of the data');
  }

  fail(what: string): never {
    throw new PprofBytesError(`${what} at byte ${this.pos}`);
  }
}
