import type { TimelinePoint } from '../model/profile.js';

/**
 * Heap and RSS over time with bounded memory: at most `capacity` points; when full, adjacent
 * points merge (keeping their maxima) and each later point covers twice as many ticks.
 * Each point carries the highest heap seen since the previous tick, so the peak shows.
 */
export class Timeline {
  readonly points: TimelinePoint[] = [];
  private stride = 1;
  private pending = 0;
  private bucket: TimelinePoint | null = null;
  private lastRss = 0;

  constructor(private readonly capacity = 4096) {}

  tick(timeMs: number, heapMax: number): void {
    const b = this.bucket;
    if (b === null) this.bucket = { timeMs, heapBytes: heapMax, rssBytes: this.lastRss };
    else {
      b.timeMs = timeMs;
      if (heapMax > b.heapBytes) b.heapBytes = heapMax;
    }
    if (++this.pending >= this.stride) this.flush();
  }

  rss(bytes: number): void {
    this.lastRss = bytes;
    const p = this.bucket ?? this.points[this.points.length - 1];
    if (p && bytes > p.rssBytes) p.rssBytes = bytes;
  }

  finish(timeMs: number, heapMax: number): void {
    if (this.bucket !== null || heapMax > 0) this.tick(timeMs, heapMax);
    if (this.bucket) this.flush();
  }

  private flush(): void {
    this.points.push(this.bucket!);
    this.bucket = null;
    this.pending = 0;
    if (this.points.length >= this.capacity) {
      const merged: TimelinePoint[] = [];
      for (let i = 0; i < this.points.length; i += 2) {
        const a = this.points[i];
        const b = this.points[i + 1];
        merged.push(
          b
            ? {
                timeMs: b.timeMs,
                heapBytes: Math.max(a.heapBytes, b.heapBytes),
                rssBytes: Math.max(a.rssBytes, b.rssBytes),
              }
            : a,
        );
      }
      this.points.length = 0;
      for (const p of merged) this.points.push(p);
      this.stride *= 2;
    }
  }
}
