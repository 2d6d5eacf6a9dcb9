import { findings } from '../analyze/findings.js';
import { mainCost, type Profile, ROOT_NODE, stackOf } from '../model/profile.js';
import { topEntries } from '../analyze/top.js';
import { programClasses } from './heap-classes.js';

/**
 * The machine-readable report. Schema `heapflame.report/1`, documented in
 * docs/commands.md ("The JSON report"); fields are only ever added within a schema version.
 */
export const REPORT_SCHEMA = 'heapflame.report/1';

export interface JsonReportOptions {
  limit?: number;
  stacksPerEntry?: number;
  /** The input path as given. */
  file?: string;
}

export interface JsonFrame {
  function: string;
  file: string;
  line: number;
  module: string;
  inlined: boolean;
}

export function buildJsonReport(profile: Profile, options: JsonReportOptions = {}) {
  const t = profile.totals;
  const m = profile.meta;
  const int = (v: number | undefined) => Math.round(v ?? 0);
  const frame = (id: number): JsonFrame => {
    const f = profile.frames[id];
    return { function: f.name || `0x${f.address}`, file: f.file, line: f.line, module: f.module, inlined: f.inlined };
  };
  const leafFirst = (node: number) => (node === ROOT_NODE ? [] : stackOf(profile, node).reverse().map(frame));
  const top: Record<string, unknown[]> = {};
  for (const cost of profile.costs) {
    top[cost.id] = topEntries(profile, cost.id, { limit: options.limit, stacksPerEntry: options.stacksPerEntry }).map(
      (e) => ({
        value: e.value,
        ...(e.frame >= 0 ? frame(e.frame) : { function: '??', file: '', line: 0, module: '', inlined: false }),
        costs: e.costs,
        stackCount: e.stackCount,
        stacks: e.stacks.map((s) => ({ value: s.value, costs: s.costs, frames: leafFirst(s.node) })),
      }),
    );
  }
  return {
    schema: REPORT_SCHEMA,
    source: {
      file: options.file,
      format: m.format,
      formatVersion: m.formatVersion,
      toolVersion: m.toolVersion,
      command: m.command,
    },
    summary: {
      allocations: int(t.allocations),
      temporary: int(t.temporary),
      peakBytes: int(t.peak),
      leakedBytes: int(t.leaked),
      allocatedBytes: int(t.allocated),
      peakRssBytes: int(m.peakRssBytes),
      durationMs: int(m.durationMs),
      peakTimeMs: int(m.peakTimeMs),
      suppressedLeakedBytes: int(m.suppressedLeakedBytes),
    },
    costs: profile.costs.map((c) => ({ ...c, total: t[c.id] ?? 0 })),
    // the cost the profile is read by (what `report`, `folded` and `flamegraph` use by default)
    mainCost: mainCost(profile)?.id ?? null,
    filters: m.filters ?? {},
    suppressions: m.suppressions ?? [],
    // what to look at first, ranked (the text report's FINDINGS)
    findings: findings(profile).map((f) => ({
      kind: f.kind,
      cost: f.cost,
      value: f.value,
      share: f.share,
      total: f.total,
      ...frame(f.frame),
      stack: leafFirst(f.node),
    })),
    top,
    // heap snapshots: the program's classes by retained size, and V8's and Node's own summed
    ...(profile.heap && { heap: programClasses(profile, options.limit ?? 10) }),
    warnings: profile.warnings,
  };
}

export function renderJsonReport(profile: Profile, options: JsonReportOptions = {}): string {
  return `${JSON.stringify(buildJsonReport(profile, options), null, 2)}\n`;
}
