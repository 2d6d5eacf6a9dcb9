import { HeapflameError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import type { ImportFormat } from './format.js';
import { jsonHead } from './io/head.js';
import { isObject, jsonImporter } from './io/whole-input.js';
import { V8ProfileBuilder, type V8ProfileNode, type V8Sample, type V8SamplingProfile } from '../v8/sampling-profile.js';

/**
 * V8 sampling heap profiles: `node --heap-prof` files (`.heapprofile`), DevTools' "allocation
 * sampling" saves, and the inspector's `HeapProfiler.getSamplingProfile` answer (bare or as
 * `{profile}`). Their value is the bytes of sampled objects alive when the profile was taken:
 * each node's `selfSize`, which V8 scales per distinct object size (the sum over samples
 * differs from it by per-sample rounding, about 3 % at small intervals).
 */
export function profileFromV8(doc: unknown, path: string, warnings: string[] = []): Profile {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid V8 heap profile: ${what}`, { file: path });
  };
  const root = isObject(doc) && isObject(doc.profile) ? doc.profile : doc;
  if (!isObject(root) || !isObject(root.head)) fail('expected an object with "head", the call tree');
  const profile = root as unknown as V8SamplingProfile;
  // every node is checked before use: a malformed tree is one error, not a crash later
  const selfSizes: V8Sample[] = [];
  const seen = new Set<number>();
  const stack: unknown[] = [profile.head];
  while (stack.length) {
    const n = stack.pop();
    if (!isObject(n) || !isObject(n.callFrame) || !Number.isInteger(n.id)) fail('a node needs "id" and "callFrame"');
    const node = n as unknown as V8ProfileNode;
    if (seen.has(node.id)) fail(`node id ${node.id} appears twice`);
    seen.add(node.id);
    const cf = node.callFrame as unknown as Record<string, unknown>;
    if (typeof cf.functionName !== 'string' || typeof cf.url !== 'string')
      fail(`node ${node.id}: callFrame needs functionName and url`);
    if (!Number.isInteger(cf.lineNumber)) cf.lineNumber = -1;
    if (!Number.isInteger(cf.columnNumber)) cf.columnNumber = -1;
    const size = node.selfSize ?? 0;
    if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) fail(`node ${node.id}: selfSize is not a size`);
    if (size > 0) selfSizes.push({ nodeId: node.id, size });
    if (node.children !== undefined && !Array.isArray(node.children))
      fail(`node ${node.id}: children must be an array`);
    for (const c of node.children ?? []) stack.push(c);
  }
  const builder = new V8ProfileBuilder([
    {
      id: 'inuse',
      unit: 'bytes',
      label: 'in-use bytes',
      description:
        'Bytes of sampled objects alive when the profile was taken (V8 selfSize): in use then, not necessarily leaked.',
    },
  ]);
  builder.addSamples(profile, selfSizes, 0);
  const sampleCount = Array.isArray(profile.samples) ? profile.samples.length : 0;
  return builder.build({ format: 'v8', toolVersion: `V8 sampling heap profile, ${sampleCount} samples` }, warnings);
}

export const importV8 = jsonImporter(profileFromV8);

/** A V8 sampling heap profile opens with its root node (or, as Chrome DevTools saves it, a "profile" holding it). */
export const v8Format: ImportFormat = {
  name: 'v8',
  signature: 'V8 heap profile (JSON with "head": {"callFrame"...})',
  sniff: (head) => /^\s*\{\s*"(profile"\s*:\s*\{\s*")?head"\s*:\s*\{\s*"callFrame"/.test(jsonHead(head) ?? ''),
  load: importV8,
};
