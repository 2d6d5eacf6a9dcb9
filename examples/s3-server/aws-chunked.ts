import { Transform, type TransformCallback } from 'node:stream';
import { StoreError } from './errors.js';

/**
 * The aws-chunked framing SDKs use for streamed uploads with checksums: chunks of
 * `hex-size[;chunk-signature=...]\r\n` + data + `\r\n`, a chunk of size 0, then trailer lines
 * (`x-amz-checksum-crc32:...`) and an empty line. The decoder passes data on as it arrives and
 * checks the framing byte for byte: a bad size line, data longer than its chunk, a body that
 * ends inside a chunk, bytes after the last line, or a total that differs from
 * `x-amz-decoded-content-length` fail the stream with a 400, so a damaged upload is never
 * stored. Lines are bounded (a size line of 5,000 bytes is refused, not buffered).
 */
export interface AwsChunkedOptions {
  /** The `x-amz-decoded-content-length` header, when the client sent one. */
  decodedLength?: number;
}

const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const SIZE_LINE = /^([0-9A-Fa-f]{1,16})(;[\x20-\x7e]*)?$/;
const TRAILER_LINE = /^([A-Za-z0-9-]+):[\x20-\x7e]*$/;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

const framingError = (message: string) => new StoreError(400, 'IncompleteBody', `aws-chunked body: ${message}`);

export class AwsChunkedDecoder extends Transform {
  /** Trailer fields after the last chunk, lower-case names (checksums). */
  readonly trailers = new Map<string, string>();
  private state: State = 'size';
  private line: Buffer = Buffer.alloc(0); // the unfinished size or trailer line
  private remaining = 0; // data bytes the current chunk still owes
  private decoded = 0;
  private trailerBytes = 0;

  constructor(private readonly options: AwsChunkedOptions = {}) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length) at = this.step(chunk, at);
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'done')
      return callback(
        framingError(
          this.state === 'data'
            ? `the body ended ${this.remaining} bytes short of its chunk`
            : 'the body ended before its final chunk and empty line',
        ),
      );
    const declared = this.options.decodedLength;
    if (declared !== undefined && declared !== this.decoded) {
      return callback(
        framingError(`x-amz-decoded-content-length is ${declared} bytes, the chunks hold ${this.decoded}`),
      );
    }
    callback();
  }

  /** Consumes bytes of `chunk` from `at` in the current state; returns where it stopped. */
  private step(chunk: Buffer, at: number): number {
    switch (this.state) {
      case 'data': {
        const take = Math.min(this.remaining, chunk.length - at);
        this.push(chunk.subarray(at, at + take));
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        return at + take;
      }
      case 'data-end': {
        // the CRLF after a chunk's data, possibly split between two writes
        const got = chunk.subarray(at, at + 2 - this.line.length);
        this.line = Buffer.concat([this.line, got]);
        if (this.line.length < 2) return at + got.length;
        if (this.line[0] !== 0x0d || this.line[1] !== 0x0a)
          throw framingError('a chunk holds more data than its size line says');
        this.line = Buffer.alloc(0);
        this.state = 'size';
        return at + got.length;
      }
      case 'done':
        throw framingError('bytes follow the final empty line');
      default:
        return this.readLine(chunk, at);
    }
  }

  /** Gathers a size or trailer line up to its CRLF (bounded), then acts on it. */
  private readLine(chunk: Buffer, at: number): number {
    const lf = chunk.indexOf(0x0a, at);
    const end = lf < 0 ? chunk.length : lf + 1;
    if (this.line.length + (end - at) > MAX_LINE_BYTES)
      throw framingError(`a line is longer than ${MAX_LINE_BYTES} bytes`);
    this.line = this.line.length ? Buffer.concat([this.line, chunk.subarray(at, end)]) : chunk.subarray(at, end);
    if (lf < 0) {
      this.line = Buffer.from(this.line); // (a view would pin the whole write)
      return end;
    }
    if (this.line.length < 2 || this.line[this.line.length - 2] !== 0x0d)
      throw framingError('a line ends without CR LF');
    const text = this.line.subarray(0, this.line.length - 2).toString('latin1');
    this.line = Buffer.alloc(0);
    if (this.state === 'size') this.sizeLine(text);
    else this.trailerLine(text);
    return end;
  }

  private sizeLine(text: string): void {
    const m = SIZE_LINE.exec(text);
    if (!m) throw framingError(`not a chunk size line: ${JSON.stringify(text.slice(0, 40))}`);
    const size = Number.parseInt(m[1], 16);
    if (size > Number.MAX_SAFE_INTEGER) throw framingError(`a chunk size of ${m[1]} bytes`);
    this.decoded += size;
    const declared = this.options.decodedLength;
    if (declared !== undefined && this.decoded > declared)
      throw framingError(`the chunks hold more than the ${declared} bytes x-amz-decoded-content-length declares`);
    this.remaining = size;
    this.state = size === 0 ? 'trailer' : 'data';
  }

  private trailerLine(text: string): void {
    if (text === '') {
      this.state = 'done';
      return;
    }
    this.trailerBytes += text.length + 2;
    const m = TRAILER_LINE.exec(text);
    if (!m || this.trailerBytes > MAX_TRAILER_BYTES)
      throw framingError(`not a trailer line: ${JSON.stringify(text.slice(0, 40))}`);
    this.trailers.set(m[1].toLowerCase(), text.slice(m[1].length + 1).trim());
  }
}
