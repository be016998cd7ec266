/**
 * A Shadow rollout's agreement, pure: the stable pods' comparison counters (src/serving/mirror.ts) for one
 * model version, summed over the pods, as the Deployment's status.shadow says it. The counters are cumulative
 * since each pod started mirroring to this shadow (a new shadow changes the pods' arguments, so they restart
 * and count from zero); a pod that restarts mid-shadow loses its counts, which is stated, not hidden.
 */
import type { DeploymentStatus } from '../api/kinds/deployment.js';
import type { Sample } from '../metrics/exposition.js';

export interface ShadowCounters {
  agree: number;
  disagree: number;
  incomparable: number;
  /** Copies answered with an error, or not at all (cairn_shadow_requests_total{result="error"}). */
  failed: number;
  absDifference: number;
  comparedElements: number;
}

export type ShadowStatus = NonNullable<DeploymentStatus['shadow']>;

export function emptyShadowCounters(): ShadowCounters {
  return { agree: 0, disagree: 0, incomparable: 0, failed: 0, absDifference: 0, comparedElements: 0 };
}

/** One pod's counters of `model` version `version` (the stable version: the pods that send the copies). */
export function shadowCounters(samples: readonly Sample[], model: string, version: string): ShadowCounters {
  const counters = emptyShadowCounters();
  for (const s of samples) {
    if (s.labels.model !== model || s.labels.version !== version) continue;
    if (s.name === 'cairn_shadow_comparisons_total') {
      const result = s.labels.result;
      if (result === 'agree' || result === 'disagree' || result === 'incomparable') counters[result] += s.value;
    } else if (s.name === 'cairn_shadow_requests_total' && s.labels.result === 'error') counters.failed += s.value;
    else if (s.name === 'cairn_shadow_abs_difference_total') counters.absDifference += s.value;
    else if (s.name === 'cairn_shadow_compared_elements_total') counters.comparedElements += s.value;
  }
  return counters;
}

export function sumShadowCounters(all: readonly ShadowCounters[]): ShadowCounters {
  const total = emptyShadowCounters();
  for (const c of all) for (const key of Object.keys(total) as Array<keyof ShadowCounters>) total[key] += c[key];
  return total;
}

/** status.shadow for the copies to `shadowVersion`: agreement with one decimal, the mean difference to 6 significant digits. */
export function shadowStatus(shadowVersion: number, counters: ShadowCounters): ShadowStatus {
  const compared = counters.agree + counters.disagree;
  return {
    version: shadowVersion,
    compared,
    agreed: counters.agree,
    // Rounded down: 1 disagreement in 10,000 is 99.9%, never a 100.0% that hides it.
    ...(compared > 0 ? { agreement: `${(Math.floor((1000 * counters.agree) / compared) / 10).toFixed(1)}%` } : {}),
    ...(counters.comparedElements > 0 ? { meanAbsoluteDifference: Number((counters.absDifference / counters.comparedElements).toPrecision(6)) } : {}),
    ...(counters.incomparable > 0 ? { incomparable: counters.incomparable } : {}),
    ...(counters.failed > 0 ? { failed: counters.failed } : {}),
  };
}
