import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from '../../src/runtime/bucket-histogram.js';

/**
 * BucketHistogram stores observations its own way (no label hashing per observation) but must
 * read exactly like prom-client's Histogram: same series, buckets, sums and counts, in both
 * expositions and in JSON.
 */

const BOUNDS = [0.001, 0.005, 0.01, 0.1, 0.3, 1, 10];
const LABELS = ['method', 'route', 'status'] as const;

const observations = fc.array(
  fc.record({
    labels: fc.tuple(
      fc.constantFrom('GET', 'PUT'),
      fc.constantFrom('/:bucket', '/:bucket/:key', 'a "quoted"\\ \n route'),
      fc.constantFrom('200', '404'),
    ),
    // bounds themselves included: a value equal to a bound counts in that bucket
    value: fc.oneof(fc.constantFrom(...BOUNDS, 0), fc.double({ min: 0, max: 20, noNaN: true })),
  }),
  { maxLength: 60 },
);

test('the exposition equals prom-client Histogram for the same observations (property)', async () => {
  await fc.assert(
    fc.asyncProperty(observations, async (obs) => {
      const ours = new Registry();
      const theirs = new Registry();
      const h = new BucketHistogram('x_seconds', 'help text', LABELS, BOUNDS, ours);
      const p = new Histogram({
        name: 'x_seconds',
        help: 'help text',
        labelNames: LABELS,
        buckets: BOUNDS,
        registers: [theirs],
      });
      const series = new Map<string, Float64Array>();
      for (const { labels, value } of obs) {
        const key = labels.join('\u0000');
        if (!series.has(key)) series.set(key, h.seriesFor(labels));
        h.observe(series.get(key)!, value);
        p.observe({ method: labels[0], route: labels[1], status: labels[2] }, value);
      }
      // series appear in first-observation order in both
      assert.equal(await ours.metrics(), await theirs.metrics());
      ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
      theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
      assert.equal(await ours.metrics(), await theirs.metrics());
      assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
    }),
    { numRuns: 100 },
  );
});

test('reset zeroes every series and keeps it usable; bounds must increase', async () => {
  const registry = new Registry();
  const h = new BucketHistogram('y_seconds', 'help', ['k'], [1, 2], registry);
  const s = h.seriesFor(['a']);
  h.observe(s, 1.5);
  registry.resetMetrics();
  assert.match(await registry.metrics(), /y_seconds_count\{k="a"\} 0/);
  h.observe(s, 3);
  assert.match(
    await registry.metrics(),
    /y_seconds_bucket\{le="\+Inf",k="a"\} 1\ny_seconds_sum\{k="a"\} 3\ny_seconds_count\{k="a"\} 1/,
  );
  assert.throws(() => new BucketHistogram('z', 'help', [], [2, 1], new Registry()), /increase/);
});
