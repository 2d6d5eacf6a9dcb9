/**
 * Warnings about damaged input, grouped by kind: the first few with their line numbers, then
 * a count, so a corrupt file gives a short list instead of a flood.
 */
export class Warnings {
  private kinds = new Map<string, { shown: string[]; more: number }>();

  constructor(
    private readonly file: string,
    private readonly perKind = 5,
  ) {}

  add(kind: string, line: number, message: string): void {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { shown: [], more: 0 }));
    if (k.shown.length < this.perKind) k.shown.push(`${this.file}:${line}: ${message}`);
    else k.more++;
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
