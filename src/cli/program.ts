import { DEFAULT_MAX_WHOLE_BYTES } from '../import/limits.js';
import { Command, CommanderError, Option } from 'commander';
import { HeapflameError } from '../model/errors.js';
import type { LoadOptions } from '../load.js';
import { writeOutput } from '../export/write-file.js';
import { lineSafe, terminalSafe } from '../export/format.js';
import { parseCount, parseRegex, parseSize, parseTime } from './values.js';
import { progressReporter } from './progress.js';
import { PALETTES, type Palette } from '../export/flame-colors.js';
import { SVG_DEFAULTS } from '../export/svg-defaults.js';
import { readFileSync } from 'node:fs';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What every reading command accepts, for its help. */
const INPUT = 'any profile heapflame reads: heaptrack, Bytehound, DHAT, V8 heap profile, pprof, speedscope, folded stacks or .heapflame (zstd, gzip or plain; - for stdin)';
const COST_HELP = "a cost of the profile (default: its main one; heaptrack: allocations, a Node recording: allocated); an unknown one lists the profile's costs";

interface DiffFlags {
  cost?: string;
  failOnGrowth?: string;
  output?: string;
  negate?: boolean;
  json?: boolean;
  top: number;
}

interface SvgFlags {
  output: string;
  cost?: string;
  title?: string;
  subtitle?: string;
  width: number;
  height: number;
  fontsize: number;
  fonttype: string;
  fontwidth: number;
  minwidth: string;
  countname?: string;
  nametype: string;
  colors?: Palette;
  hash?: boolean;
  reverse?: boolean;
  inverted?: boolean;
  flamechart?: boolean;
  negate?: boolean;
  factor: number;
  notes?: string;
  total?: number;
  sort: 'name' | 'weight';
}

interface CheckFlags {
  maxPeak?: string;
  maxLeaked?: string;
  maxTemporary?: string;
  maxAllocations?: number;
  maxAllocated?: string;
  maxTasks?: number;
  max?: string[];
  budget?: string;
  junit?: string;
  markdown?: string;
  link?: string[];
}

interface CommonFlags {
  minSize?: number;
  maxSize?: number;
  from?: LoadOptions['from'];
  to?: LoadOptions['to'];
  focus?: RegExp;
  exclude?: RegExp;
  rawNames?: boolean;
  keepHashes?: boolean;
  shortenTemplates?: boolean;
  suppressions?: string;
  builtinSuppressions?: boolean;
  embeddedSuppressions?: boolean;
  quiet?: boolean;
  maxDocument?: number;
}

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--min-size <bytes>', 'only allocations of at least this size (K, M, G: 1024-based)', parseSize)
    .option('--max-size <bytes>', 'only allocations of at most this size', parseSize)
    .option('--from <time>', 'only events from this time on (2.5s, 1500ms, 40%)', parseTime)
    .option('--to <time>', 'only events up to this time; leaked = allocated in the window, live at its end', parseTime)
    .option('--focus <regex>', 'only stacks with a frame matching this', parseRegex)
    .option('--exclude <regex>', 'drop stacks with a frame matching this', parseRegex)
    .option('--raw-names', 'heaptrack_print-compatible output: its names (no Rust demangling), frame order and suppression handling')
    .option('--keep-hashes', 'keep Rust hash suffixes and crate disambiguators')
    .option('--no-shorten-templates', 'keep C++ template arguments (heaptrack_print -t 0)')
    .option('--suppressions <file>', 'LeakSanitizer-style leak suppressions (leak:<pattern> lines)')
    .option('--no-builtin-suppressions', "do not apply heaptrack's built-in leak suppressions")
    .option('--no-embedded-suppressions', 'ignore suppressions embedded in the recording')
    .option('--max-document <size>', `JSON and pprof inputs are read whole: refuse more than this once decompressed (default ${DEFAULT_MAX_WHOLE_BYTES / 2 ** 20}M)`, parseSize)
    .option('-q, --quiet', 'no progress display');
}

