import { classChanges } from '../analyze/diff.js';
import type { LeakCluster, Profile } from '../model/profile.js';
import { formatBytes, lineSafe } from './format.js';
import { allocationFrame, clusterHolds, clusterTitle } from './leaks-report.js';

/** Classes in a page at most (a snapshot can name a class per closure). */
const MAX_CLASSES = 1000;
/** Leak clusters in a page at most, and frames of an allocation stack. */
const MAX_CLUSTERS = 20;
const MAX_FRAMES = 40;

/**
 * A heap snapshot's tables for the HTML page (viewer/heap.ts reads them): the classes, and the
 * leak clusters when the `leaks` command found them. Every text is set as text by the viewer.
 */
export function heapPageData(profile: Profile) {
  const heap = profile.heap;
  if (!heap) return undefined;
  // two snapshots compared: each class's change, the largest growth first
  const rows = heap.before
    ? classChanges(profile).map((c) => ({
        name: c.name,
        internal: c.internal,
        objects: c.objects[1] - c.objects[0],
        self: c.self[1] - c.self[0],
        retained: c.retained[1] - c.retained[0],
      }))
    : heap.classes;
  const classes = rows
    .slice(0, MAX_CLASSES)
    .map((c) => [lineSafe(c.name), c.internal ? 1 : 0, c.objects, c.self, c.retained]);
  const leaks = heap.leaks && {
    objects: heap.leaks.objects,
    retained: heap.leaks.retained,
    clustersRetained: heap.leaks.clustersRetained,
    leftOut: Math.max(0, heap.leaks.clusters.length - MAX_CLUSTERS),
    clusters: heap.leaks.clusters.slice(0, MAX_CLUSTERS).map((c) => leakData(c, heap.leaks!.clustersRetained)),
  };
  return { classes, changes: heap.before !== undefined, classesLeftOut: Math.max(0, rows.length - MAX_CLASSES), leaks };
}

function leakData(c: LeakCluster, total: number) {
  return {
    title: clusterTitle(c, total),
    holds: clusterHolds(c),
    label: lineSafe(c.signature[c.signature.length - 1] ?? c.className),
    path: c.example.path.map((s) => [
      s.edge === null ? '' : lineSafe(s.edge),
      lineSafe(`${s.className} @${s.id}`),
      formatBytes(s.retained),
      s.internal ? 1 : 0,
    ]),
    allocatedAt: c.allocatedAt?.slice(0, MAX_FRAMES).map(allocationFrame) ?? null,
  };
}
