import type { CliCommand } from '../command.js';
import { check } from './check.js';
import { convert } from './convert.js';
import { demo } from './demo.js';
import { diff } from './diff.js';
import { flamegraph } from './flamegraph.js';
import { folded } from './folded.js';
import { leaks } from './leaks.js';
import { record } from './record.js';
import { report } from './report.js';
import { watch } from './watch.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  report,
  folded,
  flamegraph,
  diff,
  leaks,
  check,
  convert,
  watch,
  record,
  demo,
];
