import assert from 'node:assert/strict';
import { test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { createMetrics } from 'heapflame/metrics';

/** The TTFB middleware in Express and Fastify: their route templates become the labels. */

const count = (text: string, labels: string) =>
  Number(
    new RegExp(`^heapflame_http_ttfb_seconds_count\\{${labels.replace(/[/:]/g, (c) => `\\${c}`)}\\} (\\d+)$`, 'm').exec(
      text,
    )?.[1],
  );

/** GETs of objects by key and of an unknown path; the labels have the template, never a key. */
async function driveAndCheck(base: string, m: ReturnType<typeof createMetrics>, keys: string[]) {
  for (const key of keys) await (await fetch(`${base}/buckets/photos/objects/${key}`)).text();
  await (await fetch(`${base}/nowhere`)).text();
  const text = await m.registry.metrics();
  assert.equal(count(text, 'method="GET",route="/buckets/:bucket/objects/:key",status="200"'), keys.length);
  assert.equal(count(text, 'method="GET",route="unmatched",status="404"'), 1);
  assert.ok(!text.includes('secret-key'));
}

test('Express: app.use(metrics.http.middleware), labels from req.route', async () => {
  const m = createMetrics();
  const app = express();
  app.use(m.http.middleware);
  app.get('/buckets/:bucket/objects/:key', (req, res) => void res.send(`object ${req.params.key}`));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await driveAndCheck(`http://127.0.0.1:${(server.address() as { port: number }).port}`, m, ['a', 'b', 'secret-key']);
  } finally {
    server.close();
    m.stop();
  }
});

test("Fastify: addHook('onRequest', metrics.http.fastifyOnRequest), labels from the route's url", async () => {
  const m = createMetrics();
  const app = Fastify();
  app.addHook('onRequest', m.http.fastifyOnRequest);
  app.get('/buckets/:bucket/objects/:key', async (req) => `object ${(req.params as { key: string }).key}`);
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await driveAndCheck(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, m, ['a', 'secret-key']);
  } finally {
    await app.close();
    m.stop();
  }
});
