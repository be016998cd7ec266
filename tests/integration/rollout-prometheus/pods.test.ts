/**
 * Prometheus scraping a serving pod on the local node, as it does in a cluster: a real `cairn serve` Pod, its
 * pod IP as the scrape target (labelled with namespace and pod, as Kubernetes service discovery would), traffic
 * through a Service's ClusterIP. The provider reads the pod's requests and judges its error rate; when the pod
 * is deleted, its target goes down and Prometheus says so with `up` = 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onLocalNode } from '../../../src/localnode/index.js';
import { judge } from '../../../src/rollout/analysis.js';
import { queryPrometheus } from '../../../src/rollout/prometheus.js';
import { consoleLogger, startPrometheus, type Prometheus } from '../../../src/testenv/index.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { clients, isReady, podWhere } from '../../harness/workloads.js';
import { modelPath, prepareModels, sha256Of } from '../../unit/serving/models.js';
import { infer, MODEL } from './serve.js';

const REQUESTS = 25;
const AT = '2026-01-01T00:00:00Z';

let namespace = '';
let prometheus: Prometheus | undefined;

// The first test run on a machine builds Prometheus from source (minutes, cached afterwards), hence the bound.
beforeAll(async () => {
  namespace = await createNamespace('prom-pods');
  await prepareModels();
  prometheus = await startPrometheus({ logger: consoleLogger('prometheus') });
}, 60 * 60_000);

afterAll(async () => {
  await prometheus?.stop();
  if (namespace) await deleteNamespace(namespace);
});

describe('Prometheus scraping a serving pod on the local node', () => {
  it('reads the requests sent through the ClusterIP, judges the error rate, and sees the pod go', async () => {
    const { core } = clients();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'serving-v1', labels: { app: 'serving' } },
        spec: onLocalNode({
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'serve',
              image: 'ghcr.io/cairn/cairn:dev',
              args: ['serve', '--model-uri', modelPath('driver_elasticnet'), '--sha256', sha256Of('driver_elasticnet'), '--name', MODEL, '--version', '1', '--host', '$(POD_IP)', '--port', '8080', '--shutdown-delay-s', '0'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/v2/health/ready', port: 8080 }, periodSeconds: 1 },
            },
          ],
        }),
      },
    });
    const service = await core.createNamespacedService({ namespace, body: { metadata: { name: 'serving' }, spec: { selector: { app: 'serving' }, ports: [{ port: 80, targetPort: 'http' }] } } });
    const pod = await podWhere(namespace, 'serving-v1', 'Ready', isReady);
    const target = `${pod.status?.podIP}:8080`;
    await prometheus!.setTargets([{ targets: [target], labels: { namespace, pod: 'serving-v1' } }]);
    await eventually(`Prometheus scrapes ${target}`, async () => {
      const targets = await prometheus!.activeTargets();
      if (targets[0]?.health !== 'up') throw new Error(`targets: ${JSON.stringify(targets)}`);
      return true;
    });

    // Through the Service, as clients reach a model version.
    for (let i = 0; i < REQUESTS; i++) expect(await infer(`${service.spec?.clusterIP}:80`)).toBe(200);
    const ofPod = `{job="cairn-test",namespace="${namespace}",pod="serving-v1"}`;
    await eventually(`Prometheus has scraped the pod's ${REQUESTS} requests`, async () => {
      const seen = await queryPrometheus(prometheus!.address, `sum(cairn_inference_requests_total${ofPod})`);
      if (seen !== REQUESTS) throw new Error(`Prometheus counts ${seen}`);
      return true;
    });
    const errorRate = await queryPrometheus(
      prometheus!.address,
      `(sum(cairn_inference_requests_total{job="cairn-test",namespace="${namespace}",pod="serving-v1",code=~"5.."}) or vector(0)) / sum(cairn_inference_requests_total${ofPod})`,
    );
    expect(errorRate).toBe(0);
    expect(judge([{ name: 'error-rate', max: 0.01 }], { 'error-rate': errorRate }, AT).verdict).toBe('Passed');

    await core.deleteNamespacedPod({ name: 'serving-v1', namespace });
    await eventually('Prometheus sees the deleted pod down (up = 0)', async () => {
      const up = await queryPrometheus(prometheus!.address, `up${ofPod}`);
      if (up !== 0) throw new Error(`up = ${up}`);
      return true;
    });
  });
});
