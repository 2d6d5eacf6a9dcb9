import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { loadCommands } from '../../src/cli/commands/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { renderSvg } from '../../src/export/svg.js';
import { exporterNamed } from '../../src/export/registry.js';
import { SVG_DEFAULTS } from '../../src/export/svg-defaults.js';
import { loadProfile } from '../../src/load.js';
import { fixture, runCli, tempFiles } from '../helpers/paths.js';

/** The command line's defaults are the library's (inferno's rule): shown, passed, and drawing alike. */

const files = tempFiles('defaults');
after(() => files.remove());

test('flamegraph: each option default is SVG_DEFAULTS, and the command with none draws what renderSvg draws', async () => {
  const command = buildProgram(await loadCommands(['flamegraph'])).commands.find((c) => c.name() === 'flamegraph')!;
  const defaultOf = (flag: string) => command.options.find((o) => o.long === flag)?.defaultValue;
  const expected: [string, unknown][] = [
    ['--width', SVG_DEFAULTS.width],
    ['--height', SVG_DEFAULTS.height],
    ['--fontsize', SVG_DEFAULTS.fontSize],
    ['--fonttype', SVG_DEFAULTS.fontType],
    ['--fontwidth', SVG_DEFAULTS.fontWidth],
    ['--minwidth', SVG_DEFAULTS.minWidth],
    ['--nametype', SVG_DEFAULTS.nameType],
    ['--factor', SVG_DEFAULTS.factor],
    ['--sort', SVG_DEFAULTS.sort],
  ];
  for (const [flag, value] of expected) assert.equal(defaultOf(flag), value, flag);
  // the exporter the command writes through declares the same defaults
  assert.deepEqual(exporterNamed('svg').defaults, SVG_DEFAULTS);
  const input = fixture('heaptrack.leaks.zst');
  const out = `${files.dir}/cli.svg`;
  const r = runCli(['flamegraph', input, '-o', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), renderSvg(await loadProfile(input)));
});
