import type { Metric, Registry } from 'prom-client';

/** One exposed sample, in prom-client's shape (exemplars are not kept: null or undefined as there). */
interface Value {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A labelled Prometheus histogram for hot paths, registered in a prom-client registry, which
 * writes the exposition. prom-client's Histogram builds a label object, validates it and hashes
 * it into a string on every observation; the TTFB middleware built on it took 1.3 µs per
 * response in a microbenchmark, on this one 0.1-0.2 µs. Here a caller looks a series up once and
 * keeps it; observing is a bucket search and three additions into a Float64Array, allocating
 * nothing.
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: { labels: Record<string, string>; counts: Float64Array }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    /** Upper bounds, ascending; +Inf is implied. */
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    for (let i = 1; i < bounds.length; i++)
      if (!(bounds[i] > bounds[i - 1])) throw new Error(`${name}: bucket bounds must increase`);
    // (the registry formats any object with prom-client's metric shape: name, help, type, get)
    registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The series for these label values (in labelNames order): per bucket a count, then the
   * +Inf bucket, the sum and the count. Look it up once per label set and keep it.
   */
  seriesFor(values: readonly string[]): Float64Array {
    const labels: Record<string, string> = {};
    for (const [i, n] of this.labelNames.entries()) labels[n] = values[i];
    const counts = new Float64Array(this.bounds.length + 3);
    this.series.push({ labels, counts });
    return counts;
  }

  observe(series: Float64Array, value: number): void {
    const bounds = this.bounds;
    let b = 0;
    while (b < bounds.length && value > bounds[b]) b++;
    series[b]++;
    series[bounds.length + 1] += value;
    series[bounds.length + 2]++;
  }

  /** prom-client's form for its text exposition: `le` apart from the series' labels. */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Value[];
  }> {
    const values: Value[] = [];
    const n = this.bounds.length;
    for (const { labels, counts } of this.series) {
      let cumulative = 0;
      for (let b = 0; b <= n; b++) {
        cumulative += counts[b];
        values.push({
          labels: { le: b < n ? this.bounds[b] : '+Inf' },
          sharedLabels: labels,
          value: cumulative,
          metricName: `${this.name}_bucket`,
          exemplar: null,
        });
      }
      values.push({
        labels: {},
        sharedLabels: labels,
        value: counts[n + 1],
        metricName: `${this.name}_sum`,
        exemplar: undefined,
      });
      values.push({
        labels: {},
        sharedLabels: labels,
        value: counts[n + 2],
        metricName: `${this.name}_count`,
        exemplar: undefined,
      });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The JSON form (`registry.getMetricsAsJSON()`): each value's labels in one object. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Omit<Value, 'sharedLabels'>[];
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, ...v }) => ({ ...v, labels: { ...sharedLabels, ...v.labels } })),
    };
  }

  /** `registry.resetMetrics()`: every series back to zero, the series kept. */
  reset(): void {
    for (const s of this.series) s.counts.fill(0);
  }
}
