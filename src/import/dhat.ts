import { ProfileBuilder } from '../model/builder.js';
import { HeapflameError } from '../model/errors.js';
import type { CostInfo, Frame, Profile } from '../model/profile.js';
import type { ImportFormat } from './format.js';
import { jsonHead } from './io/head.js';
import { isObject, jsonImporter } from './io/whole-input.js';

/**
 * DHAT JSON v2, as Valgrind's `--tool=dhat` (heap, copy and ad-hoc modes) and dhat-rs write
 * it: one program point (PP) per allocation stack, with its totals. Each PP becomes one
 * sample; its costs are the PP's fields that the file has:
 *   tb/tbk → allocated/allocations (copy: copied/copies; ad-hoc: the file's unit names),
 *   gb → peak (live at t-gmax), eb → leaked (live at t-end), mb → max (the PP's own peak,
 *   which Valgrind only updates when the global peak rises: 0 for many PPs), tl → lifetime,
 *   rb/wb → reads/writes.
 * The sums equal the Total / At t-gmax / At t-end lines Valgrind prints.
 */
type Field = 'tb' | 'tbk' | 'gb' | 'gbk' | 'eb' | 'ebk' | 'mb' | 'tl' | 'rb' | 'wb';

/** The costs a DHAT file has: by its mode, and whether it recorded lifetimes and accesses. */
function dhatColumns(d: Record<string, unknown>, mode: string, timeUnit: string): { field: Field; cost: CostInfo }[] {
  const lifetimes = d.bklt === true;
  const accesses = d.bkacc === true;

  const columns: { field: Field; cost: CostInfo }[] = [];
  const add = (field: Field, id: string, unit: CostInfo['unit'], label: string, description: string) =>
    columns.push({ field, cost: { id, unit, label, description } });
  if (d.verb === 'Copied' || mode === 'copy') {
    add('tb', 'copied', 'bytes', 'copied bytes', 'Bytes copied (memcpy, memmove, strcpy, ...) from this stack.');
    add('tbk', 'copies', 'count', 'copies', 'Copy calls from this stack.');
  } else if (d.verb === 'Occurred' || mode.endsWith('ad-hoc')) {
    const units = typeof d.bsu === 'string' ? d.bsu : 'units';
    const events = typeof d.bksu === 'string' ? d.bksu : 'events';
    add('tb', units, 'count', units, `Ad-hoc ${units} recorded at this stack (DHAT_AD_HOC_EVENT weights).`);
    add('tbk', events, 'count', events, 'Ad-hoc events recorded at this stack.');
  } else {
    add(
      'tb',
      'allocated',
      'bytes',
      'allocated bytes',
      'Bytes allocated at this stack (a realloc counts its new size).',
    );
    add('tbk', 'allocations', 'count', 'allocations', 'Blocks allocated at this stack.');
    if (lifetimes) {
      add('gb', 'peak', 'bytes', 'bytes at t-gmax', 'Bytes live at the moment of the global heap maximum (t-gmax).');
      add('eb', 'leaked', 'bytes', 'bytes at t-end', 'Bytes still live when the program ended (t-end).');
      add(
        'mb',
        'max',
        'bytes',
        'max bytes',
        "This stack's own maximum of live bytes (Valgrind updates it only when the global maximum rises, so it is often 0).",
      );
      add(
        'tl',
        'lifetime',
        'count',
        `lifetime (${timeUnit})`,
        `Sum of the lifetimes of the blocks, in ${timeUnit}; live blocks count up to t-end.`,
      );
    }
    if (accesses) {
      add('rb', 'reads', 'bytes', 'bytes read', 'Bytes read from the blocks (realloc copies included).');
      add('wb', 'writes', 'bytes', 'bytes written', 'Bytes written to the blocks (realloc copies included).');
    }
  }
  return columns;
}

