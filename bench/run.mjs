#!/usr/bin/env node
// heapflame benchmark: `heapflame report FILE` against `heaptrack_print FILE` on large recordings.
// Plain ESM, no dependencies.  Usage (from the project root, after `tsc`; `npm run bench` does both):
//
//   node bench/run.mjs [--runs N] [--json FILE] [--cli PATH] [--timeout SECONDS]
//
//   --runs N          timed runs per tool and input (default 3, at least 3)
//   --json FILE       also write all numbers to FILE (JSON)
//   --cli PATH        heapflame CLI to run with node (default dist/src/cli/main.js), e.g. to compare
//                     another build
//   --timeout SECONDS give up on a single run after this long (default 900)
//
// It is a report, not a test: the exit status is 0 even when a target is missed or a tool fails
// (only bad command-line arguments give 2).  See bench/README.md.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchRecording, projectRoot, which } from './inputs.mjs';

// heapflame median wall time / heaptrack_print median wall time: on recordings of 4 MB of text
// or more, and on smaller ones (where both tools' start-up is most of the time)
const TARGET_WALL_RATIO = 0.5;
const TARGET_WALL_RATIO_SMALL = 1.0;
const SMALL_TEXT_BYTES = 4e6;
const TARGET_RSS_MB = 150; // heapflame median peak RSS, MB = 10^6 bytes
const TIME_BIN = '/usr/bin/time';

function usage(message) {
  if (message) console.error(`bench: ${message}`);
  console.error('usage: node bench/run.mjs [--runs N] [--json FILE] [--cli PATH] [--timeout SECONDS]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: 3, json: null, cli: path.join(projectRoot, 'dist/src/cli/main.js'), timeoutS: 900 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) usage(`${name} needs a value`);
      return argv[++i];
    };
    switch (name) {
      case '--runs': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 3) usage(`--runs must be an integer >= 3, got '${v}'`);
        opts.runs = n;
        break;
      }
      case '--json':
        opts.json = path.resolve(value());
        break;
      case '--cli':
        opts.cli = path.resolve(value());
        break;
      case '--timeout': {
        const v = value();
        const n = Number(v);
        if (!(n > 0)) usage(`--timeout must be a positive number of seconds, got '${v}'`);
        opts.timeoutS = n;
        break;
      }
      case '-h':
      case '--help':
        console.log('usage: node bench/run.mjs [--runs N] [--json FILE] [--cli PATH] [--timeout SECONDS]');
        process.exit(0);
        break;
      default:
        usage(`unknown argument '${arg}'`);
    }
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// helpers

function firstLine(text) {
  return (
    (text ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l) ?? ''
  );
}

function commandOutput(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
    if (r.error || r.status !== 0) return null;
    return firstLine(r.stdout) || firstLine(r.stderr) || null;
  } catch {
    return null;
  }
}

function cpuModel() {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^(?:model name|Model|Hardware|cpu model)\s*:\s*(.+)$/m.exec(info);
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const fmtS = (v) => (v == null ? '-' : v.toFixed(3));
const fmtMB = (v) => (v == null ? '-' : v.toFixed(1));
const fmtBytesMB = (b) => (b == null ? '?' : `${(b / 1e6).toFixed(1)} MB`);

/** The interesting part of a failing command's stderr: all of it if short, else head and tail. */
function excerptLines(text, head = 5, tail = 4) {
  const lines = (text ?? '').split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= head + tail + 1) return lines;
  return [...lines.slice(0, head), `... (${lines.length - head - tail} more lines)`, ...lines.slice(-tail)];
}

// ---------------------------------------------------------------------------------------------
// running one command

/** The child being measured (own process group), so that a timeout or Ctrl-C can end it. */
let currentChild = null;

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL'); // the whole group: /usr/bin/time and the command under it
  } catch {
    // already gone
  }
}

/**
 * Runs cmd with args once (stdout to /dev/null) and measures wall time (high-resolution clock
 * around the child's whole life) and, through /usr/bin/time, its peak RSS.
 * Resolves to { ok, wallS, rssKB, exitCode, signal, error }.
 */
