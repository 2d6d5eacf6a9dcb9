// Allocation-heavy synchronous code for the recorder's overhead benchmark: rounds that build
// 20,000 small objects, serialise them to JSON and parse them back, with no await anywhere.
// Usage: node objects.mjs [rounds]   (default 60)
const rounds = Number(process.argv[2]) || 60;
let checksum = 0;
for (let r = 0; r < rounds; r++) {
  const items = [];
  for (let i = 0; i < 20_000; i++)
    items.push({ id: i, round: r, name: `item-${i}`, tags: [i % 7, i % 11], ok: i % 3 === 0 });
  const back = JSON.parse(JSON.stringify(items));
  checksum += back.length + back[back.length - 1].id;
}
console.log(`objects workload: ${checksum}`);
