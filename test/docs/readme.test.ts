import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, requireOrSkip, ROOT, tempFiles } from '../helpers/paths.js';

/**
 * Every shell example in README.md and docs/ runs as written, in order, in a directory that is
 * what a user has after README's first command: the repository with its dependencies installed
 * and built. Blocks marked ```sh are run, each as one bash script with `set -e`: every command
 * must succeed. Background jobs a block starts are stopped at its end.
 */

/** README first, then the docs in the order a reader follows the loop (later ones use files earlier ones made). */
const DOCS = [
  'README.md',
  'docs/recording.md',
  'docs/commands.md',
  'docs/formats.md',
  'docs/testing.md',
  'docs/metrics.md',
  'docs/deployment.md',
  'docs/performance.md',
  'docs/architecture.md',
  'docs/library.md',
];
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** README's ```sh blocks, with the line each starts on. */
function shellBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```sh') continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i]);
    blocks.push({ line: start + 1, text: body.join('\n') });
  }
  return blocks;
}

/** What a clone holds after `npm ci` and the build: this repository, seen through links. */
function userDirectory(dir: string): void {
  for (const entry of ['dist', 'examples', 'test', 'bench', 'deploy', 'src', 'scripts', 'docs', 'README.md'])
    symlinkSync(join(ROOT, entry), join(dir, entry));
  // npx finds the bin in node_modules/.bin (the clone's own package name would send npx to the registry)
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules')))
    if (entry !== '.bin') symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  for (const bin of readdirSync(join(ROOT, 'node_modules/.bin')))
    symlinkSync(realpathSync(join(ROOT, 'node_modules/.bin', bin)), join(modules, '.bin', bin));
  symlinkSync(CLI, join(modules, '.bin/heapflame'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
}

/** The two Quick-start lines: npm ci happened (the links above), npm test is what runs this. */
const QUICK_START: Record<string, string> = { 'npm ci && npx heapflame demo': 'npx heapflame demo', 'npm test': '' };

// the examples run as a user runs them, not as children of this test run
const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
const skip = requireOrSkip('heaptrack') ?? requireOrSkip('gcc') ?? requireOrSkip('curl');
const dir = tempFiles('readme');
after(dir.remove);

test('README: every shell example runs as written', { skip, timeout: 600_000 }, () => {
  userDirectory(dir.dir);
  const blocks = DOCS.flatMap((doc) => shellBlocks(readFileSync(join(ROOT, doc), 'utf8')).map((b) => ({ ...b, doc })));
  assert.ok(
    blocks.filter((b) => b.doc === 'README.md').length >= 6,
    `README has its examples as sh blocks (${blocks.length})`,
  );
  assert.ok(blocks.length >= 14, `README and docs have their examples as sh blocks (${blocks.length})`);
  for (const block of blocks) {
    const script = block.text
      .split('\n')
      .map((l) => QUICK_START[l.trim()] ?? l)
      .join('\n');
    // set -m: each background job is a process group of its own, stopped whole at the end
    // (npx and the node it starts), so no process keeps the block's output open
    const stop = `trap 'for job in $(jobs -p); do kill -- -$job 2>/dev/null || true; done' EXIT`;
    const r = spawnSync('bash', ['-c', `set -e -m\n${stop}\n${script}`], {
      cwd: dir.dir,
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 1 << 28,
      env: inherited,
    });
    assert.equal(
      r.status,
      0,
      `${block.doc}:${block.line}: the block failed (exit ${r.status ?? r.signal})\n${block.text}\n--- output ---\n${r.stdout.slice(-2000)}${r.stderr.slice(-3000)}`,
    );
    assert.doesNotMatch(r.stderr, /internal error/, `${block.doc}:${block.line}`);
  }
});

test('README and docs: every block of commands is an sh block (so the test above runs it)', () => {
  const fences = DOCS.flatMap((doc) =>
    [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => [
      doc,
      ...m.slice(1),
    ]),
  );
  assert.ok(fences.length > 10);
  for (const [doc, lang, body] of fences) {
    if (lang === 'sh') continue;
    const command = body.split('\n').find((l) => /^(npx |npm |heaptrack |curl |gcc |node )/.test(l.trim()));
    assert.equal(command, undefined, `${doc}: a ${lang || 'plain'} block holds a command: ${command}`);
  }
});

test('README and docs: every docs/ file is in the tested list, README stays at most 300 lines, links resolve', () => {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  assert.deepEqual(
    docs.filter((d) => !DOCS.includes(d)),
    [],
  );
  assert.ok(README.split('\n').length <= 300, `README has ${README.split('\n').length} lines`);
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^https?:/.test(target)) continue;
      assert.ok(existsSync(join(ROOT, dirname(doc), target)), `${doc} links to ${target}`);
    }
  }
});

test('README: the test command, the help and the Quick start agree', () => {
  assert.match(README, /```sh\nnpm ci && npx heapflame demo\nnpm test\n```/);
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  for (const word of [
    'heaptrack',
    'Bytehound',
    'DHAT',
    'V8',
    'pprof',
    'speedscope',
    'folded',
    'HTML',
    'record',
    'check',
    'diff',
    'convert',
    'demo',
    'watch',
  ])
    assert.match(help, new RegExp(word), `--help names ${word}`);
});