function timedRun(cmd, args, { tmpDir, timeoutS, useTime }) {
  const timeFile = path.join(tmpDir, 'time.txt');
  fs.rmSync(timeFile, { force: true });
  const [file, argv] = useTime ? [TIME_BIN, ['-f', '%e %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    const devNull = fs.openSync('/dev/null', 'w');
    // stderr is kept for error messages: its first and its last 64 KiB
    let head = '';
    let tail = '';
    let timedOut = false;
    let spawnError = null;
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: projectRoot, stdio: ['ignore', devNull, 'pipe'], detached: true });
    fs.closeSync(devNull);
    currentChild = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (head.length < 65536) head += chunk;
      else tail = (tail + chunk).slice(-65536);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutS * 1000);
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      clearTimeout(timer);
      currentChild = null;

      let timeText = '';
      if (useTime) {
        try {
          timeText = fs.readFileSync(timeFile, 'utf8');
        } catch {
          // not written (e.g. killed by the timeout)
        }
      }
      // GNU time writes "Command exited with non-zero status N" / "Command terminated by signal N"
      // before the formatted line when the command fails; the last line is ours.
      let rssKB = null;
      const lines = timeText.trim().split('\n');
      const m = /^([\d.]+) (\d+)$/.exec(lines[lines.length - 1].trim());
      if (m) rssKB = Number(m[2]);

      // Under /usr/bin/time, the command's failure shows up as time's exit status (the same code)
      // or, for a signal, as 128+N plus a "Command terminated by signal N" line.
      let error = null;
      if (spawnError) error = String(spawnError.message ?? spawnError);
      else if (timedOut) error = `timed out after ${timeoutS} s (killed)`;
      else if (signal) error = `killed by ${signal}`;
      else if (code !== 0) {
        const sig = /Command terminated by signal (\d+)/.exec(timeText);
        error = sig ? `terminated by signal ${sig[1]}` : `exit status ${code}`;
      }
      if (error) {
        const excerpt = excerptLines(tail ? `${head}\n${tail}` : head);
        if (excerpt.length) error += `\n      ${excerpt.join('\n      ')}`;
      }
      resolve({ ok: !error, wallS, rssKB, exitCode: code ?? null, signal: signal ?? null, error });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// inputs

function uncompressedSize(file) {
  if (!which('zstd') || !file.endsWith('.zst')) return null;
  const r = spawnSync('sh', ['-c', 'zstd -dc -- "$1" | wc -c', 'sh', file], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : null;
}

// ---------------------------------------------------------------------------------------------
// main

const opts = parseArgs(process.argv.slice(2));
const useTime = fs.existsSync(TIME_BIN);
const heaptrackPrint = which('heaptrack_print');
const machine = {
  nproc: Number(commandOutput('nproc', [])) || os.availableParallelism?.() || os.cpus().length,
  node: process.version,
  heaptrackPrint: heaptrackPrint ? (commandOutput(heaptrackPrint, ['--version']) ?? 'unknown version') : null,
  cpu: cpuModel(),
  memoryGB: Number((os.totalmem() / 1e9).toFixed(1)),
  kernel: `${os.type()} ${os.release()} ${os.arch()}`,
};

console.log('heapflame benchmark');
console.log(`  nproc:           ${machine.nproc}`);
console.log(`  node:            ${machine.node}`);
console.log(`  heaptrack_print: ${machine.heaptrackPrint ?? 'NOT INSTALLED (no anchor: heapflame numbers only)'}`);
console.log(`  cpu:             ${machine.cpu}`);
console.log(`  memory:          ${machine.memoryGB} GB, ${machine.kernel}`);
console.log(`  runs per tool:   ${opts.runs} (alternating), wall = high-resolution clock around the child`);
console.log(
  `  peak RSS:        ${useTime ? `${TIME_BIN} -f '%e %M' (max RSS of the child; MB = 10^6 bytes)` : `${TIME_BIN} not found: wall time only`}`,
);
const cliShown = path.relative(projectRoot, opts.cli);
console.log(`  heapflame:       node ${cliShown.startsWith('..') ? opts.cli : cliShown} report FILE`);
console.log('');

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapflame-bench-'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (currentChild) killGroup(currentChild);
    fs.rmSync(tmpDir, { recursive: true, force: true });
    console.error(`\nbench: interrupted (${sig})`);
    process.exit(130);
  });
}
const report = {
  date: new Date().toISOString(),
  machine,
  runs: opts.runs,
  rssMeasured: useTime,
  targets: {
    wallRatioMax: TARGET_WALL_RATIO,
    wallRatioMaxSmall: TARGET_WALL_RATIO_SMALL,
    smallBelowTextBytes: SMALL_TEXT_BYTES,
    heapflameRssMBMax: TARGET_RSS_MB,
  },
  inputs: [],
};

const inputs = [
  ['heaptrack.big.zst', () => benchRecording('big')],
  ['heaptrack.deep.zst', () => benchRecording('deep')],
  ['heaptrack.compiler.zst', () => benchRecording('compiler')],
  ['heaptrack.node.zst', () => benchRecording('node')],
  ['heaptrack.small.zst', () => benchRecording('small')],
];

