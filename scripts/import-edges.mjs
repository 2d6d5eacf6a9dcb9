#!/usr/bin/env node
// The import edges between heapflame's rooms (src/<room>/, src/*.ts as "src", examples/, viewer/),
// counted from every relative import and dynamic import() in the source. (A program the CLI
// runs as a child process, named by `new URL(...)`, is a file it runs, not code it imports.)
// `node scripts/import-edges.mjs` prints the table; `--json` prints it as JSON (the architecture test reads it).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? walk(path)
      : /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')
        ? [path]
        : [];
  });
}

/** The room a file is in: src/<folder>, "src" for src's own files, else the top folder. */
export function roomOf(path) {
  const parts = relative(root, path).split(sep);
  if (parts[0] === 'src') return parts.length > 2 ? parts[1] : 'src';
  return parts[0];
}

export function importEdges() {
  const edges = new Map();
  for (const top of ['src', 'examples', 'viewer']) {
    for (const file of walk(join(root, top))) {
      const from = roomOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
        const target = resolve(dirname(file), m[2]);
        const to = roomOf(target);
        if (to === from || relative(root, target).startsWith('..')) continue;
        const key = `${from} -> ${to}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
      }
    }
  }
  return [...edges]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([edge, count]) => ({ from: edge.split(' -> ')[0], to: edge.split(' -> ')[1], count }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const edges = importEdges();
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(edges)}\n`);
  else
    for (const e of edges)
      process.stdout.write(`${e.from.padEnd(10)} -> ${e.to.padEnd(10)} ${String(e.count).padStart(4)}\n`);
}
