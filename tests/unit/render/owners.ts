/** Owners as the operator reads them from the API server (and one not created yet). */
import { API_VERSION } from '../../../src/api/kind.js';

export const experiment = {
  apiVersion: API_VERSION,
  kind: 'Experiment',
  metadata: {
    name: 'eta-elasticnet',
    namespace: 'ml',
    uid: '5f0c7a52-3a1e-4d0b-9a43-2f7e8c1d6b90',
    generation: 3,
    resourceVersion: '48127',
    creationTimestamp: '2026-11-23T09:58:12Z',
    labels: { 'cairn.dev/source': 'ml-platform' },
  },
  spec: { image: 'ghcr.io/acme/eta-trainer:1.4.0' },
};

export const dataset = {
  apiVersion: API_VERSION,
  kind: 'Dataset',
  metadata: { name: 'driver-stats', namespace: 'ml', uid: '0b6f4c8e-93d2-4f57-a1c4-7d2e5b8f3a61' },
};

/** An Experiment as written in Git, before the API server gave it a uid. */
export const unsaved = { apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: 'eta-elasticnet', namespace: 'ml' } };

/** 253 characters, the longest name a custom resource may have. */
export const longName = `eta-${'a'.repeat(120)}.${'b'.repeat(128)}`;
