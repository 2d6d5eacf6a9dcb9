import type { Exporter } from './exporter.js';
import { gzipSync } from 'node:zlib';
import type { Profile } from '../model/profile.js';

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
  chunks: (profile) => [encodeHeapflame(profile)],
};

export function encodeHeapflame(profile: Profile): Buffer {
  const doc = {
    format: 'heapflame',
    version: HEAPFLAME_FORMAT_VERSION,
    meta: profile.meta,
    costs: profile.costs,
    frames: profile.frames.map((f) => [f.name, f.file, f.line, f.module, f.address, f.inlined ? 1 : 0]),
    nodes: {
      parent: Array.from(profile.nodeParent.subarray(0, profile.nodeCount)),
      frame: Array.from(profile.nodeFrame.subarray(0, profile.nodeCount)),
    },
    samples: {
      node: Array.from(profile.sampleNode.subarray(0, profile.sampleCount)),
      values: profile.values.map((v) => Array.from(v.subarray(0, profile.sampleCount))),
      ...(profile.sampleLabels && { labels: profile.sampleLabels.map((l) => l ?? null) }),
    },
    totals: profile.totals,
    timeline: (profile.timeline ?? []).map((p) => [
      p.timeMs,
      p.heapBytes,
      p.rssBytes,
      p.externalBytes ?? -1,
      p.gc ? 1 : 0,
    ]),
    warnings: profile.warnings,
  };
  return gzipSync(JSON.stringify(doc));
}
