import { HeapflameError } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { foldedChunks } from './folded.js';
import { encodeHeapflame } from './heapflame.js';
import { renderDhat } from './dhat.js';
import { encodePprof } from './pprof.js';
import { renderSpeedscope } from './speedscope.js';

/** The exporters `convert` chooses from, by the output file's name. */
const FORMATS: { suffix: RegExp; name: string; write: (p: Profile, o: { cost?: string }) => Iterable<string | Uint8Array> }[] = [
  { suffix: /\.(pb\.gz|pb|pprof)$/i, name: '.pb.gz (pprof)', write: (p) => [encodePprof(p)] },
  { suffix: /\.speedscope\.json$/i, name: '.speedscope.json', write: (p) => [renderSpeedscope(p)] },
  { suffix: /\.dhat\.json$/i, name: '.dhat.json', write: (p) => [renderDhat(p)] },
  { suffix: /\.heapflame$/i, name: '.heapflame', write: (p) => [encodeHeapflame(p)] },
  { suffix: /\.folded$/i, name: '.folded', write: (p, o) => foldedChunks(p, { cost: o.cost }) },
];

export function convertedChunks(profile: Profile, output: string, options: { cost?: string } = {}): Iterable<string | Uint8Array> {
  const format = FORMATS.find((f) => f.suffix.test(output));
  if (!format) throw new HeapflameError(`cannot tell the output format from the name "${output}": convert writes ${FORMATS.map((f) => f.name).join(', ')}`);
  return format.write(profile, options);
}

/**
 * What a flame graph's output name asks for: an SVG of one cost (.svg, or - for standard
 * output) or the interactive HTML report (.html, .htm). Any other name is one error that
 * lists what heapflame writes.
 */
export function flameGraphFormat(output: string): 'svg' | 'html' {
  if (output === '-' || /\.svg$/i.test(output)) return 'svg';
  if (/\.html?$/i.test(output)) return 'html';
  throw new HeapflameError(
    `cannot write "${output}": a flame graph is .svg (one cost) or .html (every cost, interactive); convert writes ${FORMATS.map((f) => f.name).join(', ')}; report and folded write text to any name`,
  );
}
