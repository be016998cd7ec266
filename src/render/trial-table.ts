/**
 * The ConfigMap `<experiment>-trials` that holds the full trial table of an Experiment's current run as JSON
 * lines (key `trials.jsonl`; docs/api.md, Experiment status). Status keeps only the most recent trials, so a
 * run of 1,000 trials stays small; the table is the record of finished trials once their Jobs are gone.
 */
import { childLabels, LABEL_RUN } from './labels.js';
import { knownOwner, ownerReference, type OwnerObject } from './owner.js';
import type { ChildMeta } from './types.js';

export const trialTableKey = 'trials.jsonl';

export interface TrialTableConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ChildMeta;
  data: Record<string, string>;
}

/** `<experiment>-trials` (an Experiment name is at most 253 characters; the suffix fits a ConfigMap name only below 248). */
export const trialTableName = (experiment: string): string => `${experiment.slice(0, 246)}-trials`;

export function renderTrialTable(owner: OwnerObject, run: number, jsonl: string): TrialTableConfigMap {
  const { name, namespace } = knownOwner(owner, { namespaced: true });
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: trialTableName(name),
      namespace: namespace as string,
      labels: { ...childLabels(owner, 'trial-table'), [LABEL_RUN]: String(run) },
      ownerReferences: [ownerReference(owner)],
    },
    data: { run: String(run), [trialTableKey]: jsonl },
  };
}
