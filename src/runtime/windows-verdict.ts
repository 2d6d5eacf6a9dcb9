/** Windows of runs that confirm a growth (see expectNoLeaks). */
export const WINDOWS = 5;

/**
 * What the windows so far say a run keeps, once that is settled; undefined while it is not.
 * `windows` holds each window's growth in bytes, `perWindow` runs each (at most WINDOWS).
 *
 * What fn keeps grows every window alike; V8 and Node move a window now and then by a few
 * dozen to a few thousand bytes either way (1,760 bytes freed at once was seen under Node 26).
 * One such window is left out at each end: a growth counts when the second smallest window
 * is above 0 and at least half the second largest, and the median window is the figure. So a
 * 16-byte leak is not lost to one window that shrank, nor is a clean function flagged by one
 * that grew. Settled early: two windows that kept nothing mean fn keeps nothing (only one may
 * have moved), and three equal windows are the median of five whatever the other two.
 */
export function windowsVerdict(windows: Float64Array, perWindow: number): number | undefined {
  let nothing = 0;
  for (const w of windows) if (w <= 0) nothing++;
  if (nothing >= 2) return 0;
  const sorted = Float64Array.from(windows).sort();
  const median = sorted[sorted.length >> 1];
  if (windows.length === WINDOWS) {
    const [low, high] = [sorted[1], sorted[WINDOWS - 2]];
    return low < high / 2 ? 0 : Math.round(median / perWindow);
  }
  let agreeing = 0;
  for (const w of sorted) if (w === median) agreeing++;
  return agreeing >= (WINDOWS >> 1) + 1 && median > 0 ? Math.round(median / perWindow) : undefined;
}
