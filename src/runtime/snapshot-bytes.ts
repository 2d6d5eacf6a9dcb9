/**
 * The sum of the self sizes of a V8 heap snapshot's nodes, some types and one name left out,
 * read straight from the snapshot's bytes. expectNoLeaks takes up to seven snapshots of a
 * test process; JSON.parse of each (8 MB in a vitest worker) cost 100–130 ms and made arrays
 * of millions of numbers, where this scan of the digits costs a tenth of that.
 *
 * The format (V8's heap-snapshot-generator): `{"snapshot":{"meta":{...},...},` then
 * `"nodes":[n,n,...]` of node_fields.length numbers per node, other arrays, and
 * `"strings":["...",...]` whose indices the nodes' name field holds.
 */
export function snapshotSelfBytes(
  bytes: Buffer,
  excludedTypes: readonly string[],
  excludedName: string,
  /**
   * When given, [0] is set to the largest id of a heap object (V8 numbers them as it first sees
   * them; Node's native objects and the roots are numbered otherwise, and left out).
   */
  maxId?: Float64Array,
): number {
  const nodesAt = bytes.indexOf('"nodes":[');
  if (nodesAt < 0) throw new Error('not a V8 heap snapshot: no nodes');
  const header = bytes.subarray(0, nodesAt).toString('utf8').trimEnd().replace(/,$/, '}');
  const meta = (JSON.parse(header) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } } })
    .snapshot.meta;
  const stride = meta.node_fields.length;
  const typeField = meta.node_fields.indexOf('type');
  const nameField = meta.node_fields.indexOf('name');
  const sizeField = meta.node_fields.indexOf('self_size');
  const idField = maxId ? meta.node_fields.indexOf('id') : -1;
  const native = meta.node_types[0].indexOf('native');
  const synthetic = meta.node_types[0].indexOf('synthetic');
  let largestId = 0;
  const excluded = new Uint8Array(meta.node_types[0].length);
  for (const t of excludedTypes) if (meta.node_types[0].includes(t)) excluded[meta.node_types[0].indexOf(t)] = 1;
  const name = stringIndex(bytes, excludedName);

  let sum = 0;
  let field = 0;
  let value = 0;
  let inNumber = false;
  let type = 0;
  let nodeName = 0;
  for (let i = nodesAt + 9; i < bytes.length; i++) {
    const c = bytes[i];
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      inNumber = true;
      continue;
    }
    if (inNumber) {
      if (field === typeField) type = value;
      else if (field === nameField) nodeName = value;
      else if (field === sizeField) sum += excluded[type] || nodeName === name ? 0 : value;
      else if (field === idField && value > largestId && type !== native && type !== synthetic) largestId = value;
      field = field + 1 === stride ? 0 : field + 1;
      value = 0;
      inNumber = false;
    }
    if (c === 0x5d) {
      // ]
      if (maxId) maxId[0] = largestId;
      return sum;
    }
  }
  throw new Error('not a V8 heap snapshot: its nodes do not end');
}

/** The index of a string in the snapshot's strings array, or -1. */
function stringIndex(bytes: Buffer, text: string): number {
  const stringsAt = bytes.lastIndexOf('"strings":[');
  if (stringsAt < 0) return -1;
  const wanted = Buffer.from(JSON.stringify(text));
  // each string whole, from its opening quote to its closing one (escapes skipped)
  let index = 0;
  for (let i = stringsAt + 11; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x5d) return -1; // ]
    if (c !== 0x22) continue;
    const start = i;
    for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
    if (i - start + 1 === wanted.length && bytes.subarray(start, i + 1).equals(wanted)) return index;
    index++;
  }
  return -1;
}
