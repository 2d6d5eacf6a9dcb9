import { type CostId, type Frame, mainCost, type Profile, ROOT_NODE } from '../model/profile.js';
import { type Finding, findings } from '../analyze/findings.js';
import { type TopEntry, topEntries } from '../analyze/top.js';
import { formatBytes, formatHeaptrackBytes, formatInt, frameWhere, percentF32, lineSafe } from './format.js';
import { heapClassLines } from './heap-classes.js';

export interface TextReportOptions {
  /** Places per section (heaptrack_print -n; default 10). */
  limit?: number;
  /** Stacks per place (heaptrack_print -s; default 5). */
  stacksPerEntry?: number;
  /** Sections to print, in this order (default: every cost the profile has, its main cost first). */
  sections?: CostId[];
  /** heaptrack_print's own byte format ("1.07M", 1000-based) instead of heapflame's ("1.02 MiB"). */
  heaptrackCompat?: boolean;
}

type Costs = Record<string, number>;
interface Section {
  title: string;
  label: (c: Costs) => string;
  sub: (c: Costs) => string;
}

/** " over N calls" where the profile counts calls (heaptrack); sampled profiles do not. */
const calls = (c: Costs) => (c.allocations === undefined ? '' : ` over ${c.allocations} calls`);

/** The sections heapflame names as heaptrack_print does, with the byte format given. */
function sections(fb: (n: number) => string): Record<string, Section> {
  /** Temporary allocations as counted (heaptrack: calls), or as bytes (sampled Node recordings). */
  const temporaryOf = (c: Costs) =>
    c.allocations === undefined
      ? `${fb(c.temporary)} temporary of ${fb(c.allocated ?? 0)} allocated (${percentF32(c.temporary, c.allocated ?? 0)}%)`
      : `${c.temporary} temporary allocations of ${c.allocations} allocations in total (${percentF32(c.temporary, c.allocations)}%)`;
  return {
    allocations: {
      title: 'MOST CALLS TO ALLOCATION FUNCTIONS',
      label: (c) => `${c.allocations} calls to allocation functions with ${fb(c.peak ?? 0)} peak consumption from`,
      sub: (c) => `${c.allocations} calls with ${fb(c.peak ?? 0)} peak consumption from:`,
    },
    peak: {
      title: 'PEAK MEMORY CONSUMERS',
      label: (c) => `${fb(c.peak)} peak memory consumed${calls(c)} from`,
      sub: (c) => `${fb(c.peak)} consumed${calls(c)} from:`,
    },
    leaked: {
      title: 'MEMORY LEAKS',
      label: (c) => `${fb(c.leaked)} leaked${calls(c)} from`,
      sub: (c) => `${fb(c.leaked)} leaked${calls(c)} from:`,
    },
    inuse: {
      title: 'MEMORY IN USE AT THE END',
      label: (c) => `${fb(c.inuse)} in use from`,
      sub: (c) => `${fb(c.inuse)} in use from:`,
    },
    temporary: {
      title: 'MOST TEMPORARY ALLOCATIONS',
      label: (c) => `${temporaryOf(c)} from`,
      sub: (c) => `${temporaryOf(c)} from:`,
    },
    allocated: {
      title: 'MOST BYTES ALLOCATED',
      label: (c) => `${fb(c.allocated)} allocated${calls(c)} from`,
      sub: (c) => `${fb(c.allocated)} allocated${calls(c)} from:`,
    },
  };
}

/** heaptrack_print's section order, then heapflame's own. */
const SECTION_ORDER: CostId[] = ['allocations', 'peak', 'leaked', 'inuse', 'temporary', 'allocated'];

