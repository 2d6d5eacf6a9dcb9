import type { Exporter } from './exporter.js';
import { gzipSync } from 'node:zlib';
import type { Profile } from '../model/profile.js';
import { TextChunks } from './text-buffer.js';
import { jsonNumber } from './format.js';

/**
 * heapflame's own file format, version 1: gzip-compressed JSON holding the profile model as
 * it is, so that every command reads a recording without loss (costs with their units, the
 * stack tree, samples, timeline). Columnar arrays keep it small; README documents the schema.
 *
 *   { "format": "heapflame", "version": 1, "meta": {...}, "costs": [{id, unit, label, description}],
 *     "frames": [[name, file, line, module, address, inlined 0|1], ...],
 *     "nodes": {"parent": [...], "frame": [...]},          node 0 is the root (-1, -1)
 *     "samples": {"node": [...], "values": [[...] per cost], "labels": [{key: text|number} | null] (optional)},
 *     "totals": {costId: number}, "timeline": [[timeMs, heapBytes, rssBytes, externalBytes (-1: unknown), gc 0|1], ...], "warnings": [...] }
 */
export const HEAPFLAME_FORMAT_VERSION = 1;

/** The file's bytes. Synchronous: a recorder writes it from an exit handler. */
export const heapflameExporter: Exporter = {
  name: 'heapflame',
  kind: 'profile',
  suffixes: ['.heapflame'],
  label: '.heapflame',
  chunks: (profile) => heapflameChunks(profile),
};

export function encodeHeapflame(profile: Profile): Buffer {
  return Buffer.concat([...heapflameChunks(profile)]);
}

/** JSON text gzipped in members of about this much (a gzip file may hold several: readers join them). */
const MEMBER_BYTES = 1 << 20;

/**
 * The file as gzip members, the JSON made piece by piece: byte for byte what JSON.stringify
 * writes of the document. An array per column and one string of the whole document took twice
 * the memory of reading the profile (a 1 M-stack profile: 458 MB against 230 MB).
 */
export function* heapflameChunks(profile: Profile): Generator<Uint8Array> {
  const text = new TextChunks();
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  function* flush(all: boolean): Generator<Uint8Array> {
    for (const chunk of all ? text.end() : text.take()) {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
    if (pendingBytes >= MEMBER_BYTES || (all && pendingBytes > 0)) {
      yield gzipSync(Buffer.concat(pending));
      pending.length = 0;
      pendingBytes = 0;
    }
  }
  for (const piece of documentPieces(profile)) {
    text.push(piece);
    yield* flush(false);
  }
  yield* flush(true);
}

/** The document's JSON in pieces: the columns a few thousand numbers at a time. */
function* documentPieces(profile: Profile): Generator<string> {
  const head = { format: 'heapflame', version: HEAPFLAME_FORMAT_VERSION, meta: profile.meta, costs: profile.costs };
  yield `${JSON.stringify(head).slice(0, -1)},"frames":[`;
  for (let i = 0; i < profile.frames.length; i++) {
    const f = profile.frames[i];
    yield `${i ? ',' : ''}${JSON.stringify([f.name, f.file, f.line, f.module, f.address, f.inlined ? 1 : 0])}`;
  }
  yield '],"nodes":{"parent":';
  yield* numbers(profile.nodeParent.subarray(0, profile.nodeCount));
  yield ',"frame":';
  yield* numbers(profile.nodeFrame.subarray(0, profile.nodeCount));
  yield '},"samples":{"node":';
  yield* numbers(profile.sampleNode.subarray(0, profile.sampleCount));
  yield ',"values":[';
  for (let c = 0; c < profile.values.length; c++) {
    if (c) yield ',';
    yield* numbers(profile.values[c].subarray(0, profile.sampleCount));
  }
  yield ']';
  if (profile.sampleLabels) {
    yield ',"labels":[';
    for (let i = 0; i < profile.sampleLabels.length; i++)
      yield `${i ? ',' : ''}${JSON.stringify(profile.sampleLabels[i] ?? null)}`;
    yield ']';
  }
  const timeline = (profile.timeline ?? []).map((p) => [
    p.timeMs,
    p.heapBytes,
    p.rssBytes,
    p.externalBytes ?? -1,
    p.gc ? 1 : 0,
  ]);
  const tail = { totals: profile.totals, timeline, warnings: profile.warnings };
  yield `},${JSON.stringify(tail).slice(1)}`;
}

/** A column as a JSON array, 4,096 numbers a piece, each as JSON.stringify writes it. */
function* numbers(column: ArrayLike<number>): Generator<string> {
  yield '[';
  for (let from = 0; from < column.length; from += 4096) {
    const to = Math.min(column.length, from + 4096);
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(jsonNumber(column[i]));
    yield `${from ? ',' : ''}${parts.join(',')}`;
  }
  yield ']';
}
