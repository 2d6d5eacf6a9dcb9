/**
 * Where the blocks of a zstd stream end (RFC 8878: frames of a header and blocks, skippable
 * frames). The fallback decoder (fzstd) decodes every complete block of what it is given
 * before it returns, and a block of 4 bytes can stand for 128 KiB (an RLE block): 36 KB of
 * input was 1 GiB in memory at once. Given one block at a time, it returns at most one
 * block's output. Damaged structure stops the cutting (the decoder then reports the damage).
 */
export class ZstdBlockCuts {
  /** Bytes of block content (or a skippable frame) still to pass before the next header. */
  private skip = 0;
  private state: 'magic' | 'skippable-size' | 'frame-header' | 'block-header' | 'broken' = 'magic';
  private header: number[] = [];
  private need = 4;
  private checksum = false;
  /** Where a block or frame ended in the chunk last given, in order. */
  private cuts: number[] = [];

  /** The offsets in `chunk` after which a block (or frame) is complete. */
  cutsIn(chunk: Uint8Array): number[] {
    this.cuts = [];
    let at = 0;
    while (at < chunk.length && this.state !== 'broken') {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        if (this.skip === 0) this.cuts.push(at);
        continue;
      }
      const n = Math.min(this.need - this.header.length, chunk.length - at);
      for (let i = 0; i < n; i++) this.header.push(chunk[at + i]);
      at += n;
      if (this.header.length === this.need) this.onHeader(at);
    }
    return this.cuts;
  }

  private onHeader(at: number): void {
    const h = this.header;
    this.header = [];
    switch (this.state) {
      case 'magic': {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (magic === 0xfd2fb528) this.expect('frame-header', 1);
        else if ((magic & 0xfffffff0) === 0x184d2a50) this.expect('skippable-size', 4);
        else this.state = 'broken';
        return;
      }
      case 'skippable-size':
        this.skip = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        this.expect('magic', 4);
        if (this.skip === 0) this.cuts.push(at);
        return;
      case 'frame-header':
        if (h.length === 1) {
          // the descriptor tells how long the rest of the header is
          const d = h[0];
          const single = (d >> 5) & 1;
          const fcs = [single, 2, 4, 8][d >> 6];
          this.checksum = ((d >> 2) & 1) === 1;
          this.header = h;
          this.need = 1 + (single ? 0 : 1) + [0, 1, 2, 4][d & 3] + fcs; // (2 at least)
          return;
        }
        this.expect('block-header', 3);
        return;
      case 'block-header': {
        const v = h[0] | (h[1] << 8) | (h[2] << 16);
        const type = (v >> 1) & 3;
        if (type === 3) {
          this.state = 'broken';
          return;
        }
        const last = (v & 1) === 1;
        this.skip = type === 1 ? 1 : v >>> 3;
        // after the last block: the checksum (if any), then the next frame
        if (last && this.checksum) this.skip += 4;
        this.expect(last ? 'magic' : 'block-header', last ? 4 : 3);
        if (this.skip === 0) this.cuts.push(at);
      }
    }
  }

  private expect(state: 'magic' | 'skippable-size' | 'frame-header' | 'block-header', bytes: number): void {
    this.state = state;
    this.need = bytes;
    this.header = [];
  }
}
