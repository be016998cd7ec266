/**
 * `cairn rollout status NAME`'s picture of a rollout, pure: where it stands, the weights, the analysis, and the
 * steps with the current one marked, as Argo Rollouts' kubectl plugin draws them.
 */
import type { DeploymentSpec, DeploymentStatus } from '../api/kinds/deployment.js';

type CanaryStep = NonNullable<NonNullable<DeploymentSpec['strategy']>['canary']>['steps'][number];

function stepText(step: CanaryStep): string {
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}%`;
  if (step.pause !== undefined) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause (until promoted)';
  return 'analysis';
}

const phaseMark: Record<NonNullable<DeploymentStatus['phase']>, string> = {
  Healthy: '✔',
  Progressing: '◌',
  Paused: '॥',
  Degraded: '✖',
  RolledBack: '↶',
};

export function rolloutStatusLines(deployment: { metadata?: { name?: string; namespace?: string }; spec: DeploymentSpec; status?: DeploymentStatus }): string[] {
  const { spec, status } = deployment;
  const type = spec.strategy?.type ?? 'Immediate';
  const phase = status?.phase ?? 'Progressing';
  const lines = [
    `Name:        ${deployment.metadata?.name ?? ''}`,
    `Namespace:   ${deployment.metadata?.namespace ?? ''}`,
    `Model:       ${spec.model} (${spec.version.pinned !== undefined ? `pinned version ${spec.version.pinned}` : 'latestReady'})`,
    `Status:      ${phaseMark[phase]} ${phase}${status?.message ? `: ${status.message}` : ''}`,
    `Strategy:    ${type}${spec.traffic ? `, router ${spec.traffic.router}` : ''}`,
    `Stable:      ${status?.stable ? `version ${status.stable.version} (${status.stable.weight}%)` : '-'}`,
    `Canary:      ${status?.canary ? `version ${status.canary.version} (${status.canary.weight}%${status.rollout?.mirror ? `, ${status.rollout.mirror}% mirrored` : ''})` : '-'}`,
  ];
  const shadow = status?.shadow;
  if (shadow) {
    const extra = [shadow.meanAbsoluteDifference !== undefined ? `mean |difference| ${shadow.meanAbsoluteDifference}` : '', shadow.incomparable ? `${shadow.incomparable} incomparable` : '', shadow.failed ? `${shadow.failed} failed` : ''].filter(Boolean);
    lines.push(`Shadow:      version ${shadow.version}: ${shadow.agreed} of ${shadow.compared} answers agree${shadow.agreement ? ` (${shadow.agreement})` : ''}${extra.length ? `; ${extra.join(', ')}` : ''}`);
  }
  const analysis = status?.rollout?.analysis;
  if (analysis) {
    lines.push(`Analysis:    ${analysis.passed} passed, ${analysis.failed} failed, ${analysis.inconclusive} inconclusive${analysis.lastAt ? ` (last at ${analysis.lastAt})` : ''}`);
    if (analysis.lastFailure) lines.push(`             last failure: ${analysis.lastFailure}`);
  }
  if (status?.url) lines.push(`URL:         ${status.url}`);
  const steps = spec.strategy?.canary?.steps;
  if (type === 'Canary' && steps) {
    const current = status?.canary ? status.canary.step ?? 0 : undefined;
    lines.push('', 'Steps:');
    steps.forEach((step, i) => {
      const mark = current === undefined ? ' ' : i < current ? '✔' : i === current ? '►' : ' ';
      lines.push(`  ${mark} ${String(i + 1).padStart(2)}. ${stepText(step)}`);
    });
  }
  return lines;
}
