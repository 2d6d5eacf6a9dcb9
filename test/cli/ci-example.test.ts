import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { CLI, ROOT, runCli, tempFiles } from '../helpers/paths.js';

/**
 * examples/ci: the steps of the GitHub Actions workflow (examples/ci/heapflame-ci.sh), run
 * here as the workflow runs them, with the demo program: main's recording (the fixed
 * version) against a pull request that brings the planted problems back.
 */
const files = tempFiles('ci-example');
after(files.remove);
const SCRIPT = join(ROOT, 'examples/ci/heapflame-ci.sh');
const PROGRAM = join(ROOT, 'dist/examples/s3-get/main.js');

function runSteps(command: string, env: Record<string, string>) {
  return spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 120_000,
    env: {
      ...process.env,
      HEAPFLAME: `${process.execPath} ${CLI}`,
      HEAPFLAME_COMMAND: command,
      HEAPFLAME_BUDGET: join(ROOT, 'examples/ci/heapflame.budget.json'),
      ...env,
    },
  });
}

test('the workflow file runs the script, which this test runs', () => {
  const workflow = readFileSync(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8');
  assert.match(workflow, /run: bash examples\/ci\/heapflame-ci\.sh/);
  for (const step of ['upload-artifact', 'gh pr comment', 'junit.xml', 'HEAPFLAME_BASE'])
    assert.ok(workflow.includes(step), step);
});

test('main fixed, the pull request brings the churn back: budget and growth fail, everything is published', () => {
  const main = join(files.dir, 'main');
  const base = runSteps(`node ${PROGRAM} --fixed`, { HEAPFLAME_OUT: main });
  assert.equal(base.status, 0, base.stdout + base.stderr);
  assert.match(base.stdout, /within budget/);

  const pr = join(files.dir, 'pr');
  const r = runSteps(`node ${PROGRAM}`, {
    HEAPFLAME_OUT: pr,
    HEAPFLAME_BASE: join(main, 'pr.heapflame'),
    HEAPFLAME_ARTIFACTS_URL: 'https://ci.example/runs/1',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL {2}allocated in \^readObjectBody\$: .* > 16\.0 MiB/);
  assert.match(r.stdout, /FAIL {2}tasks: [\d,]+ > 0/);
  assert.match(r.stdout, /FAIL {2}allocated: .* > 64\.0 MiB/);
  assert.match(r.stdout, /allocated: BASE .* -> NEW /);
  for (const f of ['pr.heapflame', 'pr.svg', 'pr.html', 'junit.xml', 'comment.md', 'diff.html'])
    assert.ok(existsSync(join(pr, f)), f);
  assert.equal(XMLValidator.validate(readFileSync(join(pr, 'junit.xml'), 'utf8')), true);
  const comment = readFileSync(join(pr, 'comment.md'), 'utf8');
  assert.match(comment, /^### heapflame: ❌ 3 of 3 memory limits exceeded/);
  assert.match(comment, /\[flame graph\]\(https:\/\/ci\.example\/runs\/1\)/);
  assert.match(comment, /allocated: BASE/);
  // the same recording checked by hand gives the same verdict
  assert.equal(
    runCli(['check', join(pr, 'pr.heapflame'), '--budget', join(ROOT, 'examples/ci/heapflame.budget.json'), '-q']).code,
    1,
  );
});
