import type { HeapClass, Profile } from '../model/profile.js';
import { formatBytes, formatInt, lineSafe } from './format.js';

/** The program's classes (V8's and Node's own left out), largest retained first, and what the left-out ones add up to. */
export function programClasses(profile: Profile, limit: number): { shown: HeapClass[]; internal: HeapClass } | null {
  const classes = profile.heap?.classes;
  if (!classes) return null;
  const internal: HeapClass = { name: "V8's and Node's own", internal: true, objects: 0, self: 0, retained: 0 };
  for (const c of classes) {
    if (!c.internal) continue;
    internal.objects += c.objects;
    internal.self += c.self;
  }
  return { shown: classes.filter((c) => !c.internal).slice(0, limit), internal };
}

/**
 * A heap snapshot's objects by class, as a table (DevTools' Summary without V8's internals):
 * objects, own bytes, retained bytes, class.
 */
export function heapClassLines(profile: Profile, limit: number): string[] {
  const table = programClasses(profile, limit);
  if (!table) return [];
  const lines = [
    "OBJECTS BY CLASS (the program's; retained: what they keep alive, one inside another of its class counted once)",
    `${'objects'.padStart(12)} ${'self'.padStart(11)} ${'retained'.padStart(11)}  class`,
  ];
  for (const c of table.shown)
    lines.push(
      `${formatInt(c.objects).padStart(12)} ${formatBytes(c.self).padStart(11)} ${formatBytes(c.retained).padStart(11)}  ${lineSafe(c.name)}`,
    );
  const { internal } = table;
  if (internal.objects > 0)
    lines.push(
      `${formatInt(internal.objects).padStart(12)} ${formatBytes(internal.self).padStart(11)} ${''.padStart(11)}  (${internal.name}: code, shapes, internal arrays, native objects)`,
    );
  lines.push('');
  return lines;
}
