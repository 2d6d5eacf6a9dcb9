/**
 * Text built from many pieces, encoded as UTF-8 into chunks of 64 KiB as it comes, which are
 * handed on as soon as they fill. Holding the pieces in an array until a final join keeps
 * every one alive through each young-generation GC, which then copies them all again; one
 * growing buffer decoded back to a string at the end touches the output's size in fresh
 * memory three times (on this project's VM each fresh MB costs about 2.5 ms of page faults).
 * Chunks of this size come from malloc's free lists again once written and collected.
 */
const CHUNK_BYTES = 1 << 16;

export class TextChunks {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private length = 0;
  /** Chunks that are full, in order, for the caller to take. */
  readonly full: Uint8Array[] = [];

  push(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    const most = text.length * 3;
    if (this.length + most > this.buf.length) {
      // (a piece larger than a chunk gets a buffer of its own size)
      if (this.length > 0) this.next(most);
      else this.buf = Buffer.allocUnsafe(most);
    }
    this.length += this.buf.write(text, this.length);
  }

  /** The full chunks so far, removed from `full`. */
  take(): Uint8Array[] {
    return this.full.splice(0, this.full.length);
  }

  /** Every chunk left, the last one partly filled. */
  end(): Uint8Array[] {
    if (this.length > 0) this.next(0);
    return this.take();
  }

  private next(needed: number): void {
    this.full.push(this.buf.subarray(0, this.length));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, needed));
    this.length = 0;
  }
}

/** The chunks of a text as one string (tests, the demo, the live endpoint). */
export function chunksToString(chunks: Iterable<Uint8Array>): string {
  return Buffer.concat([...chunks]).toString('utf8');
}
