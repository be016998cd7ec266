import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/runtime/logger.js';
import { createOperatorMetrics } from '../../../src/runtime/metrics.js';
import type { ResourceType } from '../../../src/runtime/kube/resource.js';

/** Lets queued microtasks and immediates run (FakeKube delivers watch events asynchronously). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A logger whose JSON lines land in `lines`. */
export function captureLogger(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger({ level }, sink), lines, raw };
}

export function metrics() {
  const registry = new Registry();
  return { registry, metrics: createOperatorMetrics(registry) };
}

export const widgets: ResourceType = { group: 'test.cairn.dev', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };

export function widget(namespace: string, name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'test.cairn.dev/v1', kind: 'Widget', metadata: { name, namespace }, spec };
}
