export type { CostId, CostInfo, Frame, Profile, ProfileMeta, TimelinePoint, Unit } from './model/profile.js';
export { costIndex, stackOf, ROOT_NODE } from './model/profile.js';
export { HeapflameError } from './model/errors.js';
export { ProfileBuilder } from './model/builder.js';
export {
  importHeaptrack,
  HEAPTRACK_COSTS,
  type HeaptrackImportOptions,
  type TimePoint,
} from './import/heaptrack/importer.js';
export { openInput, detectCompression, type Input, type InputOptions } from './import/io/input.js';
export { presentNames, shortenTemplates, type NameOptions } from './analyze/names.js';
export { demangleRust } from './analyze/demangle-rust.js';
export { filterStacks, type StackFilter } from './analyze/filter.js';
export { topEntries, type TopEntry, type TopOptions } from './analyze/top.js';
export { foldedChunks, type FoldedOptions } from './export/folded.js';
export { renderTextReport, type TextReportOptions } from './export/report-text.js';
export { buildJsonReport, renderJsonReport, REPORT_SCHEMA, type JsonReportOptions } from './export/report-json.js';
export { formatBytes } from './export/format.js';
export { writeOutput } from './export/write-file.js';
export { loadProfile, type LoadOptions } from './load.js';
