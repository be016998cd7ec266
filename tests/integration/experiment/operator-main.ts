/**
 * The Experiment controller's operator as its own process, so a test can SIGKILL it mid-run:
 * `node --import tsx operator-main.ts` with KUBECONFIG and CAIRN_TEST_NAMESPACE set. Logs "Started operator"
 * (JSON lines on stdout) once it runs.
 */
import '../../../src/testenv/node-compat.js';
import { KubeConfig } from '@kubernetes/client-node';
import { experimentController } from '../../../src/controllers/experiment/index.js';
import { startOperator } from '../../../src/operator/operator.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { createLogger } from '../../../src/runtime/logger.js';

const namespace = process.env.CAIRN_TEST_NAMESPACE ?? '';
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.env.KUBECONFIG ?? '');
const label = 'cairn.dev/local-node';
await startOperator(
  { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: '/nonexistent', logLevel: 'info', drainTimeoutMs: 1_000 },
  {
    log: createLogger({ level: 'info' }, process.stdout),
    kube: new HttpKubeClient(kubeConfig),
    components: { controllers: [experimentController({ cairnImage: 'cairn', placement: { nodeSelector: { [label]: 'true' }, tolerations: [{ key: label, operator: 'Equal', value: 'true', effect: 'NoSchedule' }] } })] },
  },
);
