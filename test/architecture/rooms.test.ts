import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/**
 * The rooms of the pipeline (docs/architecture.md): data flows import → model → analyze →
 * export; record and runtime share src/v8 and never each other; the command line reaches the
 * importers only through src/load.ts and runs the examples as programs, never imports them.
 */

interface Edge {
  from: string;
  to: string;
  count: number;
}

const FORBIDDEN: [string, string, string][] = [
  ['record', 'runtime', 'record and runtime share src/v8'],
  ['runtime', 'record', 'record and runtime share src/v8'],
  ['cli', 'import', 'the command line loads profiles through src/load.ts'],
  ['cli', 'examples', 'the command line runs the examples as programs'],
  ['model', '*', 'the model imports nothing'],
  ['import', 'export', 'an importer never renders'],
  ['import', 'analyze', 'importers build profiles; analysis comes after'],
  ['export', 'import', 'an exporter never parses'],
  ['analyze', 'import', 'analysis works on profiles'],
  ['analyze', 'export', 'analysis works on profiles'],
  ['v8', 'record', 'src/v8 is shared by record and runtime'],
  ['v8', 'runtime', 'src/v8 is shared by record and runtime'],
];

test('import edges between rooms: none of the forbidden ones', async () => {
  const { importEdges } = (await import(pathToFileURL(join(ROOT, 'scripts/import-edges.mjs')).href)) as {
    importEdges: () => Edge[];
  };
  const edges = importEdges();
  assert.ok(
    edges.some((e) => e.from === 'cli' && e.to === 'export'),
    'the edges are counted at all',
  );
  const found = edges.flatMap((e) =>
    FORBIDDEN.filter(([from, to]) => e.from === from && (to === '*' || e.to === to)).map(
      ([, , why]) => `${e.from} -> ${e.to} (${e.count}): ${why}`,
    ),
  );
  assert.deepEqual(found, []);
});
