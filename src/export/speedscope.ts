import type { Exporter } from './exporter.js';
import { type Profile, ROOT_NODE } from '../model/profile.js';

/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json): the frames
 * shared, one sampled profile per cost, each stack root first with its value as weight. Byte
 * costs have speedscope's unit "bytes"; counts are "none".
 */
export const speedscopeExporter: Exporter = {
  name: 'speedscope',
  kind: 'profile',
  suffixes: ['.speedscope.json'],
  label: '.speedscope.json',
  chunks: (profile) => speedscopeChunks(profile),
};

/** The whole file as one string (what JSON.stringify gives for the same document). */
export function renderSpeedscope(profile: Profile, name = 'heapflame'): string {
  return [...speedscopeChunks(profile, name)].join('');
}

/** Pieces of about this many characters: a stack's text is made as it is written. */
const CHUNK_CHARS = 1 << 20;

/**
 * The file in pieces, byte for byte what JSON.stringify gives for the document: a million
 * stacks as arrays of numbers inside one object took 2.5 times the memory of the report.
 */
export function* speedscopeChunks(profile: Profile, name = 'heapflame'): Generator<string> {
  const frames = profile.frames.map((f) => ({
    name: f.name || `0x${f.address || '?'}`,
    ...(f.file && { file: f.file }),
    ...(f.line > 0 && { line: f.line }),
  }));
  let out = `{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":${JSON.stringify({ frames })},"profiles":[`;
  for (let c = 0; c < profile.costs.length; c++) {
    const cost = profile.costs[c];
    const values = profile.values[c];
    let total = 0;
    for (let i = 0; i < profile.sampleCount; i++) if (values[i] > 0) total += values[i];
    // the cost's id in the name lets heapflame read the file back with the same costs
    const label = cost.label === cost.id ? cost.id : `${cost.label} (${cost.id})`;
    out += `${c > 0 ? ',' : ''}{"type":"sampled","name":${JSON.stringify(label)},"unit":"${cost.unit === 'bytes' ? 'bytes' : 'none'}","startValue":0,"endValue":${json(total)},"samples":[`;
    let first = true;
    for (let i = 0; i < profile.sampleCount; i++) {
      if (!(values[i] > 0)) continue;
      out += `${first ? '' : ','}[${stackText(profile, profile.sampleNode[i])}]`;
      first = false;
      if (out.length >= CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
    out += '],"weights":[';
    first = true;
    for (let i = 0; i < profile.sampleCount; i++) {
      if (!(values[i] > 0)) continue;
      out += `${first ? '' : ','}${json(values[i])}`;
      first = false;
      if (out.length >= CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
    out += ']}';
  }
  yield `${out}],"name":${JSON.stringify(name)},"activeProfileIndex":0,"exporter":"heapflame"}`;
}

/** A number as JSON writes it (not finite: null). */
const json = (v: number) => (Number.isFinite(v) ? String(v) : 'null');

/** A stack's frame ids root first, comma-separated (a walk up, however deep). */
function stackText(profile: Profile, node: number): string {
  const ids: number[] = [];
  for (let n = node; n > ROOT_NODE; n = profile.nodeParent[n]) ids.push(profile.nodeFrame[n]);
  ids.reverse();
  return ids.join(',');
}
