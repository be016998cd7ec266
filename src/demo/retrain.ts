/**
 * The second half of the demo's loop: it commits a shifted version of the driver data, and shows the Dataset's
 * new version profiled, live traffic that follows the new data drifting from the baseline of the stable model,
 * the retraining run the new data starts (the drift's retrain request coalesced into it), the new ModelVersion
 * with its lineage, and its canary walking its steps to 100% with live predictions answered; then the baseline
 * moving to the new model's data and the drift clearing. Returns the facts of the loop's timeline (timeline.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cairnResource } from '../controllers/resources.js';
import type { KubeClient } from '../runtime/kube/client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { coalescedRerun, rerunAnnotation } from '../training/run.js';
import { INSPECT_CONTAINER } from '../render/inspect-job.js';
import { LABEL_RUN } from '../render/labels.js';
import { COMPONENT_SERVING, LABEL_MODEL_VERSION } from '../render/serving.js';
import { breakdownLine, checkSteps, servingSteps, trialSteps } from './breakdown.js';
import type { DemoRepo } from './git.js';
import { canaryStepIntervals, LoopObserver } from './observe.js';
import { startTraffic } from './predict.js';
import { sha256Hex, shiftDriverData } from './shifted-data.js';
import { canaryLine, datasetLine, driftLine, lineageLines, trialLines, type DatasetView, type DeploymentView, type DriftMonitorView, type ExperimentView, type ModelVersionView } from './stages.js';
import type { LoopFacts } from './timeline.js';

export interface RoundContext {
  kube: KubeClient;
  namespace: string;
  root: string;
  repo: DemoRepo;
  /** The ml-data claim's directory on this machine (its hostPath volume). */
  dataVolume: string;
  /** The route Service's base URL. */
  routeUrl: string;
  say(line: string): void;
  /** Tells the GitSource about a commit (the signed webhook). */
  notify(commit: string): Promise<void>;
  /** Polls until `check` gives a value; throws on timeout or Ctrl-C. */
  wait<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T>;
}

export interface RoundResult {
  facts: LoopFacts;
  /** Milliseconds from the data commit to the drift verdict. */
  driftDetectedAfterMs: number;
  /** The retraining run. */
  run: number;
  /** Where the overhead went, pod by pod (breakdown.ts). */
  breakdown: string[];
}

