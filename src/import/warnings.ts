/**
 * Warnings about damaged input, grouped by kind: the first few with their line numbers, then
 * a count, so a corrupt file gives a short list instead of a flood.
 */
export class Warnings {
  private kinds = new Map<string, { kind: string; shown: string[]; more: number }>();
  private last: { kind: string; shown: string[]; more: number } | undefined;

  constructor(
    private readonly file: string,
    private readonly perKind = 5,
  ) {}

  add(kind: string, line: number, message: string): void {
    if (!this.counted(kind)) this.last!.shown.push(`${this.file}:${line}: ${message}`);
  }

  /**
   * Counts one more warning of `kind` when as many as are shown have been given, and says so:
   * the hot paths of a damaged file (millions of bad lines) ask first and make no message.
   */
  counted(kind: string): boolean {
    let k = this.last;
    if (k === undefined || k.kind !== kind) {
      k = this.kinds.get(kind);
      if (!k) this.kinds.set(kind, (k = { kind, shown: [], more: 0 }));
      this.last = k;
    }
    if (k.shown.length < this.perKind) return false;
    k.more++;
    return true;
  }

  get count(): number {
    let n = 0;
    for (const k of this.kinds.values()) n += k.shown.length + k.more;
    return n;
  }

  list(): string[] {
    const out: string[] = [];
    for (const k of this.kinds.values()) {
      for (const w of k.shown) out.push(w);
      if (k.more > 0) out.push(`${this.file}: ... and ${k.more} more like the above`);
    }
    return out;
  }
}
