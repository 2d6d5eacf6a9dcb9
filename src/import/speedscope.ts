import { ProfileBuilder } from '../model/builder.js';
import { HeapflameError } from '../model/errors.js';
import { costIdFrom, type CostInfo, type Profile } from '../model/profile.js';
import type { ImportFormat } from './format.js';
import { jsonHead } from './io/head.js';
import { isObject, jsonImporter } from './io/whole-input.js';

/**
 * speedscope files: the frames shared, then sampled profiles (stacks root first with weights)
 * or evented ones (open/close events; the time between events goes to the open stack). Each
 * profile becomes a cost; units "bytes" stay bytes, the others count.
 */
export function profileFromSpeedscope(doc: unknown, path: string, warnings: string[] = []): Profile {
  const fail = (what: string): never => {
    throw new HeapflameError(`not a valid speedscope file: ${what}`, { file: path });
  };
  const d = isObject(doc) ? doc : fail('expected a JSON object');
  const shared =
    isObject(d.shared) && Array.isArray(d.shared.frames) ? d.shared.frames : fail('"shared.frames" must be an array');
  const profiles = Array.isArray(d.profiles) ? d.profiles : fail('"profiles" must be an array');
  const ids = new Set<string>();
  const costs: CostInfo[] = profiles.map((p, i) => {
    if (!isObject(p) || (p.type !== 'sampled' && p.type !== 'evented'))
      fail(`profiles[${i}] must be "sampled" or "evented"`);
    const name =
      typeof (p as { name?: unknown }).name === 'string' ? ((p as { name: string }).name as string) : `profile ${i}`;
    // heapflame writes "label (id)": the cost comes back as it was
    const own = /^(.*) \(([a-z_][\w']*)\)$/.exec(name);
    let id = costIdFrom(own?.[2] ?? (name.replace(/[^\w.-]+/g, '_') || `profile${i}`));
    while (ids.has(id)) id += "'";
    ids.add(id);
    const label = own?.[1] ?? name;
    return {
      id,
      unit: (p as { unit?: unknown }).unit === 'bytes' ? 'bytes' : 'count',
      label,
      description: `speedscope profile "${name}" (${String((p as { unit?: unknown }).unit ?? 'none')}).`,
    };
  });
  const builder = new ProfileBuilder(costs);
  const frameIds = shared.map((f, i) => {
    if (!isObject(f) || typeof f.name !== 'string') fail(`shared.frames[${i}] needs a name`);
    const frame = f as { name: string; file?: unknown; line?: unknown };
    // a bare address is how an unnamed frame is written (speedscope frames need a name)
    const address = /^0x([0-9a-f]+)$/i.exec(frame.name)?.[1] ?? '';
    return builder.internFrame({
      name: address ? '' : frame.name,
      file: typeof frame.file === 'string' ? frame.file : '',
      line: Number.isInteger(frame.line) ? (frame.line as number) : 0,
      module: '',
      address,
      inlined: false,
    });
  });
  const frameAt = (index: unknown, where: string) => {
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= frameIds.length)
      fail(`${where}: ${JSON.stringify(index)} is not a frame index`);
    return frameIds[index as number];
  };
  const totals: Record<string, number> = Object.fromEntries(costs.map((c) => [c.id, 0]));
  const add = (column: number, node: number, weight: number) => {
    if (!Number.isFinite(weight) || weight < 0) return;
    const values = costs.map(() => 0);
    values[column] = weight;
    builder.addSample(node, values);
    totals[costs[column].id] += weight;
  };
  profiles.forEach((raw, c) => {
    const p = raw as Record<string, unknown>;
    if (p.type === 'sampled') {
      const samples = Array.isArray(p.samples) ? p.samples : fail(`profiles[${c}].samples must be an array`);
      const weights = Array.isArray(p.weights) ? p.weights : fail(`profiles[${c}].weights must be an array`);
      if (weights.length !== samples.length) fail(`profiles[${c}]: one weight per sample`);
      samples.forEach((stack, i) => {
        if (!Array.isArray(stack)) fail(`profiles[${c}].samples[${i}] must be a stack`);
        let node = 0;
        for (const f of stack as unknown[]) node = builder.child(node, frameAt(f, `profiles[${c}].samples[${i}]`));
        add(c, node, Number(weights[i]));
      });
    } else {
      const events = Array.isArray(p.events) ? p.events : fail(`profiles[${c}].events must be an array`);
      const open: number[] = [0];
      let last = Number(p.startValue) || 0;
      events.forEach((e, i) => {
        if (!isObject(e) || typeof e.at !== 'number' || (e.type !== 'O' && e.type !== 'C'))
          fail(`profiles[${c}].events[${i}] needs type O or C and at`);
        const at = e.at as number;
        if (open.length > 1) add(c, open[open.length - 1], at - last);
        last = at;
        if (e.type === 'O')
          open.push(builder.child(open[open.length - 1], frameAt(e.frame, `profiles[${c}].events[${i}]`)));
        else if (open.length > 1) open.pop();
      });
    }
  });
  return builder.build(
    { format: 'speedscope', toolVersion: typeof d.exporter === 'string' ? d.exporter : undefined },
    totals,
    warnings,
  );
}

export const importSpeedscope = jsonImporter(profileFromSpeedscope);

export const speedscopeFormat: ImportFormat = {
  name: 'speedscope',
  signature: 'speedscope (JSON with its "$schema")',
  sniff: (head) =>
    /"\$schema"\s*:\s*"https:\/\/www\.speedscope\.app\/file-format-schema\.json"/.test(jsonHead(head) ?? ''),
  load: importSpeedscope,
};