const NEW_DATA_PATH = 'driver_stats/2026-12.csv';
const minutes = (n: number) => n * 60_000;

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };
const condition = (o: { status?: { conditions?: Condition[] } } | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const isTrue = (o: { status?: { conditions?: Condition[] } } | undefined, type: string) => condition(o, type)?.status === 'True';
const timeOf = (text: string | undefined, what: string): number => {
  const at = text ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new Error(`no time recorded for ${what}`);
  return at;
};

export async function retrainingRound(ctx: RoundContext): Promise<RoundResult> {
  const { kube, namespace, say } = ctx;
  const get = <T>(kind: string, name: string) => kube.get<T & KubeObject>(cairnResource(kind), name, namespace);
  const observer = new LoopObserver(kube, namespace, { resource: cairnResource('Deployment'), name: 'eta' });
  await observer.start();
  let traffic: ReturnType<typeof startTraffic> | undefined;
  try {
    // 1. The new data: on the claim where the new URI points, pinned by its sha256 in a commit.
    const shifted = shiftDriverData(readFileSync(join(ctx.root, 'examples', 'data', 'driver_stats.csv'), 'utf8'));
    const sha256 = sha256Hex(shifted);
    const dataFile = join(ctx.dataVolume, NEW_DATA_PATH);
    mkdirSync(dirname(dataFile), { recursive: true });
    writeFileSync(dataFile, shifted);
    const before = (await get<ExperimentView>('Experiment', 'eta-elasticnet'))?.status?.run ?? 0;
    const commit = await ctx.repo.change('driver-stats/dataset.yaml', (text) => text.replace(/driver_stats\/2026-11\.csv/, NEW_DATA_PATH).replace(/sha256: [0-9a-f]{64}/, `sha256: ${sha256}`), 'New driver data: 2026-12 (conv_rate higher)');
    const committedAt = Date.now();
    await ctx.notify(commit);
    say(`Committed ${commit.slice(0, 12)}: Dataset driver-stats -> pvc://ml-data/${NEW_DATA_PATH} (sha256:${sha256.slice(0, 12)}; conv_rate shifted to 0.6 + 0.4 x, on the claim beside the first version)`);

    // 2. The Dataset's new version, profiled.
    const dataset = await ctx.wait('Dataset driver-stats to profile its new version', minutes(5), async () => {
      const d = await get<DatasetView>('Dataset', 'driver-stats');
      return d?.status?.version === `sha256:${sha256}` && isTrue(d, 'Ready') ? d : undefined;
    });
    say(datasetLine(dataset));
    const profiledAt = timeOf(condition(dataset, 'Validated')?.lastTransitionTime, 'the Dataset Validated condition');

    // 3. Live traffic that follows the new data, through the route Service, from now until the end of the round.
    traffic = startTraffic(ctx.routeUrl, 'eta', dataFile);
    const started = await ctx.wait('Experiment eta-elasticnet to start its next run', minutes(2), async () => {
      const e = await get<ExperimentView>('Experiment', 'eta-elasticnet');
      return (e?.status?.run ?? 0) > before ? e : undefined;
    });
    const run = started.status!.run!;
    say(`Experiment eta-elasticnet run ${run} started on Dataset driver-stats sha256:${sha256.slice(0, 12)} (rerunOnDatasetChange); live traffic following the new data goes through the route Service meanwhile`);

    // 4. The drift of that traffic from the stable model's data, and its retrain request.
    const drifted = await ctx.wait('DriftMonitor eta-drift to find drift', minutes(3), async () => {
      const m = await get<DriftMonitorView>('DriftMonitor', 'eta-drift');
      return isTrue(m, 'Drifted') ? m : undefined;
    });
    const driftDetectedAfterMs = Date.now() - committedAt;
    say(driftLine('eta-drift', drifted));
    say(`  baseline: ${baselineText(drifted)}`);

    // 5. The run, its trials, and what became of the retrain request.
    const experiment = await ctx.wait(`Experiment eta-elasticnet run ${run} to finish its trials`, minutes(10), async () => {
      const e = await get<ExperimentView>('Experiment', 'eta-elasticnet');
      return e?.status?.run === run && (e.status.phase === 'Succeeded' || e.status.phase === 'Failed') ? e : undefined;
    });
    for (const line of trialLines(experiment)) say(line);
    const coalesced = await ctx.wait('the retrain request to be answered', minutes(1), async () => {
      const e = await get<ExperimentView & { metadata?: { annotations?: Record<string, string> } }>('Experiment', 'eta-elasticnet');
      const asked = e?.metadata?.annotations?.[rerunAnnotation];
      return asked !== undefined && e?.status?.rerunRequest === asked ? { asked, run: e.status.run } : undefined;
    });
    // Why, as the Experiment decided it (its RerunCoalesced Event may be dropped by the per-object Event spam filter).
    const why = coalescedRerun({ current: { run, datasetVersion: experiment.status?.datasetVersion, rerunRequest: '' }, generation: 0, rerun: coalesced.asked, rerunOnDatasetChange: true });
    say(`Retrain request ${coalesced.asked.split(' ')[0]}: ${coalesced.run === run ? `coalesced into run ${run}, no second run on the same data${why ? ` (${why})` : ''}` : `started run ${coalesced.run}`}`);
    const registered = experiment.status?.modelVersion;
    if (!registered) throw new Error(`Experiment eta-elasticnet run ${run} registered no model: ${condition(experiment, 'Ready')?.message ?? 'no trial passed'}`);

    // 6. The new ModelVersion, verified, with its lineage.
    const model = await ctx.wait(`ModelVersion ${registered} to be verified`, minutes(5), async () => {
      const mv = await get<ModelVersionView & { metadata?: { creationTimestamp?: string } }>('ModelVersion', registered);
      return isTrue(mv, 'Ready') ? mv : undefined;
    });
    for (const line of lineageLines(model)) say(line);
    const registeredAt = timeOf(model.metadata?.creationTimestamp, `ModelVersion ${registered}'s creation`);
    const verifiedAt = timeOf(condition(model, 'Ready')?.lastTransitionTime, `ModelVersion ${registered}'s Ready condition`);

    // 7. The canary, step by step, until the new version serves all traffic.
    const version = model.spec!.version!;
    let shown = '';
    await ctx.wait(`Deployment eta to roll version ${version} out`, minutes(8), async () => {
      const d = await get<DeploymentView>('Deployment', 'eta');
      const line = d ? canaryLine(d, version) : '';
      if (line && line !== shown) say((shown = line));
      return d?.status?.stable?.version === version ? d : undefined;
    });
    const promotedAt = observer.stableAt.get(version) ?? Date.now();
    const answered = await traffic.stop();
    traffic = undefined;
    say(`Deployment eta serves version ${version} to all traffic; ${answered.ok} of ${answered.sent} live predictions answered during the round (e.g. ${answered.example || '-'})`);

    // 8. The baseline moves to the new model's data, and the drift clears (a window of traffic on its bins).
    traffic = startTraffic(ctx.routeUrl, 'eta', dataFile);
    const cleared = await ctx
      .wait('DriftMonitor eta-drift to compare with the new model\'s data and clear', minutes(2), async () => {
        const m = await get<DriftMonitorView>('DriftMonitor', 'eta-drift');
        const scoredConv = m?.status?.features?.some((f) => f.name === 'conv_rate') ?? false;
        return m?.status?.baseline?.modelVersion === registered && condition(m, 'Drifted')?.status === 'False' && scoredConv ? m : undefined;
      })
      .catch((error: Error) => {
        if (error.message === 'Interrupted') throw error;
        return undefined;
      });
    if (cleared) say(`${driftLine('eta-drift', cleared)}\n  baseline: ${baselineText(cleared)}`);
    else say(`DriftMonitor eta-drift: no verdict against the new baseline yet (${condition(await get<DriftMonitorView>('DriftMonitor', 'eta-drift'), 'Drifted')?.message ?? '-'})`);

    const stepKinds = ((await get<{ spec?: { strategy?: { canary?: { steps?: Array<Record<string, unknown>> } } } }>('Deployment', 'eta'))?.spec?.strategy?.canary?.steps ?? []).map((s) =>
      s.pause !== undefined ? ('pause' as const) : s.analysis !== undefined ? ('analysis' as const) : s.setWeight !== undefined ? ('setWeight' as const) : undefined,
    );
    // Condition times are whole seconds: a boundary never goes back before the one before it.
    const ends = [profiledAt, registeredAt, verifiedAt, promotedAt].reduce<number[]>((acc, t) => [...acc, Math.max(t, acc.at(-1) ?? committedAt)], []);
    const names = ['Git commit -> Dataset profiled', `-> run ${run} trained, ${registered} registered`, `-> ${registered} verified`, `-> canary walked to 100%`];
    const facts: LoopFacts = {
      stages: names.map((name, i) => ({ name, start: i === 0 ? committedAt : ends[i - 1]!, end: ends[i]! })),
      trainer: observer.intervals('trial', ['trainer'], { [LABEL_RUN]: String(run) }),
      profileRead: observer.intervals('profile', ['fetch', 'profile']),
      canaryPauses: canaryStepIntervals(observer.steps, version, stepKinds, promotedAt),
    };
    const pods = [...observer.sightings.values()];
    const trials = pods.filter((p) => p.component === 'trial' && p.labels[LABEL_RUN] === String(run));
    const serving = pods.filter((p) => p.component === COMPONENT_SERVING && p.labels[LABEL_MODEL_VERSION] === String(version));
    const checks = pods.filter((p) => p.component === 'model-check');
    const breakdown = [
      breakdownLine(`trial pods of run ${run}`, trials.length, trialSteps(trials)),
      breakdownLine(`serving pods of version ${version}`, serving.length, servingSteps(serving)),
      breakdownLine(`model check of ${registered}`, checks.length, checkSteps(checks, INSPECT_CONTAINER)),
    ];
    return { facts, driftDetectedAfterMs, run, breakdown };
  } finally {
    await traffic?.stop();
    observer.stop();
  }
}

function baselineText(m: DriftMonitorView): string {
  const b = m.status?.baseline;
  if (!b) return '-';
  const version = b.version ? b.version.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1') : '-';
  return `Dataset ${b.dataset} ${version} (ConfigMap ${b.configMap}), ${b.from === 'stableVersion' ? `the data the stable ${b.modelVersion ?? 'version'} was trained on` : "the Dataset's current version"}`;
}
