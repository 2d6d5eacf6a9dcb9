import { InvalidArgumentError } from 'commander';
import { bytesOf } from '../analyze/budget.js';
import type { TimePoint } from '../model/profile.js';

/** `4096`, `1K`, `1.5M`, `2G` (1024-based), `512B`. */
export function parseSize(text: string): number {
  const bytes = bytesOf(text);
  if (bytes === null)
    throw new InvalidArgumentError(`expected a size in bytes such as 4096, 64K, 1.5M or 2G, got "${text}"`);
  return bytes;
}

/** `2.5s`, `1500ms`, `1m`, or `40%` of the run. */
export function parseTime(text: string): TimePoint {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|%)\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`expected a time such as 2.5s, 1500ms, 1m or 40%, got "${text}"`);
  const v = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === '%') {
    if (v > 100) throw new InvalidArgumentError(`a percentage of the run must be at most 100%, got "${text}"`);
    return { percent: v };
  }
  return { ms: unit === 'ms' ? v : unit === 's' ? v * 1000 : v * 60000 };
}

export function parseRegex(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new InvalidArgumentError(`not a valid regular expression: ${(e as Error).message}`);
  }
}

export function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got "${text}"`);
  return n;
}

/** A number of seconds, at least 0.1 (a period: not so short it does nothing else). */
export function parseSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0.1) throw new InvalidArgumentError(`expected seconds, at least 0.1, got "${text}"`);
  return n;
}
