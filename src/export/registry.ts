import { HeapflameError } from '../model/errors.js';
import { dhatExporter } from './dhat.js';
import type { Exporter } from './exporter.js';
import { foldedExporter } from './folded.js';
import { heapflameExporter } from './heapflame.js';
import { htmlExporter } from './html.js';
import { pprofExporter } from './pprof.js';
import { speedscopeExporter } from './speedscope.js';
import { svgExporter } from './svg.js';

/** Every format heapflame writes; an output name picks the first whose suffix it ends in. */
export const EXPORTERS: readonly Exporter[] = [
  pprofExporter,
  speedscopeExporter,
  dhatExporter,
  heapflameExporter,
  foldedExporter,
  svgExporter,
  htmlExporter,
];

const labels = (kind: Exporter['kind'], separator: string) =>
  EXPORTERS.filter((e) => e.kind === kind)
    .map((e) => e.label)
    .join(separator);

function bySuffix(output: string, kind: Exporter['kind']): Exporter | undefined {
  const name = output.toLowerCase();
  return EXPORTERS.find((e) => e.kind === kind && e.suffixes.some((s) => name.endsWith(s)));
}

export function exporterNamed(name: string): Exporter {
  const exporter = EXPORTERS.find((e) => e.name === name);
  if (!exporter)
    throw new HeapflameError(
      `unknown output format "${name}": heapflame writes ${EXPORTERS.map((e) => e.name).join(', ')}`,
    );
  return exporter;
}

/** The profile format (`convert`) an output name asks for; any other name is one error listing them. */
export function profileExporter(output: string): Exporter {
  const exporter = bySuffix(output, 'profile');
  if (!exporter)
    throw new HeapflameError(
      `cannot tell the output format from the name "${output}": convert writes ${labels('profile', ', ')}`,
    );
  return exporter;
}

/**
 * What a flame graph's output name asks for: an SVG of one cost (.svg, or - for standard
 * output) or the interactive HTML report (.html, .htm). Any other name is one error that
 * lists what heapflame writes.
 */
export function graphExporter(output: string): Exporter {
  const exporter = output === '-' ? svgExporter : bySuffix(output, 'graph');
  if (exporter) return exporter;
  throw new HeapflameError(
    `cannot write "${output}": a flame graph is ${labels('graph', ' or ')}; convert writes ${labels('profile', ', ')}; report and folded write text to any name`,
  );
}
