/**
 * The SVG flame graph's defaults (flamegraph.pl's where it has them), defined once: renderSvg
 * falls back to them and the command line shows and passes them (a module of its own, so
 * the command line does not load the renderer to read them).
 */
export const SVG_DEFAULTS = {
  width: 1200,
  height: 16,
  fontSize: 12,
  fontType: 'Verdana',
  fontWidth: 0.59,
  minWidth: '0.1',
  nameType: 'Function:',
  factor: 1,
  sort: 'name',
} as const;
