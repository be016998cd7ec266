/**
 * The Cairn test environment: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok with fake nodes) started from the binaries of scripts/testenv/build.sh on loopback
 * ports. Used by the integration tests' globalSetup, benchmarks and local development.
 */
import './node-compat.js'; // first: lets @kubernetes/client-node 2.x load on Node 20
export { ensureBinaries, resolveBinDir, missingBinaries, buildBinaries, checkoutRoot, REQUIRED_FILES } from './binaries.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions, type ControlPlanePorts } from './control-plane.js';
export { writeKubeconfig, renderKubeconfig, type KubeconfigSpec, type Credentials } from './kubeconfig.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { ADMIN_USER, type Pki } from './pki.js';
export { allocatePorts, canBind, isPortClosed } from './ports.js';
export { ManagedProcess, tailFile, describeExit, type ExitInfo, type SpawnOptions } from './process.js';
export { isRunning, markedProcesses, RUN_MARKER_ENV } from './procfs.js';
export { Run, reapStaleRuns, defaultStateRoot } from './run.js';
export { requestServiceAccountToken, writeServiceAccountKubeconfig, type ServiceAccountTokenOptions } from './service-account.js';
export { KWOK_NODE_ANNOTATION, KWOK_POD_CIDR } from './components/kwok.js';
export { SERVICE_CIDR } from './components/apiserver.js';
export { CONTROLLERS } from './components/controller-manager.js';
export { KWOK_NODE_TYPE_LABEL } from './fake-nodes.js';
export { errorMessage, statusCode } from './errors.js';
export { StartupError, waitFor, httpStatus } from './wait.js';
