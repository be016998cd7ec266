/**
 * A page's first load in two steps (src/console/marks.ts): its content painted first, then the expensive parts
 * (charts, the rest of a long table), each after the browser has painted what came before, so the page can be
 * read and used while they are drawn.
 */
import { LOAD_MARKS } from '../../src/console/marks.js';

/** Runs `work` once the browser has painted the current frame (a frame callback, then a task after it). */
export function afterPaint(work: () => void): void {
  requestAnimationFrame(() => setTimeout(work, 0));
}

/** Sets the load mark the first time only: it times the document's first load, not a later visit of the page. */
export function markLoaded(step: keyof typeof LOAD_MARKS): void {
  if (performance.getEntriesByName(LOAD_MARKS[step]).length === 0) performance.mark(LOAD_MARKS[step]);
}
