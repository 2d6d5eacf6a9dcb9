/**
 * Progress on stderr for long reads: only on a terminal, only after a second, one line
 * redrawn in place, cleared at the end.
 */
export function progressReporter(
  label: string,
  enabled: boolean,
  delayMs = Number(process.env.HEAPFLAME_PROGRESS_DELAY_MS ?? 1000),
) {
  const tty = enabled && process.stderr.isTTY === true;
  const start = Date.now();
  let lastDraw = 0;
  let drawn = false;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    update(done: number, total: number | undefined) {
      if (!tty) return;
      const now = Date.now();
      if (now - start < delayMs || now - lastDraw < 100) return;
      lastDraw = now;
      const rate = done / 1e6 / ((now - start) / 1000);
      const of = total ? ` / ${mb(total)} MB (${Math.floor((100 * done) / total)}%)` : ' MB';
      process.stderr.write(`\r\x1b[Kreading ${label}: ${mb(done)}${of}, ${rate.toFixed(0)} MB/s`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
