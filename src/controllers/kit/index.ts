/** The controller kit: what a Cairn controller is written with (docs/adding-a-controller.md). */
export { applyChildren, childSelector, stamped, upToDate, type ChildError, type ChildrenIO, type ChildrenOutcome, type Owner } from './children.js';
export {
  ConditionSet,
  findCondition,
  isTrue,
  kindConditions,
  KitReason,
  Ready,
  Reconciling,
  Stalled,
  transitions,
  truncate,
  type Condition,
  type ConditionDeclaration,
  type ConditionStatus,
  type Failure,
  type KindConditions,
  type Polarity,
} from './conditions.js';
export { jobEdited, jobOutcomeChanged, jobOutcomeView, jobPodsWatch, jobVerdictChanged, podOutcomeChanged, podOutcomeView } from './job-events.js';
export { failureOf, kindController, type KindController, type ReconciledObject, type Scope, type Step, type StepResult } from './driver.js';
export { StalledError, TransientError, WaitingError } from '../../runtime/errors.js';
