import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, tempFiles } from '../helpers/paths.js';

/**
 * The published package on its own: `npm pack`, installed into an empty project, used there
 * as a user would (npx heapflame ..., imports from an ESM file and from TypeScript). Nothing
 * of the repository is beside it.
 */

const work = tempFiles('packed');
after(work.remove);
const project = join(work.dir, 'user-project');
const CI = process.env.CI ? { CI: 'true' } : {};

// not a child of this test run: node:test marks its children by NODE_TEST_CONTEXT
const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
const env = { ...inherited, ...CI };

function sh(command: string, args: string[], options: { cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? project,
    encoding: 'utf8',
    timeout: options.timeout ?? 180_000,
    maxBuffer: 1 << 26,
    env,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

before(() => {
  // the build is there: npm test made it (no prepare script again)
  const pack = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work.dir], { cwd: ROOT });
  assert.equal(pack.status, 0, pack.out);
  const tarball = join(
    work.dir,
    (JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string }[])[0].filename,
  );
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }),
  );
  const install = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
  assert.equal(install.status, 0, install.out);
});

test('the installed package: npx heapflame demo writes every file README lists', { timeout: 300_000 }, () => {
  const r = sh('npx', ['heapflame', 'demo'], { timeout: 300_000 });
  assert.equal(r.status, 0, r.out);
  for (const f of [
    'before.heapflame',
    'before.html',
    'before.svg',
    'before.report.txt',
    'after.heapflame',
    'diff-allocated.html',
    'diff-allocated.svg',
    'diff-tasks.svg',
    'native/report.txt',
    'native/report.json',
  ]) {
    const file = join(project, 'heapflame-demo', f);
    assert.ok(existsSync(file) && statSync(file).size > 0, `${f} written`);
  }
});

test('the installed package: flamegraph to .svg and .html, report --json, record -- node', { timeout: 120_000 }, () => {
  const recording = join(project, 'node_modules/heapflame/examples/demo/heaptrack.s3-get.zst');
  for (const out of ['graph.svg', 'graph.html']) {
    const r = sh('npx', ['heapflame', 'flamegraph', recording, '-o', out]);
    assert.equal(r.status, 0, r.out);
    assert.ok(statSync(join(project, out)).size > 1000, out);
  }
  const report = sh('npx', ['heapflame', 'report', recording, '--json']);
  assert.equal(report.status, 0, report.out);
  assert.equal(JSON.parse(report.out).schema, 'heapflame.report/1');
  const rec = sh('npx', [
    'heapflame',
    'record',
    '-o',
    'mine.heapflame',
    '--',
    'node',
    '-e',
    'globalThis.keep = Array.from({ length: 1e5 }, (_, i) => ({ i }))',
  ]);
  assert.equal(rec.status, 0, rec.out);
  assert.match(rec.out, /wrote .*mine\.heapflame: node/);
  const mine = sh('npx', ['heapflame', 'report', 'mine.heapflame']);
  assert.equal(mine.status, 0, mine.out);
  assert.match(mine.out, /^MOST BYTES ALLOCATED$/m);
});

test('the installed package imports from ESM and type-checks from TypeScript', { timeout: 120_000 }, () => {
  writeFileSync(
    join(project, 'use.mjs'),
    [
      "import { loadProfile, renderTextReport } from 'heapflame';",
      "import { expectNoLeaks, heapStats } from 'heapflame/testing';",
      "import { measure } from 'heapflame/hotpath';",
      "import { createMetrics } from 'heapflame/metrics';",
      "const p = await loadProfile('node_modules/heapflame/examples/demo/heaptrack.s3-get.zst');",
      'if (!renderTextReport(p).includes("MOST CALLS TO ALLOCATION FUNCTIONS")) throw new Error("no report");',
      'await expectNoLeaks(() => JSON.stringify({ a: 1 }));',
      'if (!(heapStats().currBytes > 0)) throw new Error("no heap stats");',
      'measure(function parse() { return 1; })();',
      'const m = createMetrics(); m.stop();',
      'console.log("imports ok");',
    ].join('\n'),
  );
  const esm = sh(process.execPath, ['use.mjs']);
  assert.equal(esm.status, 0, esm.out);
  assert.match(esm.out, /imports ok/);

  writeFileSync(
    join(project, 'use.ts'),
    [
      "import { loadProfile, type Profile } from 'heapflame';",
      "import { expectNoLeaks, type HeapStats } from 'heapflame/testing';",
      "import { measure } from 'heapflame/hotpath';",
      "import { createMetrics } from 'heapflame/metrics';",
      'export async function peak(file: string): Promise<number> {',
      '  const p: Profile = await loadProfile(file, { minSize: 1024 });',
      '  return p.totals.peak;',
      '}',
      'export const check: Promise<void> = expectNoLeaks(() => 1, { toleranceBytes: 64 });',
      'export const stats: HeapStats | undefined = undefined;',
      'export const timed: (s: string) => number = measure(function parseRecord(s: string) { return s.length; });',
      'export const registry = createMetrics().registry;',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['use.ts'],
    }),
  );
  const tsc = sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  assert.equal(tsc.status, 0, tsc.out);
  // a wrong use is caught by the types, so they are really read
  writeFileSync(
    join(project, 'use.ts'),
    `${readFileSync(join(project, 'use.ts'), 'utf8')}\nexport const wrong: string = (await loadProfile('x')).totals.peak;\n`,
  );
  const bad = sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  assert.notEqual(bad.status, 0, 'a type error is reported');
  assert.match(bad.out, /number.*string|string.*number/i);
});
