/**
 * Limits on what heapflame reads, defined once (the CLI's help and README name them).
 *
 * Formats read whole are parsed in memory (JSON.parse takes several times the text), so
 * their decompressed size is bounded: a 1 MB gzip file can hold gigabytes. Streamed formats
 * (heaptrack, folded, Bytehound) need no bound: their memory follows distinct stacks.
 */
export const DEFAULT_MAX_WHOLE_BYTES = 256 * 1024 * 1024;
