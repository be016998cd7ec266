/**
 * The performance marks a console page sets on its first load (web/console/load.ts), which bench/console.ts
 * waits for and reads. What they mean is what the bench reports as "loaded":
 *   usable    the page has painted its content: the object's summary and the first rows of its table, which
 *             sorts and filters already; its charts are not drawn yet
 *   complete  every chart has drawn and every row of the table is in the DOM
 */
export const LOAD_MARKS = { usable: 'cairn:usable', complete: 'cairn:complete' } as const;
