import { HeapflameError } from '../model/errors.js';
import { type CostId, costIndex, costList, type Profile } from '../model/profile.js';

/**
 * Memory budgets for CI: limits on a profile's totals (peak, leaked, temporary, allocations,
 * tasks, or any cost it has) and on what single functions cost. A function's cost is
 * inclusive: every stack that passes through a frame of that name counts, once.
 *
 * Budget file (`heapflame.budget.json`):
 *   { "limits": { "peak": "2G", "leaked": 0, "temporary": "10%", "allocations": 100000, "tasks": 0 },
 *     "functions": [ { "match": "parse_request", "leaked": 0, "allocated": "10M" } ] }
 * Byte limits take 1024-based K, M, G, T; `temporary` also takes a share of all allocations
 * ("10%"; of allocated bytes in sampled Node recordings). `match` is a regular expression
 * matched against function names.
 */
export interface Limit {
  cost: CostId;
  /** Bytes or count; with `percent`, a share (0-100) of the base cost. */
  max: number;
  percent?: boolean;
  /** A regular expression's source: the limit applies to functions whose name matches. */
  match?: string;
  /** How the limit was written, for messages. */
  text: string;
}

export interface LimitResult extends Limit {
  /** What the profile has: bytes or count, or a percentage for `percent` limits. */
  actual: number;
  unit: 'bytes' | 'count' | 'percent';
  ok: boolean;
  /** One line for people: "leaked in parse_request: 46.2K > 0". */
  label: string;
}

/** `4096`, `64K`, `1.5M`, `2G`, `512B` (1024-based), or null. */
export function bytesOf(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** One limit from its written form: a number, a size ("2G"), or a share ("10%"). */
export function parseLimit(cost: string, value: unknown, match?: string): Limit {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) {
    if (cost !== 'temporary')
      throw new HeapflameError(`a share ("${text}") is a limit for temporary only, not for ${cost}`);
    return { cost, max: Number(percent[1]), percent: true, match, text };
  }
  const max = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : bytesOf(text);
  if (max === null)
    throw new HeapflameError(
      `the limit for ${cost}${match ? ` in ${match}` : ''} is "${text}": expected a number, a size such as 64K or 2G, or for temporary a share such as 10%`,
    );
  return { cost, max, match, text };
}

/** A limit written as `cost=limit` (check --max inuse=64M). */
export function parseLimitAssignment(text: string): Limit {
  const at = text.indexOf('=');
  if (at <= 0) throw new HeapflameError(`a limit is written cost=limit, such as inuse=64M, not "${text}"`);
  return parseLimit(text.slice(0, at).trim(), text.slice(at + 1));
}

/** The limits of a budget file's text (heapflame.budget.json); anything unexpected is one clear error. */
export function parseBudget(text: string, file: string): Limit[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HeapflameError(`cannot read the budget: ${(e as Error).message}`, { file });
  }
  return budgetLimits(doc, file);
}

/** The limits of a budget file's parsed JSON; anything unexpected is one clear error. */
export function budgetLimits(doc: unknown, file: string): Limit[] {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid budget: ${what}`, { file });
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    fail('expected a JSON object with "limits" and/or "functions"');
  const d = doc as Record<string, unknown>;
  const limits: Limit[] = [];
  if (d.limits !== undefined) {
    if (typeof d.limits !== 'object' || d.limits === null || Array.isArray(d.limits))
      fail('"limits" must map costs to limits');
    for (const [cost, value] of Object.entries(d.limits as object)) limits.push(parseLimit(cost, value));
  }
  if (d.functions !== undefined) {
    if (!Array.isArray(d.functions)) fail('"functions" must be an array');
    (d.functions as unknown[]).forEach((f, i) => {
      if (typeof f !== 'object' || f === null || typeof (f as { match?: unknown }).match !== 'string')
        fail(`functions[${i}] needs "match", a function name pattern`);
      const { match, ...costs } = f as Record<string, unknown>;
      try {
        new RegExp(match as string);
      } catch {
        fail(`functions[${i}].match is not a regular expression: ${String(match)}`);
      }
      for (const [cost, value] of Object.entries(costs)) limits.push(parseLimit(cost, value, match as string));
    });
  }
  return limits;
}

/** Each limit against the profile. A cost the profile does not have is an error, not a pass. */
export function checkBudget(
  profile: Profile,
  limits: Limit[],
  format: (cost: CostId, v: number) => string,
): LimitResult[] {
  return limits.map((limit) => {
    const c = costIndex(profile, limit.cost);
    if (c < 0)
      throw new HeapflameError(
        `the budget limits "${limit.cost}", which this profile does not measure; it has: ${costList(profile)}`,
      );
    const unit = profile.costs[c].unit;
    const costValue = (k: number) =>
      limit.match
        ? inclusiveCost(profile, k, new RegExp(limit.match))
        : (profile.totals[profile.costs[k].id] ?? sum(profile.values[k]));
    let actual = costValue(c);
    let shown = format(limit.cost, actual);
    if (limit.percent) {
      // a share of all allocations (counts) or of allocated bytes (sampled recordings)
      const base = costIndex(profile, unit === 'bytes' ? 'allocated' : 'allocations');
      if (base < 0)
        throw new HeapflameError(
          `a share limit on temporary needs ${unit === 'bytes' ? 'allocated' : 'allocations'}, which this profile does not have`,
        );
      const whole = costValue(base);
      actual = whole > 0 ? (100 * actual) / whole : 0;
      shown = `${actual.toFixed(1)}%`;
    }
    const ok = actual <= limit.max;
    const where = limit.match ? ` in ${limit.match}` : '';
    const budget = limit.percent ? `${limit.max}%` : format(limit.cost, limit.max);
    return {
      ...limit,
      actual,
      unit: limit.percent ? 'percent' : unit,
      ok,
      label: `${limit.cost}${where}: ${shown} ${ok ? '<=' : '>'} ${budget}`,
    };
  });
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** The cost of every stack that passes through a frame whose name matches, each stack once. */
export function inclusiveCost(profile: Profile, column: number, pattern: RegExp): number {
  const matches = profile.frames.map((f) => pattern.test(f.name));
  // nodes under a matching frame: parents come before their children
  const under = new Uint8Array(profile.nodeCount);
  for (let n = 1; n < profile.nodeCount; n++)
    under[n] = under[profile.nodeParent[n]] || (matches[profile.nodeFrame[n]] ? 1 : 0);
  let total = 0;
  for (let i = 0; i < profile.sampleCount; i++) if (under[profile.sampleNode[i]]) total += profile.values[column][i];
  return total;
}
