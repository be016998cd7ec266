/**
 * The labels on every object Cairn creates: the Kubernetes recommended labels (app.kubernetes.io/*) plus the
 * owner's kind and name, so both `kubectl get jobs -l cairn.dev/owner-name=eta` and the operator's child
 * informers (selected by {@link managedBySelector}) find them.
 */
import { ownerKindAndName, type OwnerObject } from './owner.js';
import { labelValue } from './label-value.js';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_OWNER_KIND = 'cairn.dev/owner-kind';
export const LABEL_OWNER_NAME = 'cairn.dev/owner-name';
/** On an Experiment's trial Jobs, trial table and registered ModelVersion: the run (status.run) they belong to. */
export const LABEL_RUN = 'cairn.dev/run';
/** On a trial Job and its pods: the Experiment, and the trial's name in the Experiment's table. */
export const LABEL_EXPERIMENT = 'cairn.dev/experiment';
export const LABEL_TRIAL = 'cairn.dev/trial';

/** The value of app.kubernetes.io/part-of and app.kubernetes.io/managed-by on everything Cairn creates. */
export const CAIRN = 'cairn';

/** The label selector of every child informer: what Cairn created, nothing else. */
export const managedBySelector = `${LABEL_MANAGED_BY}=${CAIRN}`;

export interface RecommendedLabelsInput {
  /** The application (`model-server`, `experiment`). */
  name: string;
  /** This instance of it (`eta`). */
  instance: string;
  /** Its role in the architecture (`serving`, `trial`). */
  component: string;
  /** Its version (`7`, `1.4.0`); the label is left out when undefined. */
  version?: string;
}

/**
 * The recommended labels of the Kubernetes documentation, each value passed through {@link labelValue}:
 * name, instance, version (when given), component, part-of=cairn and managed-by=cairn.
 */
export function recommendedLabels(input: RecommendedLabelsInput): Record<string, string> {
  return {
    [LABEL_NAME]: labelValue(input.name),
    [LABEL_INSTANCE]: labelValue(input.instance),
    ...(input.version === undefined ? {} : { [LABEL_VERSION]: labelValue(input.version) }),
    [LABEL_COMPONENT]: labelValue(input.component),
    [LABEL_PART_OF]: CAIRN,
    [LABEL_MANAGED_BY]: CAIRN,
  };
}

/**
 * The labels of a child of `owner`: the recommended labels with name = the owner's kind in lower case
 * (`experiment`), instance = the owner's name and the given component, plus cairn.dev/owner-kind (the kind as
 * written, `Experiment`) and cairn.dev/owner-name (the owner's name as a label value). Throws a RenderError
 * when the owner has no kind or name; a uid is not needed.
 */
export function childLabels(owner: OwnerObject, component: string): Record<string, string> {
  const { kind, name } = ownerKindAndName(owner);
  return {
    ...recommendedLabels({ name: kind.toLowerCase(), instance: name, component }),
    [LABEL_OWNER_KIND]: labelValue(kind),
    [LABEL_OWNER_NAME]: labelValue(name),
  };
}
