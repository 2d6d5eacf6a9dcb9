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

  /** `message` may be a function: made only for the warnings shown (a damaged file has millions). */
  add(kind: string, line: number, message: string | (() => string)): void {
    const last = this.last;
    if (last !== undefined && last.kind === kind && last.shown.length >= this.perKind) {
      last.more++; // (the common case in a damaged file: the same kind again, past those shown)
      return;
    }
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { kind, shown: [], more: 0 }));
    this.last = k;
    if (k.shown.length < this.perKind) k.shown.push(`${this.file}:${line}: ${typeof message === 'string' ? message : message()}`);
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
