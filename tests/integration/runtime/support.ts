import { KubeConfig } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/runtime/logger.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { ResourceType } from '../../../src/runtime/kube/resource.js';
import { adminKubeConfig } from '../../harness/kube.js';

/** The admin kubeconfig pointed at another server URL (a {@link TcpProxy}). */
export function kubeConfigVia(server: string): KubeConfig {
  const admin = adminKubeConfig();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: admin.clusters.map((c) => ({ ...c, server })),
    users: admin.users,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
  return kc;
}

export function adminClient(): HttpKubeClient {
  return new HttpKubeClient(adminKubeConfig());
}

/** A logger whose JSON lines are kept for assertions. */
export function memoryLogger(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level }, sink), lines };
}

/** A namespaced test CRD with a status subresource, to exercise custom resources without the cairn.dev CRDs. */
export const widgets: ResourceType = { group: 'runtime.test.cairn.dev', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true };

export const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.runtime.test.cairn.dev' },
  spec: {
    group: 'runtime.test.cairn.dev',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};