async function load(file: string, flags: CommonFlags, extra: Partial<LoadOptions> = {}) {
  const progress = progressReporter(terminalSafe(file), !flags.quiet);
  try {
    // Each command loads only the modules it uses: `record` starts the program sooner.
    const { loadProfile } = await import('../load.js');
    const profile = await loadProfile(file, {
      minSize: flags.minSize,
      maxSize: flags.maxSize,
      from: flags.from,
      to: flags.to,
      focus: flags.focus,
      exclude: flags.exclude,
      raw: flags.rawNames,
      heaptrackCompat: flags.rawNames,
      keepHashes: flags.keepHashes,
      shortenTemplates: flags.shortenTemplates,
      suppressionsFile: flags.suppressions,
      builtinSuppressions: flags.builtinSuppressions,
      embeddedSuppressions: flags.embeddedSuppressions,
      onProgress: progress.update,
      input: flags.maxDocument === undefined ? undefined : { maxWholeBytes: flags.maxDocument },
      ...extra,
    });
    for (const w of profile.warnings) process.stderr.write(`heapflame: warning: ${terminalSafe(w)}\n`);
    return profile;
  } finally {
    progress.done();
  }
}

/** How a command ended when it did not simply succeed: an exit code, or the signal a recorded program died of. */
export interface CommandStatus {
  code?: number;
  signal?: NodeJS.Signals;
}

