/**
 * The heapflame demo program: 500 simulated S3 GET requests against an in-memory catalog.
 *   node dist/examples/s3-get/main.js [--fixed] [--requests N]
 * Record it: npx heapflame record -o before.heapflame -- node dist/examples/s3-get/main.js
 */
import { handleGetObject } from './handler.js';
import { ObjectCatalog } from './objects.js';

const args = process.argv.slice(2);
const fixed = args.includes('--fixed');
const requests = args.includes('--requests') ? Number(args[args.indexOf('--requests') + 1]) : 500;

const catalog = new ObjectCatalog(200);
const keys = catalog.keys();
let bytes = 0;
let firstByteMs = 0;
const started = performance.now();
for (let i = 0; i < requests; i++) {
  const t0 = performance.now();
  const res = await handleGetObject(catalog, keys[(i * 7) % keys.length], fixed);
  firstByteMs += performance.now() - t0;
  bytes += res.body.length;
}
const ms = performance.now() - started;
console.log(
  `${requests} GET requests (${fixed ? 'fixed' : 'with the planted problems'}): ${bytes} bytes served in ${ms.toFixed(0)} ms, mean time to first byte ${(firstByteMs / requests).toFixed(2)} ms`,
);
// the server shuts down: whatever it left running is still there
process.exit(0);
