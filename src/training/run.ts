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

/** Why a new run starts, or undefined when the current one goes on. */
export function newRunReason(facts: RunFacts): string | undefined {
  const { current } = facts;
  if (current.run === undefined || current.run === 0) return 'first run';
  if (current.runGeneration !== facts.generation) return `the spec changed (generation ${facts.generation})`;
  if (facts.rerun !== undefined && facts.rerun !== (current.rerunRequest ?? '')) return `${rerunAnnotation}=${JSON.stringify(facts.rerun)}`;
  if (facts.rerunOnDatasetChange && facts.datasetVersion !== undefined && facts.datasetVersion !== current.datasetVersion) return `the Dataset has a new version ${facts.datasetVersion}`;
  return undefined;
}
