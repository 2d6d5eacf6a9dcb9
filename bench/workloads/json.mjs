// A JSON-heavy service loop for the recorder's overhead benchmark: parse a request document,
// transform it, serialise the answer, with an await every few requests (as a server would).
// Usage: node json.mjs [seconds]   (default: a fixed 20 000 iterations)
const seconds = Number(process.argv[2]) || 0;
const doc = JSON.stringify({
  users: Array.from({ length: 40 }, (_, i) => ({
    id: i,
    name: `user-${i}`,
    email: `u${i}@example.com`,
    tags: ['a', 'b', 'c'],
    profile: { age: 20 + (i % 50), city: 'Lyon', score: i * 1.5 },
  })),
});
const cache = new Map();
async function handle(i) {
  const d = JSON.parse(doc);
  d.users = d.users.map((u) => ({ ...u, seen: true, rank: u.profile.score * 2 }));
  const out = JSON.stringify(d);
  // a small bounded cache: some objects live a while, most die young
  cache.set(i % 500, out.slice(0, 200));
  if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
  return out.length;
}
let total = 0;
const end = performance.now() + seconds * 1000;
for (let i = 0; seconds ? performance.now() < end : i < 20_000; i++) total += await handle(i);
console.log(`json workload: ${total} bytes out`);