/** heaptrack_print's default report (its sections, labels and backtraces), plus the leak and bytes-allocated sections. */
export function renderTextReport(profile: Profile, options: TextReportOptions = {}): string {
  const out: string[] = [];
  const fb = options.heaptrackCompat ? formatHeaptrackBytes : formatBytes;
  const known = sections(fb);
  const main = mainCost(profile)?.id;
  // what to look at first, unless the report imitates heaptrack_print or shows chosen sections
  if (!options.heaptrackCompat && !options.sections) {
    for (const line of renderFindings(profile)) out.push(line);
    for (const line of heapClassLines(profile, options.limit ?? 10)) out.push(line);
  }
  const order = options.sections ?? [
    ...(main === undefined ? [] : [main]),
    ...SECTION_ORDER.filter((id) => id !== main),
    ...profile.costs.map((c) => c.id).filter((id) => !known[id] && id !== main),
  ];
  for (const id of order) {
    const cost = profile.costs.find((c) => c.id === id);
    if (!cost) continue;
    const value = cost.unit === 'bytes' ? fb : String;
    const section = known[id] ?? genericSection(cost.id, cost.label, value);
    out.push(section.title);
    const entries = topEntries(profile, id, { limit: options.limit, stacksPerEntry: options.stacksPerEntry });
    // (a loop: a stack of 100 000 frames is more lines than a spread may pass)
    for (const e of entries) for (const line of renderEntry(profile, section, e, value)) out.push(line);
    out.push('');
  }
  for (const line of renderSummary(profile, fb, known)) out.push(line);
  return `${out.join('\n')}\n`;
}

/** How each kind of finding is named, before its function. */
const FINDING_TITLES: Record<Finding['kind'], string> = {
  leak: 'leak',
  tasks: 'forgotten tasks',
  temporary: 'temporary allocations',
  peak: 'peak',
  inuse: 'in use',
  allocated: 'most allocated',
};

/** "FINDINGS" and a numbered line per finding, or nothing when the profile has none. */
function renderFindings(profile: Profile): string[] {
  const list = findings(profile);
  if (list.length === 0) return [];
  const lines = ['FINDINGS'];
  list.forEach((f, i) => {
    lines.push(`${i + 1}. ${findingLine(profile, f)}`);
  });
  lines.push('');
  return lines;
}

/** `leak: readObjectBody (handler.ts:12): 1.20 MiB of 1.41 MiB leaked bytes (85.1%)` */
export function findingLine(profile: Profile, f: Finding): string {
  const cost = profile.costs.find((c) => c.id === f.cost)!;
  const v = (n: number) => (cost.unit === 'bytes' ? formatBytes(n) : formatInt(Math.round(n)));
  const frame = profile.frames[f.frame];
  const name = frame.name || `0x${frame.address}`;
  const at =
    f.kind === 'peak' && profile.meta.peakTimeMs !== undefined
      ? ` at ${(profile.meta.peakTimeMs / 1000).toFixed(3)} s`
      : '';
  const share = `${(100 * f.share).toFixed(1)}%`;
  return lineSafe(
    `${FINDING_TITLES[f.kind]}: ${name}${frameWhere(frame)}: ${v(f.value)} of ${v(f.total)} ${cost.label}${at} (${share})`,
  );
}

/** A cost without heaptrack's wording (folded stacks, other formats): "N samples from". */
function genericSection(id: string, rawLabel: string, v: (n: number) => string): Section {
  const label = lineSafe(rawLabel);
  return {
    title: `MOST ${lineSafe(rawLabel.toUpperCase())}`,
    label: (c) => `${v(c[id])} ${label} from`,
    sub: (c) => `${v(c[id])} ${label} from:`,
  };
}

/** One place: its label, its frames, its stacks; `value` writes what the other places add up to. */
function renderEntry(profile: Profile, section: Section, e: TopEntry, value: (n: number) => string): string[] {
  const lines = [section.label(e.costs)];
  const leaf = e.stacks[0]?.node ?? ROOT_NODE;
  if (e.frame < 0 || leaf === ROOT_NODE) {
    lines.push('??', '  in ??');
    return lines;
  }
  const { text } = addressGroup(profile, leaf, 0);
  for (const line of text) lines.push(line);
  let printed = 0;
  for (const s of e.stacks) {
    lines.push(section.sub(s.costs));
    printed += s.value;
    // the caller chain starts above the leaf's own address group; an empty stack (grouped with
    // unresolved frames, as heaptrack_print does) has no callers
    for (let n = s.node > ROOT_NODE ? addressGroup(profile, s.node, 0).above : ROOT_NODE; n > ROOT_NODE; ) {
      const g = addressGroup(profile, n, 2);
      for (const line of g.text) lines.push(line);
      n = g.above;
    }
  }
  if (e.stackCount > e.stacks.length)
    lines.push(`  and ${value(e.value - printed)} from ${e.stackCount - e.stacks.length} other places`);
  lines.push('');
  return lines;
}

