/**
 * Pure: whether an Experiment starts a new run (docs/api.md, Experiment status `run`): its first run, a spec
 * change (a new generation), a new `cairn.dev/rerun` value, or, with `rerunOnDatasetChange`, a new verified
 * Dataset version. The run's trigger is recorded in status, so the same facts never start two runs.
 */
export const rerunAnnotation = 'cairn.dev/rerun';

export interface RunFacts {
  /** What the current run started from (status). */
  current: { run?: number; runGeneration?: number; rerunRequest?: string; datasetVersion?: string };
  generation: number;
  /** The cairn.dev/rerun annotation, if set. */
  rerun?: string;
  rerunOnDatasetChange: boolean;
  /** The Dataset's verified version now, if it has one. */
  datasetVersion?: string;
}

const DRIFTED_FROM = 'drifted-from=';

/** The part of a rerun value naming the data a drifted model was trained on (src/controllers/driftmonitor/actions.ts). */
export const driftedFromNote = (version: string): string => `${DRIFTED_FROM}${version}`;

/**
 * Why a new rerun value starts no run: it says the model that drifted was trained on `drifted-from=<version>`,
 * and the current run already trains on other data (a new Dataset version started it). Its model is the answer
 * to the drift; a second run on the same data would only repeat it. Undefined when the request starts a run.
 */
export function coalescedRerun(facts: RunFacts): string | undefined {
  const { current, rerun } = facts;
  if (rerun === undefined || rerun === (current.rerunRequest ?? '') || current.run === undefined || current.run === 0 || current.datasetVersion === undefined) return undefined;
  const from = rerun.split(/\s+/).find((part) => part.startsWith(DRIFTED_FROM))?.slice(DRIFTED_FROM.length);
  if (from === undefined || from === current.datasetVersion) return undefined;
  return `run ${current.run} already trains on ${current.datasetVersion}, newer data than the drifted model's ${from}`;
}

/** Why a new run starts, or undefined when the current one goes on. */
export function newRunReason(facts: RunFacts): string | undefined {
  const { current } = facts;
  if (current.run === undefined || current.run === 0) return 'first run';
  if (current.runGeneration !== facts.generation) return `the spec changed (generation ${facts.generation})`;
  if (facts.rerun !== undefined && facts.rerun !== (current.rerunRequest ?? '')) return `${rerunAnnotation}=${JSON.stringify(facts.rerun)}`;
  if (facts.rerunOnDatasetChange && facts.datasetVersion !== undefined && facts.datasetVersion !== current.datasetVersion) return `the Dataset has a new version ${facts.datasetVersion}`;
  return undefined;
}