export function profileFromDhat(doc: unknown, path: string, warnings: string[] = []): Profile {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid DHAT file: ${what}`, { file: path });
  };
  const d = isObject(doc) ? doc : fail('expected a JSON object');
  if (d.dhatFileVersion !== 2)
    fail(`dhatFileVersion ${JSON.stringify(d.dhatFileVersion)} is not supported (this heapflame reads version 2)`);
  const pps = Array.isArray(d.pps) ? d.pps : fail('"pps" must be an array');
  const ftbl = Array.isArray(d.ftbl) ? d.ftbl : fail('"ftbl" must be an array');
  const mode = typeof d.mode === 'string' ? d.mode : 'heap';
  const lifetimes = d.bklt === true;
  const timeUnit = typeof d.tu === 'string' ? d.tu : 'instrs';
  const columns = dhatColumns(d, mode, timeUnit);

  const builder = new ProfileBuilder(columns.map((c) => c.cost));
  const frameIds = new Map<number, number>();
  const frameOf = (index: unknown, pp: number): number => {
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= ftbl.length)
      fail(`pps[${pp}].fs holds ${JSON.stringify(index)}, not an index of ftbl`);
    let id = frameIds.get(index as number);
    if (id === undefined) {
      const text = ftbl[index as number];
      if (typeof text !== 'string') fail(`ftbl[${index}] is not a string`);
      // one frame per frame-table entry, as DHAT keeps them (the same line at two addresses is
      // two program points in dh_view)
      id = builder.internFrame(parseDhatFrame(text as string), `dhat\u0000${text as string}`);
      frameIds.set(index as number, id);
    }
    return id;
  };
  const totals: Record<string, number> = {};
  for (const c of columns) totals[c.cost.id] = 0;
  const values = new Array<number>(columns.length);
  pps.forEach((pp, i) => {
    if (!isObject(pp) || !Array.isArray(pp.fs)) fail(`pps[${i}] needs "fs", its frames`);
    const fs = (pp as { fs: unknown[] }).fs;
    // innermost first in the file; the tree is root first. ftbl[0] is "[root]", not a frame.
    let node = 0;
    for (let k = fs.length - 1; k >= 0; k--) if (fs[k] !== 0) node = builder.child(node, frameOf(fs[k], i));
    columns.forEach((c, k) => {
      const v = (pp as Record<string, unknown>)[c.field] ?? 0;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`pps[${i}].${c.field} is not a count`);
      values[k] = v as number;
      totals[c.cost.id] += v as number;
    });
    builder.addSample(node, values);
  });

  const te = typeof d.te === 'number' ? d.te : undefined;
  const microseconds = timeUnit === 'µs' || timeUnit === 'us';
  return builder.build(
    {
      format: 'dhat',
      formatVersion: 2,
      toolVersion: `DHAT (${mode})`,
      command: typeof d.cmd === 'string' ? d.cmd : undefined,
      // time is in instructions for Valgrind: a duration only where it is time
      durationMs: microseconds && te !== undefined ? te / 1000 : undefined,
      shortLivedBelow: lifetimes && typeof d.tuth === 'number' ? d.tuth : undefined,
      peakTimeMs: microseconds && typeof d.tg === 'number' ? d.tg / 1000 : undefined,
    },
    totals,
    warnings,
  );
}

/**
 * One frame-table entry: `0xADDR: function (file:line[:column])`, `0xADDR: function (in
 * module)`, or `0xADDR: ???`. Names may hold parentheses (C++ signatures): the location is
 * the last parenthesised group.
 */
export function parseDhatFrame(text: string): Frame {
  const frame: Frame = { name: '', file: '', line: 0, module: '', address: '', inlined: false };
  let rest = text;
  const colon = /^0x([0-9a-fA-F]+): /.exec(rest);
  if (colon) {
    frame.address = colon[1].toLowerCase();
    rest = rest.slice(colon[0].length);
  }
  const open = rest.lastIndexOf(' (');
  if (open > 0 && rest.endsWith(')')) {
    const where = rest.slice(open + 2, -1);
    const m = /^(.*?):(\d+)(?::\d+)?$/.exec(where);
    if (where.startsWith('in ')) frame.module = where.slice(3);
    else if (m) {
      frame.file = m[1];
      frame.line = Number(m[2]);
    } else frame.module = where;
    rest = rest.slice(0, open);
  }
  frame.name = rest === '???' ? '' : rest;
  return frame;
}

export const importDhat = jsonImporter(profileFromDhat);

export const dhatFormat: ImportFormat = {
  name: 'dhat',
  signature: 'DHAT (JSON with "dhatFileVersion")',
  sniff: (head) => /^\s*\{\s*"dhatFileVersion"\s*:/.test(jsonHead(head) ?? ''),
  load: importDhat,
};
