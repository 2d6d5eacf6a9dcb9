/**
 * Text built from many pieces, encoded into one growing buffer as it comes. Holding the pieces
 * in an array until a final join keeps every one alive through each young-generation GC,
 * which then copies them all again (on a 20 k-frame SVG that was more time than rendering).
 */
export class TextBuffer {
  private buf = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  push(...texts: string[]): void {
    for (const text of texts) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit
      if (this.length + text.length * 3 > this.buf.length) this.grow(this.length + text.length * 3);
      this.length += this.buf.write(text, this.length);
    }
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length);
  }
}