try {
  for (const [name, prepare] of inputs) {
    const prepared = prepare();
    if (prepared.skip) {
      console.log(`== ${name}: SKIPPED (${prepared.skip})\n`);
      report.inputs.push({ name, skipped: prepared.skip });
      continue;
    }
    const file = prepared.file;
    const compressedBytes = fs.statSync(file).size;
    const uncompressedBytes = uncompressedSize(file); // also brings the file into the page cache
    if (uncompressedBytes == null) fs.readFileSync(file); // warm the page cache anyway
    console.log(
      `== ${name}: ${file}\n   ${fmtBytesMB(compressedBytes)} compressed, ${fmtBytesMB(uncompressedBytes)} uncompressed`,
    );

    const tools = [];
    if (heaptrackPrint) tools.push({ name: 'heaptrack_print', cmd: heaptrackPrint, args: [file] });
    tools.push({ name: 'heapflame', cmd: process.execPath, args: [opts.cli, 'report', file] });
    for (const t of tools) {
      t.runs = [];
      t.failed = null;
    }

    for (let round = 0; round < opts.runs; round++) {
      // alternate the tools, and swap who goes first every round (ABBA...)
      const order = round % 2 ? [...tools].reverse() : tools;
      for (const t of order) {
        if (t.failed) continue; // a failing command fails the same way again; do not repeat it
        process.stdout.write(`   run ${round + 1}/${opts.runs} ${t.name.padEnd(15)} `);
        const r = await timedRun(t.cmd, t.args, { tmpDir, timeoutS: opts.timeoutS, useTime });
        t.runs.push(r);
        if (r.ok) {
          console.log(`${fmtS(r.wallS)} s${r.rssKB != null ? `  ${fmtMB((r.rssKB * 1024) / 1e6)} MB` : ''}`);
        } else {
          t.failed = r.error;
          console.log(`FAILED after ${fmtS(r.wallS)} s: ${r.error}`);
        }
      }
    }

    const summary = {};
    for (const t of tools) {
      const good = t.runs.filter((r) => r.ok);
      const walls = good.map((r) => r.wallS);
      const rss = good.filter((r) => r.rssKB != null).map((r) => (r.rssKB * 1024) / 1e6);
      summary[t.name] = {
        command: [t.cmd, ...t.args],
        ok: !t.failed && good.length > 0,
        error: t.failed,
        runs: t.runs.map((r) => ({
          ok: r.ok,
          wallS: Number(r.wallS.toFixed(4)),
          peakRssMB: r.rssKB == null ? null : Number(((r.rssKB * 1024) / 1e6).toFixed(2)),
          exitCode: r.exitCode,
          signal: r.signal,
        })),
        medianWallS: t.failed ? null : median(walls),
        minWallS: t.failed || !walls.length ? null : Math.min(...walls),
        maxWallS: t.failed || !walls.length ? null : Math.max(...walls),
        medianPeakRssMB: t.failed ? null : median(rss),
      };
    }

    // table
    console.log('');
    const header = ['tool', 'median s', 'min s', 'max s', 'median peak RSS MB', 'wall vs heaptrack_print'];
    const rows = [header];
    const anchor = summary.heaptrack_print;
    const hf = summary.heapflame;
    const ratio = anchor?.ok && hf.ok && anchor.medianWallS > 0 ? hf.medianWallS / anchor.medianWallS : null;
    for (const t of tools) {
      const s = summary[t.name];
      if (!s.ok) {
        rows.push([t.name, 'FAILED', '-', '-', '-', '-']);
        continue;
      }
      const rel = t.name === 'heaptrack_print' ? '1.00 (anchor)' : ratio == null ? '-' : ratio.toFixed(2);
      rows.push([t.name, fmtS(s.medianWallS), fmtS(s.minWallS), fmtS(s.maxWallS), fmtMB(s.medianPeakRssMB), rel]);
    }
    const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const [i, r] of rows.entries()) {
      console.log(`   ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`);
      if (i === 0) console.log(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    }
    if (!anchor) console.log('   (anchor missing: heaptrack_print is not installed, no ratio)');
    else if (!anchor.ok) console.log('   (anchor missing: heaptrack_print failed, no ratio)');

    // targets
    const targets = {};
    const limit =
      uncompressedBytes != null && uncompressedBytes < SMALL_TEXT_BYTES ? TARGET_WALL_RATIO_SMALL : TARGET_WALL_RATIO;
    if (ratio != null) {
      targets.wallRatio = { limit, value: Number(ratio.toFixed(4)), pass: ratio <= limit };
    } else {
      targets.wallRatio = { limit, value: null, pass: null };
    }
    const hfRss = hf.ok ? hf.medianPeakRssMB : null;
    targets.heapflameRss = { limit: TARGET_RSS_MB, value: hfRss, pass: hfRss == null ? null : hfRss <= TARGET_RSS_MB };
    const verdict = (t, text) =>
      t.pass == null ? `n/a (${text})` : `${t.pass ? 'PASS' : 'FAIL'} (${t.value.toFixed(2)})`;
    const wallWhy = !hf.ok ? 'heapflame failed' : !anchor ? 'anchor missing' : 'heaptrack_print failed';
    const rssWhy = !hf.ok ? 'heapflame failed' : 'RSS not measured';
    console.log(
      `   targets: wall ratio <= ${limit}: ${verdict(targets.wallRatio, wallWhy)}; ` +
        `heapflame peak RSS <= ${TARGET_RSS_MB} MB: ${verdict(targets.heapflameRss, rssWhy)}`,
    );
    console.log('');

    report.inputs.push({
      name,
      path: file,
      compressedBytes,
      uncompressedBytes,
      tools: summary,
      wallRatio: ratio,
      targets,
    });
  }
} finally {
  fs.rmSync(tmpDir, { recursive: true, force: true });
}

if (opts.json) {
  fs.mkdirSync(path.dirname(opts.json), { recursive: true });
  fs.writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`numbers written to ${opts.json}`);
}