/**
 * The frames of one machine address, innermost first (`func / at file:line / in module`, then
 * the functions it was inlined into), and the node above them.
 */
function addressGroup(profile: Profile, node: number, indent: number): { text: string[]; above: number } {
  const pad = '  '.repeat(indent);
  const text: string[] = [];
  let n = node;
  let first = true;
  for (;;) {
    const f: Frame = profile.frames[profile.nodeFrame[n]];
    text.push(pad + lineSafe(f.name || `0x${f.address}`));
    if (first) {
      if (f.file) text.push(`${pad}  at ${lineSafe(f.file)}:${f.line}`);
      // heaptrack always names the module ("in ??" when unknown); other formats have none
      if (f.module || profile.meta.framesHaveModules) text.push(`${pad}  in ${lineSafe(f.module || '??')}`);
      first = false;
    } else {
      text.push(`${pad}  at ${lineSafe(f.file)}:${f.line}`);
    }
    const parent = profile.nodeParent[n];
    if (!f.inlined || parent <= ROOT_NODE) return { text, above: parent };
    n = parent;
  }
}

function renderSummary(profile: Profile, fb: (n: number) => string, known: Record<string, Section>): string[] {
  const t = profile.totals;
  const m = profile.meta;
  const ms = m.durationMs;
  // a rate only where the recording has a real clock (DHAT counts instructions)
  const rate = (n: number) => (ms !== undefined && ms > 0 ? ` (${Math.trunc(n * (1000 / ms))}/s)` : '');
  const lines: string[] = [];
  if (ms !== undefined) lines.push(`total runtime: ${(ms / 1000).toFixed(2)}s.`);
  for (const c of profile.costs) {
    if (!known[c.id])
      lines.push(`${lineSafe(c.label)}: ${c.unit === 'bytes' ? fb(t[c.id] ?? 0) : formatInt(t[c.id] ?? 0)}`);
  }
  if (t.allocations !== undefined) lines.push(`calls to allocation functions: ${t.allocations}${rate(t.allocations)}`);
  if (t.temporary !== undefined) {
    const bytes = profile.costs.find((c) => c.id === 'temporary')?.unit === 'bytes';
    lines.push(
      bytes
        ? `temporary bytes: ${fb(t.temporary)}`
        : `temporary memory allocations: ${t.temporary}${rate(t.temporary)}`,
    );
  }
  if (t.peak !== undefined) lines.push(`peak heap memory consumption: ${fb(t.peak)}`);
  if (m.peakRssBytes !== undefined)
    lines.push(`peak RSS (including ${lineSafe(m.rssMeasuredBy ?? 'recorder')} overhead): ${fb(m.peakRssBytes)}`);
  if (t.leaked !== undefined) lines.push(`total memory leaked: ${fb(t.leaked)}`);
  if (t.inuse !== undefined) lines.push(`memory in use at the end: ${fb(t.inuse)}`);
  if (m.suppressedLeakedBytes) {
    lines.push(`suppressed leaks: ${fb(m.suppressedLeakedBytes)}`);
    if (m.suppressions?.length) {
      lines.push('Suppressions used:', `${'matches'.padStart(16)} ${'leaked'.padStart(16)} pattern`);
      for (const s of m.suppressions) {
        lines.push(`${String(s.matches).padStart(16)} ${fb(s.leakedBytes).padStart(16)} ${lineSafe(s.pattern)}`);
      }
    }
  }
  if (t.allocated !== undefined)
    lines.push(`bytes allocated in total: ${fb(t.allocated)} (${formatInt(t.allocated)} bytes)`);
  if (m.peakTimeMs !== undefined && t.peak) lines.push(`peak reached at: ${(m.peakTimeMs / 1000).toFixed(3)}s`);
  if (m.sampling) {
    lines.push(
      `sampled: one sample per ${fb(m.sampling.intervalBytes)} allocated on average (V8's sampling heap profiler, mode ${lineSafe(m.sampling.mode)}${m.sampling.precise ? ', inlining off' : ''}); byte values are estimates`,
    );
  }
  const f = m.filters;
  if (f && Object.keys(f).length) {
    lines.push(
      `filters: ${Object.entries(f)
        .map(([k, v]) => `${k}=${lineSafe(String(v))}`)
        .join(', ')}`,
    );
  }
  return lines;
}
