import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { API_VERSION } from '../../../src/api/kind.js';
import { RenderError } from '../../../src/render/errors.js';
import {
  renderHorizontalPodAutoscaler,
  renderPodDisruptionBudget,
  renderPreviewService,
  renderRouteService,
  renderServingDeployment,
  renderVersionService,
  serviceUrl,
  servingSelector,
  versionName,
  type ServingOwner,
} from '../../../src/render/serving.js';
import { expectGolden } from './golden.js';

const deployment: ServingOwner = {
  apiVersion: API_VERSION,
  kind: 'Deployment',
  metadata: { name: 'eta', namespace: 'ml', uid: '8d7f3f1e-5b2a-4c55-9c61-1f0e2a3b4c5d' },
  spec: { model: 'eta', serving: { replicas: 2, batching: { maxBatchSize: 32, maxDelayMs: 2 }, logRequests: 0.01 } },
};
const sha = 'a'.repeat(64);
const version = { number: 7, uri: 's3://models/eta/7/model.onnx', sha256: sha };

describe('serving renderers', () => {
  test('the Deployment of one version: fetch init container, cairn serve with probes, restricted, owned', () => {
    const d = renderServingDeployment({ deployment, version, replicas: 2, cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0' });
    expectGolden('serving-deployment', d);
    expect(d.metadata.name).toBe('eta-v7');
    expect(d.spec.selector.matchLabels).toEqual(servingSelector(deployment, 7));
    // the pod template carries every label the selector asks for (the API server refuses it otherwise)
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    expect(d.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'eta', controller: true });
  });

  test("the serve container's startup probe passes as soon as /v2/health/ready answers 200 within its attempt, and fails when it never does", async () => {
    const serve = renderServingDeployment({ deployment, version, replicas: 1, cairnImage: 'cairn' }).spec.template.spec.containers[0]!;
    const probe = serve.startupProbe!;
    expect(probe).toMatchObject({ periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 40 });
    const [node, flag, script] = probe.exec.command;
    expect(node).toBe('node');
    // The server answers 503 while "loading", then 200: the one attempt waits for it instead of failing.
    let readyAt = Number.POSITIVE_INFINITY;
    const server: Server = createServer((req, res) => {
      res.statusCode = req.url === '/v2/health/ready' && Date.now() >= readyAt ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const attempt = () =>
      new Promise<number>((resolve) =>
        execFile(process.execPath, [flag!, script!.replace('port: 8080', `port: ${port}`)], { env: { ...process.env, HOST: '127.0.0.1' } }, (error) => resolve(error ? Number(error.code ?? 1) : 0)),
      );
    try {
      readyAt = Date.now() + 300;
      expect(await attempt()).toBe(0);
      readyAt = Number.POSITIVE_INFINITY;
      expect(await attempt()).not.toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);

  test('with a drift profile, a mirror, autoscaling and placement', () => {
    const autoscaled: ServingOwner = { ...deployment, spec: { model: 'eta', serving: { autoscaling: { minReplicas: 2, maxReplicas: 6 }, resources: { requests: { cpu: 1 } }, predictionLog: { sample: 0.05, maxLinesPerSecond: 20 } } } };
    const d = renderServingDeployment({
      deployment: autoscaled,
      version,
      replicas: 3,
      cairnImage: 'cairn',
      profile: { configMap: 'driver-stats-profile', key: 'profile.json', featureColumns: ['input=distance,speed,load'] },
      mirror: { url: serviceUrl(deployment, 'eta-v8'), percent: 25 },
      placement: { nodeSelector: { pool: 'cpu' }, tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] },
      allowFileUrls: true,
    });
    expectGolden('serving-deployment-everything', d);
    expect(d.spec.replicas).toBeUndefined(); // the HPA's to set
    expect(renderHorizontalPodAutoscaler(autoscaled, 7)).toMatchObject({ spec: { minReplicas: 2, maxReplicas: 6, scaleTargetRef: { name: 'eta-v7' } } });
    expect(renderHorizontalPodAutoscaler(deployment, 7)).toBeUndefined();
  });

  test.each([
    ['no predictionLog', undefined, []],
    ['sample 0 writes nothing', { sample: 0 }, []],
    ['a sample at the default rate', { sample: 0.1 }, ['--prediction-log-sample', '0.1']],
    ['a sample and a rate', { sample: 1, maxLinesPerSecond: 5 }, ['--prediction-log-sample', '1', '--prediction-log-rate', '5']],
  ])('serving.predictionLog, %s: the serve flags', (_name, predictionLog, flags) => {
    const owner: ServingOwner = { ...deployment, spec: { model: 'eta', serving: { ...(predictionLog ? { predictionLog } : {}) } } };
    const args = renderServingDeployment({ deployment: owner, version, replicas: 1, cairnImage: 'cairn' }).spec.template.spec.containers[0]!.args ?? [];
    const logFlags = args.flatMap((arg, i) => (arg.startsWith('--prediction-log') ? [arg, args[i + 1]!] : []));
    expect(logFlags).toEqual(flags);
  });

  test('Services, HPA and PDB', () => {
    expectGolden('serving-services', {
      version: renderVersionService(deployment, 7),
      routeAllVersions: renderRouteService(deployment),
      routeStable: renderRouteService(deployment, 7),
      preview: renderPreviewService(deployment, 8),
      pdb: renderPodDisruptionBudget(deployment, 7),
      hpa: renderHorizontalPodAutoscaler({ ...deployment, spec: { model: 'eta', serving: { autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilization: 60 } } } }, 7),
    });
    expect(renderRouteService(deployment).spec.selector).toEqual(servingSelector(deployment));
    expect(serviceUrl(deployment, 'eta')).toBe('http://eta.ml.svc:80');
  });

  test.each([
    ['a sha256 that is not 64 hex digits', { ...version, sha256: 'ABC' }, 'version.sha256'],
    ['a name too long for a Service', version, 'metadata.name'],
  ])('%s is a RenderError naming the field', (_, v, field) => {
    const owner = field === 'metadata.name' ? { ...deployment, metadata: { ...deployment.metadata, name: 'x'.repeat(61) } } : deployment;
    try {
      renderServingDeployment({ deployment: owner, version: v, replicas: 1, cairnImage: 'cairn' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RenderError);
      expect((error as RenderError).field).toBe(field);
    }
  });

  test('an owner not created yet (no uid) is refused', () => {
    expect(() => renderVersionService({ ...deployment, metadata: { name: 'eta', namespace: 'ml' } }, 1)).toThrow(RenderError);
  });

  test('names', () => {
    expect(versionName(deployment, 12)).toBe('eta-v12');
  });
});
