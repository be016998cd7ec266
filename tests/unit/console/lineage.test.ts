import { describe, expect, it } from 'vitest';
import { lineageGraph } from '../../../src/console/lineage.js';
import { applyEvent, emptyState, type ConsoleKind, type ConsoleObject, type ConsoleState } from '../../../src/console/model.js';
import { lifecycle } from '../../integration/console/lifecycle.js';

function stateOf(objects: ConsoleObject[], forbidden: ConsoleKind[] = []): ConsoleState {
  let state = emptyState(false, 'ml');
  for (const object of objects) if (!forbidden.includes(object.kind as ConsoleKind)) state = applyEvent(state, { type: 'upsert', kind: object.kind as ConsoleKind, object });
  for (const kind of forbidden) state = applyEvent(state, { type: 'access', kind, access: 'forbidden' });
  return state;
}

describe('lineageGraph', () => {
  it('links Git -> Dataset -> Experiment -> trials -> ModelVersion -> Deployment (stable, canary) -> DriftMonitor', () => {
    const graph = lineageGraph(stateOf(lifecycle('ml') as ConsoleObject[]));
    expect(graph.nodes.map((n) => `${n.id} | ${n.detail}`)).toEqual([
      'GitSource:ml/ml-config | main@3f2a9c4e5d6b',
      'Dataset:ml/rides | version 9f86d081884c, 12000 rows',
      'Experiment:ml/fare-gbm | run 1, Succeeded',
      'Trials:ml/fare-gbm | 6/6 trials, 3 passed, 1 failed',
      'ModelVersion:ml/fare-2 | fare v2',
      'ModelVersion:ml/fare-3 | fare v3',
      'Deployment:ml/fare | Paused, stable v2 80%, canary v3 20%',
      'DriftMonitor:ml/fare-drift | drifted',
    ]);
    expect(graph.edges.map((e) => `${e.from} -> ${e.to}${e.label ? ` (${e.label})` : ''}`).sort()).toEqual(
      [
        'GitSource:ml/ml-config -> Dataset:ml/rides',
        'GitSource:ml/ml-config -> Experiment:ml/fare-gbm',
        'GitSource:ml/ml-config -> ModelVersion:ml/fare-2',
        'GitSource:ml/ml-config -> ModelVersion:ml/fare-3',
        'GitSource:ml/ml-config -> Deployment:ml/fare',
        'GitSource:ml/ml-config -> DriftMonitor:ml/fare-drift',
        'Dataset:ml/rides -> Experiment:ml/fare-gbm (9f86d081884c)',
        'Experiment:ml/fare-gbm -> Trials:ml/fare-gbm',
        'Trials:ml/fare-gbm -> ModelVersion:ml/fare-3 (fare-gbm-1-t0)',
        'Trials:ml/fare-gbm -> ModelVersion:ml/fare-2 (fare-gbm-1-t4)',
        'ModelVersion:ml/fare-2 -> Deployment:ml/fare (stable)',
        'ModelVersion:ml/fare-3 -> Deployment:ml/fare (canary)',
        'Deployment:ml/fare -> DriftMonitor:ml/fare-drift',
      ].sort(),
    );
    const deployment = graph.nodes.find((n) => n.stage === 'Deployment')!;
    expect(deployment).toMatchObject({ ready: 'True', readyMessage: 'Serving version 2; canary 3 at 20%', href: '#/deployment/ml/fare' });
  });

  it('marks references into kinds the user may not read as not permitted, and missing objects as not found', () => {
    const objects = (lifecycle('ml') as ConsoleObject[]).filter((o) => o.kind !== 'Dataset');
    const graph = lineageGraph(stateOf(objects, ['ModelVersion', 'GitSource']));
    expect(graph.nodes.find((n) => n.id === 'ModelVersion:ml/fare-3')).toMatchObject({ forbidden: true, detail: 'not permitted' });
    // The Deployment's stable version is named after the model when the ModelVersion cannot be read.
    expect(graph.nodes.find((n) => n.id === 'ModelVersion:ml/fare-2')).toMatchObject({ forbidden: true, detail: 'not permitted' });
    expect(graph.nodes.find((n) => n.id === 'GitSource:ml/ml-config')).toMatchObject({ forbidden: true });
    expect(graph.nodes.find((n) => n.id === 'Dataset:ml/rides')).toMatchObject({ missing: true, detail: 'not found' });
  });

  it('draws nothing for an empty namespace', () => {
    expect(lineageGraph(emptyState(false))).toEqual({ nodes: [], edges: [] });
  });
});
