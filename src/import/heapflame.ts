import { closeSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { HeapflameError } from '../model/errors.js';
import {
  costIdFrom,
  type CostInfo,
  type Frame,
  type Profile,
  type SampleLabels,
  type TimelinePoint,
} from '../model/profile.js';
import type { ImportFormat } from './format.js';
import { isObject, jsonImporter } from './io/whole-input.js';

/**
 * Reads heapflame's own format (see export/heapflame.ts). Every field is checked before use:
 * a file that breaks the schema is one clear error naming the field, never a crash later on.
 */
export function profileFromDocument(doc: unknown, path: string, warnings: string[] = []): Profile {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid heapflame file: ${what}`, { file: path });
  };
  const d = isObject(doc) ? doc : fail('expected a JSON object');
  if (d.format !== 'heapflame') fail('"format" is not "heapflame"');
  if (d.version !== 1) fail(`version ${JSON.stringify(d.version)} is not supported (this heapflame reads version 1)`);
  const costs = costsOf(d, fail);
  const frames = framesOf(d, fail);
  const { nodeParent, nodeFrame, nodeCount } = nodesOf(d, frames.length, fail);
  const { sampleNode, values, sampleLabels } = samplesOf(d, nodeCount, costs.length, fail);
  const totals: Record<string, number> = {};
  if (isObject(d.totals))
    for (const [k, v] of Object.entries(d.totals))
      if (typeof v === 'number' && Number.isFinite(v)) totals[costIdFrom(k)] = v;
  const timeline = timelineOf(d);
  return {
    meta: metaOf(d.meta),
    costs,
    frames,
    nodeParent,
    nodeFrame,
    nodeCount,
    sampleNode,
    values,
    sampleCount: sampleNode.length,
    ...(sampleLabels && { sampleLabels }),
    totals,
    timeline: timeline.length ? timeline : undefined,
    warnings: [
      ...warnings,
      ...(Array.isArray(d.warnings) ? d.warnings.filter((w): w is string => typeof w === 'string') : []),
    ],
  };
}

type Fail = (what: string) => never;
type Document = Record<string, unknown>;

function costsOf(d: Document, fail: Fail): CostInfo[] {
  return (Array.isArray(d.costs) ? d.costs : fail('"costs" must be an array')).map((c, i): CostInfo => {
    if (!isObject(c) || typeof c.id !== 'string' || (c.unit !== 'bytes' && c.unit !== 'count'))
      fail(`costs[${i}] needs an id and a unit (bytes or count)`);
    const cost = c as Record<string, unknown>;
    return {
      id: costIdFrom(cost.id as string),
      unit: cost.unit as CostInfo['unit'],
      label: String(cost.label ?? cost.id),
      description: String(cost.description ?? ''),
    };
  });
}

function framesOf(d: Document, fail: Fail): Frame[] {
  return (Array.isArray(d.frames) ? d.frames : fail('"frames" must be an array')).map((f, i): Frame => {
    if (!Array.isArray(f) || f.length < 6) fail(`frames[${i}] must be [name, file, line, module, address, inlined]`);
    const [name, file, line, module, address, inlined] = f as unknown[];
    if (
      typeof name !== 'string' ||
      typeof file !== 'string' ||
      typeof module !== 'string' ||
      typeof address !== 'string' ||
      !Number.isInteger(line)
    ) {
      fail(`frames[${i}] has a field of the wrong type`);
    }
    return {
      name: name as string,
      file: file as string,
      line: line as number,
      module: module as string,
      address: address as string,
      inlined: inlined === 1,
    };
  });
}

/** The stack tree: node 0 the root, every parent before its children, every frame one that exists. */
function nodesOf(d: Document, frameCount: number, fail: Fail) {
  const nodes = isObject(d.nodes) ? d.nodes : fail('"nodes" must be an object');
  const nodeParent = ints(nodes.parent, 'nodes.parent', fail);
  const nodeFrame = ints(nodes.frame, 'nodes.frame', fail);
  const nodeCount = nodeParent.length;
  if (nodeCount === 0 || nodeFrame.length !== nodeCount)
    fail('nodes.parent and nodes.frame must have the same, non-zero length');
  if (nodeParent[0] !== -1) fail('node 0 must be the root (parent -1)');
  for (let n = 1; n < nodeCount; n++) {
    if (nodeParent[n] < 0 || nodeParent[n] >= n) fail(`node ${n}: its parent must come before it`);
    if (nodeFrame[n] < 0 || nodeFrame[n] >= frameCount) fail(`node ${n}: frame ${nodeFrame[n]} does not exist`);
  }
  return { nodeParent, nodeFrame, nodeCount };
}

function samplesOf(d: Document, nodeCount: number, costCount: number, fail: Fail) {
  const samples = isObject(d.samples) ? d.samples : fail('"samples" must be an object');
  const sampleNode = ints(samples.node, 'samples.node', fail);
  for (let i = 0; i < sampleNode.length; i++)
    if (sampleNode[i] < 0 || sampleNode[i] >= nodeCount) fail(`samples.node[${i}] is not a node`);
  const columns = Array.isArray(samples.values) ? samples.values : fail('"samples.values" must be an array');
  if (columns.length !== costCount) fail('samples.values needs one column per cost');
  const values = columns.map((col, c) => {
    if (!Array.isArray(col) || col.length !== sampleNode.length)
      fail(`samples.values[${c}] needs one value per sample`);
    const out = new Float64Array(sampleNode.length);
    for (let i = 0; i < out.length; i++) {
      const v = (col as unknown[])[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`samples.values[${c}][${i}] is not a number`);
      out[i] = v as number;
    }
    return out;
  });
  let sampleLabels: (SampleLabels | undefined)[] | undefined;
  if (samples.labels !== undefined) {
    const labels =
      Array.isArray(samples.labels) && samples.labels.length === sampleNode.length
        ? samples.labels
        : fail('samples.labels needs one entry per sample');
    sampleLabels = labels.map((l, i) => {
      if (l === null) return undefined;
      if (
        !isObject(l) ||
        !Object.values(l).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
      )
        fail(`samples.labels[${i}] must map names to text or numbers`);
      return l as SampleLabels;
    });
  }
  return { sampleNode, values, sampleLabels };
}

/** Timeline points; a malformed one is left out (the timeline is a picture, not a figure). */
function timelineOf(d: Document): TimelinePoint[] {
  const timeline: TimelinePoint[] = [];
  if (Array.isArray(d.timeline)) {
    for (const p of d.timeline) {
      if (
        Array.isArray(p) &&
        p.length >= 3 &&
        p.slice(0, 3).every((x) => typeof x === 'number' && Number.isFinite(x))
      ) {
        const point: TimelinePoint = { timeMs: p[0], heapBytes: p[1], rssBytes: p[2] };
        if (typeof p[3] === 'number' && p[3] >= 0) point.externalBytes = p[3];
        if (p[4] === 1) point.gc = true;
        timeline.push(point);
      }
    }
  }
  return timeline;
}

/**
 * The meta fields with the types the model gives them; anything else is dropped, so a hostile
 * file cannot hand an object where an output expects text.
 */
function metaOf(raw: unknown): Profile['meta'] {
  const meta: Record<string, unknown> = { format: 'heapflame' };
  if (!isObject(raw)) return meta as unknown as Profile['meta'];
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const kinds: Record<string, string> = {
    format: 'string',
    toolVersion: 'string',
    command: 'string',
    mainCost: 'string',
    attached: 'boolean',
    namesAsGiven: 'boolean',
  };
  for (const k of ['formatVersion', 'durationMs', 'peakRssBytes', 'peakTimeMs', 'pageSize', 'suppressedLeakedBytes'])
    kinds[k] = 'number';
  for (const [k, v] of Object.entries(raw)) {
    // known fields keep their type; others any plain value
    const kind = kinds[k] ?? (typeof v === 'string' || typeof v === 'boolean' ? typeof v : 'number');
    if (kind === 'number' ? finite(v) : typeof v === kind) meta[k] = v;
  }
  if (isObject(raw.filters)) {
    meta.filters = Object.fromEntries(
      Object.entries(raw.filters).filter(([, v]) => typeof v === 'string' || finite(v)),
    );
  }
  if (isObject(raw.sampling) && finite(raw.sampling.intervalBytes)) {
    const { intervalBytes, mode, precise, windows } = raw.sampling;
    meta.sampling = {
      intervalBytes,
      mode: typeof mode === 'string' ? mode : 'unknown',
      precise: precise === true,
      ...(Number.isSafeInteger(windows) && (windows as number) > 0 && { windows: windows as number }),
    };
  }
  if (Array.isArray(raw.suppressions)) {
    meta.suppressions = raw.suppressions.filter(
      (x): x is { pattern: string; matches: number; leakedBytes: number } =>
        isObject(x) && typeof x.pattern === 'string' && finite(x.matches) && finite(x.leakedBytes),
    );
  }
  return meta as unknown as Profile['meta'];
}

function ints(x: unknown, what: string, fail: (what: string) => never): Int32Array {
  if (!Array.isArray(x)) fail(`"${what}" must be an array`);
  const arr = x as unknown[];
  const out = new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!Number.isInteger(v) || (v as number) < -1 || (v as number) > 0x7fffffff) fail(`${what}[${i}] is not an index`);
    out[i] = v as number;
  }
  return out;
}

export const importHeapflame = jsonImporter(profileFromDocument);

/** heapflame's own files are JSON that opens with its format name. */
export const heapflameFormat: ImportFormat = {
  name: 'heapflame',
  signature: 'heapflame (JSON with "format": "heapflame")',
  sniff: (head) => /^\s*\{\s*"format"\s*:\s*"heapflame"/.test(head.toString('latin1', 0, 256)),
  load: importHeapflame,
};

/**
 * The meta of a heapflame file without reading the rest: the writer puts it first, so the
 * first inflated bytes hold it (what `record` shows of each process's file). Null where the
 * file is not one, or its meta is not within the first 32 KiB of compressed data.
 */
export function readHeapflameMeta(path: string): Profile['meta'] | null {
  let head: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const packed = Buffer.alloc(32 * 1024);
      const n = readSync(fd, packed, 0, packed.length, 0);
      // (deflate inflates at most about 1000-fold: the bound is never reached by a real file)
      head = gunzipSync(packed.subarray(0, n), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: 64 << 20,
      }).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const start = head.indexOf('"meta":{');
  if (!/^\{"format":"heapflame"/.test(head) || start < 0) return null;
  const end = objectEnd(head, start + 7);
  if (end < 0) return null;
  try {
    return metaOf(JSON.parse(head.slice(start + 7, end + 1)));
  } catch {
    return null;
  }
}

/** Where the JSON object opening at `open` closes (strings skipped), or -1. */
function objectEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
  }
  return -1;
}
