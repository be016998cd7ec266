/**
 * The performance marks a console page sets on its first load (web/console/load.ts), which bench/console.ts
 * waits for and reads. What they mean is what the bench reports as "loaded":
 *   usable    the page has painted its content, its charts not drawn yet: the Experiment page its summary and
 *             the first rows of its trials table (which sorts and filters already), the Lineage page its nodes,
 *             the Deployment page its status, steps and buttons
 *   complete  every chart has drawn and every row of the table is in the DOM
 * The Experiment, Lineage and Deployment pages set them (the pages with charts that bench:console loads).
 */
export const LOAD_MARKS = { usable: 'cairn:usable', complete: 'cairn:complete' } as const;
