/**
 * The performance marks a console page sets on its first load (web/console/load.ts), which bench/console.ts
 * waits for and reads. What they mean is what the bench reports as "loaded":
 *   usable    the page has painted its content, its charts not drawn yet: the Experiment page its summary and
 *             the first rows of its trials table (which sorts and filters already), the Lineage page its nodes
 *   complete  every chart has drawn and every row of the table is in the DOM
 * The Experiment and Lineage pages set them (the two pages with the most to draw).
 */
export const LOAD_MARKS = { usable: 'cairn:usable', complete: 'cairn:complete' } as const;
