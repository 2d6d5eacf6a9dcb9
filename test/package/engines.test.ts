import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

/**
 * package.json's engines and the dependency tree agree: every package a user installs with
 * heapflame runs on every Node heapflame says it runs on, and every package of the development
 * tree runs on the Node versions CI tests (npm ci --engine-strict fails otherwise).
 */

const semver = createRequire(import.meta.url)('semver') as {
  subset(a: string, b: string): boolean;
  satisfies(v: string, r: string): boolean;
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<
    string,
    { engines?: { node?: string } | string[]; dev?: boolean; dependencies?: Record<string, string> }
  >;
};

const nodeRange = (p: { engines?: { node?: string } | string[] }) =>
  Array.isArray(p.engines) ? undefined : p.engines?.node;

test('every runtime dependency runs on every Node heapflame supports (engines)', () => {
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && !p.dev);
  assert.ok(runtime.length >= Object.keys(pkg.dependencies).length, 'the runtime tree is in the lock file');
  for (const [path, p] of runtime) {
    const range = nodeRange(p);
    if (range)
      assert.ok(
        semver.subset(pkg.engines.node, range),
        `${path} needs node ${range}; heapflame says ${pkg.engines.node}`,
      );
  }
});

test('the development tree runs on the Node versions CI tests (20, 26) and on this one', () => {
  for (const [path, p] of Object.entries(lock.packages)) {
    const range = nodeRange(p);
    if (!range || !path) continue;
    for (const version of ['20.19.0', '26.0.0', process.versions.node])
      assert.ok(semver.satisfies(version, range), `${path} needs node ${range}, not ${version}`);
  }
});