/** The command line; commands report a status other than success into `status`. */
export function buildProgram(status: CommandStatus = {}): Command {
  const program = new Command('heapflame')
    .description(
      'Memory recordings into answers: where a program allocates, what it throws away at once, what it never frees and what was live at its peak.\n' +
        'Records Node programs itself and native ones with heaptrack; reads heaptrack, Bytehound, DHAT, V8 heap profiles, pprof, speedscope and folded stacks;\n' +
        'writes text and JSON reports, folded stacks, SVG flame graphs, an interactive HTML report, diffs, CI verdicts (check) and other formats (convert).',
    )
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    // `record`'s command line is the program's from its first word on
    .enablePositionalOptions()
    // set before the subcommands exist: they copy these settings
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  commonOptions(
    program
      .command('report')
      .description('totals and top places per cost, the main cost first (heaptrack_print style), or --json')
      .argument('<file>', INPUT)
      .option('-c, --cost <cost>', 'only this cost\'s section')
      .option('--json', 'machine-readable report (schema heapflame.report/1)')
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('--dhat-view <metric>', "DHAT files: dh_view's program-point tree for one of its sort metrics (0-13, 1 is dh_view's default)", parseCount)
      .option('-n, --top <n>', 'places per section', parseCount, 10)
      .option('-s, --stacks <n>', 'stacks per place', parseCount, 5),
  ).action(async (file: string, flags: CommonFlags & { cost?: string; json?: boolean; output?: string; top: number; stacks: number; dhatView?: number }) => {
    const profile = await load(file, flags);
    if (flags.dhatView !== undefined) {
      const { renderDhatView } = await import('../export/dhat-view-text.js');
      await writeOutput(flags.output ?? '-', [renderDhatView(profile, flags.dhatView)]);
      return;
    }
    const { requireCost } = await import('../model/profile.js');
    const sections = flags.cost === undefined ? undefined : [requireCost(profile, flags.cost).id];
    const opts = { limit: flags.top, stacksPerEntry: flags.stacks, file, sections, heaptrackCompat: flags.rawNames };
    const text = flags.json ? (await import('../export/report-json.js')).renderJsonReport(profile, opts) : (await import('../export/report-text.js')).renderTextReport(profile, opts);
    await writeOutput(flags.output ?? '-', [text]);
  });

  commonOptions(
    program
      .command('folded')
      .description('folded stacks for flame graphs, one line per stack (heaptrack_print -F compatible)')
      .argument('<file>', INPUT)
      .option('-c, --cost <cost>', COST_HELP)
      .option('-o, --output <file>', 'output file (default: stdout)'),
  ).action(async (file: string, flags: CommonFlags & { cost?: string; output?: string }) => {
    const profile = await load(file, flags);
    const { foldedChunks } = await import('../export/folded.js');
    await writeOutput(flags.output ?? '-', foldedChunks(profile, { cost: flags.cost, heaptrackOrder: flags.rawNames }));
  });

  commonOptions(
    program
      .command('flamegraph')
      .description('an interactive SVG flame graph (flamegraph.pl options), from a recording or folded stacks')
      .argument('<file>', INPUT)
      .requiredOption('-o, --output <file>', 'output file: .svg (one cost) or .html (every cost, interactive report)')
      .option('-c, --cost <cost>', `SVG: ${COST_HELP}`)
      .option('--title <text>', 'title (default: "heapflame: <cost>")')
      .option('--subtitle <text>', 'second title line')
      .option('--width <px>', 'image width', parseCount, SVG_DEFAULTS.width)
      .option('--height <px>', 'frame height', parseCount, SVG_DEFAULTS.height)
      .option('--fontsize <px>', 'font size', parseCount, SVG_DEFAULTS.fontSize)
      .option('--fonttype <font>', 'font family', SVG_DEFAULTS.fontType)
      .option('--fontwidth <ratio>', 'average glyph width / font size', Number, SVG_DEFAULTS.fontWidth)
      .option('--minwidth <px|%>', 'omit frames narrower than this (px, or N% of the total)', SVG_DEFAULTS.minWidth)
      .option('--countname <text>', 'unit in tooltips')
      .option('--nametype <text>', 'prefix of the hover line', SVG_DEFAULTS.nameType)
      .addOption(new Option('--colors <palette>', 'palette (default: mem for memory, hot otherwise)').choices([...PALETTES]))
      .option('--hash', 'colours weighted by the start of the name')
      .option('--reverse', 'merge stacks from the leaf (who calls the hot functions)')
      .option('--inverted', 'icicle graph: root at the top')
      .option('--flamechart', 'flame chart: stacks in input order, merged only with the one before')
      .option('--negate', 'two-column (differential) input: widths from the first column')
      .option('--factor <n>', 'multiply values for display', Number, SVG_DEFAULTS.factor)
      .option('--notes <text>', 'notes in an XML comment')
      .option('--total <n>', '100% is this (to share a scale between graphs)', Number)
      .addOption(new Option('--sort <order>', 'sibling order').choices(['name', 'weight']).default(SVG_DEFAULTS.sort)),
  ).action(async (file: string, flags: CommonFlags & SvgFlags) => {
    const { flameGraphFormat } = await import('../export/convert.js');
    const format = flameGraphFormat(flags.output);
    const profile = await load(file, flags, { keepOrder: flags.flamechart });
    if (format === 'html') {
      await writeOutput(flags.output, [(await import('../export/html.js')).renderHtml(profile, { title: flags.title })]);
      return;
    }
    const { renderSvg } = await import('../export/svg.js');
    await writeOutput(flags.output, [
      renderSvg(profile, {
        cost: flags.cost,
        title: flags.title,
        subtitle: flags.subtitle,
        width: flags.width,
        height: flags.height,
        fontSize: flags.fontsize,
        fontType: flags.fonttype,
        fontWidth: flags.fontwidth,
        minWidth: flags.minwidth,
        countName: flags.countname,
        nameType: flags.nametype,
        colors: flags.colors,
        hash: flags.hash,
        reverse: flags.reverse,
        inverted: flags.inverted,
        flamechart: flags.flamechart,
        negate: flags.negate,
        factor: flags.factor,
        notes: flags.notes,
        total: flags.total,
        sort: flags.sort,
      }),
    ]);
  });

  commonOptions(
    program
      .command('diff')
      .description('what changed between two profiles (or one two-column folded file): top growing and shrinking functions, and a differential flame graph with -o')
      .argument('<base>', 'the earlier profile (or folded stacks with two count columns)')
      .argument('[new]', 'the later profile')
      .option('-c, --cost <cost>', `cost to compare: ${COST_HELP}`)
      .option('-o, --output <file>', 'differential flame graph (.svg, or .html: interactive)')
      .option('--negate', 'widths from BASE instead of NEW')
      .option('--json', 'the comparison as JSON (schema heapflame.diff/1)')
      .option('--fail-on-growth <p%>', 'exit 1 when the total of the cost grew by more than this share (CI), e.g. 10%')
      .option('-n, --top <n>', 'functions per list', parseCount, 10),
  ).action(async (baseFile: string, newFile: string | undefined, flags: CommonFlags & DiffFlags) => {
    const [{ diffProfiles, growthVerdict, parseGrowthLimit }, { isDiffProfile, renderSvg }, { renderHtml }, { renderDiffJson, renderDiffText }, { flameGraphFormat }, { requireCost }] = await Promise.all([
      import('../analyze/diff.js'),
      import('../export/svg.js'),
      import('../export/html.js'),
      import('../export/diff-report.js'),
      import('../export/convert.js'),
      import('../model/profile.js'),
    ]);
    const format = flags.output === undefined ? undefined : flameGraphFormat(flags.output);
    const allowed = flags.failOnGrowth === undefined ? undefined : parseGrowthLimit(flags.failOnGrowth);
    const base = await load(baseFile, flags);
    const cost = newFile === undefined ? undefined : requireCost(base, flags.cost).id;
    const diff = newFile === undefined ? base : diffProfiles(base, await load(newFile, flags), cost);
    if (!isDiffProfile(diff)) throw new HeapflameError('one file given: expected folded stacks with two count columns ("stack before after")', { file: baseFile });
    const label = cost ?? 'samples';
    if (flags.output) {
      const graph = format === 'html' ? renderHtml(diff, { title: `heapflame diff: ${label}` }) : renderSvg(diff, { negate: flags.negate });
      await writeOutput(flags.output, [graph]);
    }
    await writeOutput('-', [flags.json ? renderDiffJson(diff, label, flags.top) : renderDiffText(diff, label, flags.top)]);
    if (allowed !== undefined) {
      const verdict = growthVerdict(diff, label, allowed);
      process.stderr.write(`heapflame: ${lineSafe(verdict.message)}\n`);
      if (!verdict.ok) status.code = 1;
    }
  });

  commonOptions(
    program
      .command('check')
      .description('check a profile against memory limits (CI): exit 0 within budget, 1 when a limit is exceeded, 2 on bad input')
      .argument('<file>', INPUT)
      .option('--max-peak <bytes>', 'peak bytes (K, M, G: 1024-based)')
      .option('--max-leaked <bytes>', 'leaked bytes (K, M, G: 1024-based)')
      .option('--max-temporary <n|p%>', 'temporary allocations: a count, or a share of all allocations such as 10%')
      .option('--max-allocations <n>', 'calls to allocation functions', parseCount)
      .option('--max-allocated <bytes>', 'bytes allocated (K, M, G: 1024-based)')
      .option('--max-tasks <n>', 'forgotten async tasks', parseCount)
      .option('--max <cost=limit...>', 'a limit on any cost the profile has, e.g. inuse=64M (repeatable)')
      .option('--budget <file>', 'a budget file (heapflame.budget.json): limits on totals and per function')
      .option('--junit <file>', 'also write the verdict as JUnit XML (a testcase per limit)')
      .option('--markdown <file>', 'also write the verdict as Markdown, for a pull-request comment')
      .option('--link <label=url...>', 'links to artifacts in the Markdown (repeatable)'),
  ).action(async (file: string, flags: CommonFlags & CheckFlags) => {
    const [{ budgetLimits, checkBudget, parseLimit, parseLimitAssignment }, report, { readFile }] = await Promise.all([
      import('../analyze/budget.js'),
      import('../export/check-report.js'),
      import('node:fs/promises'),
    ]);
    const limits = [];
    if (flags.budget) {
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(flags.budget, 'utf8'));
      } catch (e) {
        throw new HeapflameError(`cannot read the budget: ${(e as Error).message}`, { file: flags.budget });
      }
      limits.push(...budgetLimits(doc, flags.budget));
    }
    const given: [string, string | number | undefined][] = [
      ['peak', flags.maxPeak],
      ['leaked', flags.maxLeaked],
      ['temporary', flags.maxTemporary],
      ['allocations', flags.maxAllocations],
      ['allocated', flags.maxAllocated],
      ['tasks', flags.maxTasks],
    ];
    for (const [cost, value] of given) if (value !== undefined) limits.push(parseLimit(cost, value));
    for (const assignment of flags.max ?? []) limits.push(parseLimitAssignment(assignment));
    if (limits.length === 0) throw new HeapflameError('no limits: give --max-peak, --max-leaked, --max-temporary, --max-allocations, --max-allocated, --max-tasks, --max COST=LIMIT or --budget');
    const profile = await load(file, flags);
    const { formatBytes, formatInt } = await import('../export/format.js');
    const t0 = performance.now();
    const results = checkBudget(profile, limits, (cost, v) => (profile.costs.find((c) => c.id === cost)?.unit === 'bytes' ? formatBytes(v) : formatInt(Math.round(v))));
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(3));
    const links = (flags.link ?? []).map((l) => {
      const at = l.indexOf('=');
      const link = at > 0 ? { label: l.slice(0, at), url: l.slice(at + 1) } : { label: l, url: l };
      report.artifactLink(link.url); // (refused before anything is written)
      return link;
    });
    if (flags.junit) await writeOutput(flags.junit, [report.renderJunit(results, file, seconds)]);
    if (flags.markdown) await writeOutput(flags.markdown, [report.renderMarkdown(results, file, links)]);
    await writeOutput('-', [report.renderCheckText(results, file)]);
    if (results.some((r) => !r.ok)) status.code = 1;
  });

  commonOptions(
    program
      .command('convert')
      .description('write a profile in another format, chosen by the output name: .pb.gz (pprof), .speedscope.json, .dhat.json, .folded, .heapflame')
      .argument('<file>', INPUT)
      .requiredOption('-o, --output <file>', 'the converted profile (- for stdout)')
      .option('-c, --cost <cost>', `folded output: ${COST_HELP}`),
  ).action(async (file: string, flags: CommonFlags & { output: string; cost?: string }) => {
    const { convertedChunks } = await import('../export/convert.js');
    const chunks = convertedChunks(await load(file, flags), flags.output, { cost: flags.cost });
    await writeOutput(flags.output, chunks);
  });

  program
    .command('watch')
    .description("serve a running process's memory from /proc as Prometheus metrics (RSS, peak RSS, virtual size, threads, open files); ends with the process")
    .requiredOption('--pid <pid>', 'the process to watch', parseCount)
    .option('--port <port>', 'metrics port', parseCount, 9465)
    .option('--host <host>', 'listen address (default 127.0.0.1)', '127.0.0.1')
    .action(async (flags: { pid: number; port: number; host: string }) => {
      const { watchProcess } = await import('../runtime/proc-watch.js');
      const watch = await watchProcess(flags.pid, { port: flags.port, host: flags.host });
      process.stderr.write(`heapflame: metrics of process ${flags.pid} at ${watch.url}/metrics\n`);
      await watch.done;
      process.stderr.write(`heapflame: process ${flags.pid} ended\n`);
    });

  program
    .command('record')
    .description('run a program and record its memory: Node programs with the built-in recorder, native ones with heaptrack')
    .argument('[command...]', 'the program and its arguments, after --')
    .option('-o, --output <file>', 'recording file (other Node processes of the run write FILE.<pid>)')
    .addOption(new Option('--mode <mode>', 'Node: alloc = every sampled allocation; live = what is alive at exit and at the peak').choices(['alloc', 'live']).default('alloc'))
    .option('--interval <bytes>', 'Node: bytes between samples, K and M 1024-based (default 128K; 32K: more detail, about 12 % CPU on allocation-heavy code)', parseSize)
    .option('--precise', 'Node: turn off V8 inlining so allocations are charged to the function that makes them (slower)')
    .option('--pid <pid>', 'attach to a running native process (heaptrack -p)', parseCount)
    .passThroughOptions()
    .action(async (command: string[], flags: { output?: string; mode: 'alloc' | 'live'; interval: number; precise?: boolean; pid?: number }) => {
      const { record } = await import('../record/run.js');
      const result = await record({ command, out: flags.output, mode: flags.mode, interval: flags.interval, precise: flags.precise, pid: flags.pid });
      if (result.files.length === 0) process.stderr.write('heapflame: no recording was written\n');
      // every Node process of the run writes a file: say which holds which
      result.files.forEach((f, i) => {
        const command = result.commands[i];
        process.stderr.write(`heapflame: wrote ${terminalSafe(f)}${command ? `: ${terminalSafe(command.split('\n')[0].slice(0, 200))}` : ''}\n`);
      });
      // the program's own status, as if it had run alone
      if (result.signal) status.signal = result.signal;
      else status.code = result.exitCode ?? 1;
    });

  program
    .command('demo')
    .description('record the bundled S3 GET example with its planted problems and fixed, and write reports, flame graphs and diffs to heapflame-demo/; with --serve, run the monitored S3 demo server instead')
    .option('-o, --output <dir>', 'output directory', 'heapflame-demo')
    .option('--serve', 'run the S3 demo server with metrics and on-demand profiles (until Ctrl-C)')
    .option('--port <port>', 'S3 port (--serve)', parseCount, 9000)
    .option('--metrics-port <port>', 'metrics port (--serve)', parseCount, 9464)
    .option('--host <host>', 'listen address (--serve)', '127.0.0.1')
    .option('--data <dir>', 'object storage directory (--serve)', 'heapflame-demo/s3-data')
    .option('--profile-token <token>', 'bearer token for /debug/heapflame/heap (--serve)')
    .option('--tls-cert <file>', 'TLS certificate (PEM) for the S3 port (--serve)')
    .option('--tls-key <file>', 'TLS key (PEM) (--serve)')
    .option('--no-instrument', 'without metrics (--serve; the baseline of bench/metrics-load.mjs)')
    .action(async (flags: { output: string; serve?: boolean; port: number; metricsPort: number; host: string; data: string; profileToken?: string; tlsCert?: string; tlsKey?: string; instrument: boolean }) => {
      const demo = await import('./demo.js');
      if (flags.serve) {
        if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new HeapflameError('TLS needs both --tls-cert and --tls-key');
        await demo.serveDemo({ port: flags.port, metricsPort: flags.metricsPort, host: flags.host, dataDir: flags.data, profileToken: flags.profileToken, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, instrument: flags.instrument });
      } else await demo.runDemo(flags.output);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const status: CommandStatus = {};
  const program = buildProgram(status);
  try {
    await program.parseAsync(argv);
    if (status.signal) {
      // end as the recorded program ended: by the same signal
      process.removeAllListeners(status.signal);
      process.kill(process.pid, status.signal);
    }
    return status.code ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage mistakes are bad input
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof HeapflameError) {
      process.stderr.write(`heapflame: error: ${terminalSafe(e.toString())}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'EPIPE') return 0;
    if (code && typeof code === 'string') {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(`heapflame: error: ${terminalSafe(err.path ?? '')}${err.path ? ': ' : ''}${terminalSafe(err.message)}\n`);
      return 2;
    }
    // A bug, not bad input: one line unless asked for the details.
    const detail = process.env.HEAPFLAME_DEBUG ? (e as Error)?.stack : (e as Error)?.message;
    process.stderr.write(`heapflame: internal error: ${terminalSafe(String(detail ?? e))} (set HEAPFLAME_DEBUG=1 for details)\n`);
    return 70;
  }
}

