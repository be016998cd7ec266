/** Pure: the names of a run's objects (docs/api.md, Experiment status: `<experiment>-<run>-t<index>`). */
import { shortHash } from '../render/index.js';

/** A Job name is a DNS-1123 label (its name goes into a pod label): at most 63 characters. */
const maxJobName = 63;

/**
 * The name of trial `index` of run `run`, also its Job's name. An Experiment name that is not a label as it is
 * (too long, or with dots: a DNS subdomain) is cut, its dots become dashes, and a short stable hash of the
 * whole name is added, so two such names stay distinct (`eta.v2` and `eta-v2` do not meet).
 */
export function trialName(experiment: string, run: number, index: number): string {
  const suffix = `-${run}-t${index}`;
  if (!experiment.includes('.') && experiment.length + suffix.length <= maxJobName) return `${experiment}${suffix}`;
  const hash = shortHash(experiment, 6);
  const keep = maxJobName - suffix.length - hash.length - 1;
  return `${experiment.replace(/\./g, '-').slice(0, keep).replace(/-+$/, '')}-${hash}${suffix}`;
}

/** Where a trial's files go: `<artifacts.uri>/<experiment>/<run>/<trial>/`. */
export function trialArtifactsUri(base: string, experiment: string, run: number, trial: string): string {
  return `${base.replace(/\/+$/, '')}/${experiment}/${run}/${trial}/`;
}
