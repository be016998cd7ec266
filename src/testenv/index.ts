/**
 * The Cairn test environment: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok with fake nodes) started from the binaries of scripts/testenv/build.sh on loopback
 * ports. Used by the integration tests' globalSetup, benchmarks and local development.
 */
import './node-compat.js'; // first: lets @kubernetes/client-node 2.x load on Node 20
export { ensureBinaries, missingBinaries, REQUIRED_FILES } from './binaries.js';
export { startControlPlane, type ControlPlane, type ControlPlanePorts } from './control-plane.js';
export { KWOK_TAINT, KWOK_TOLERATION, onKwokNodes } from './fake-nodes.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { canBind, isPortClosed } from './ports.js';
export { ManagedProcess, tailFile, type SpawnOptions } from './process.js';
export { isRunning, markedProcesses } from './procfs.js';
export { reapStaleRuns } from './run.js';
export { startS3Server, s3ServerInfo, type S3Server, type S3ServerInfo, type S3ServerOptions } from './s3.js';
export { writeServiceAccountKubeconfig } from './service-account.js';
export { errorMessage, statusCode } from './errors.js';
export { httpStatus } from './wait.js';
export { ensurePrometheus } from './prometheus-binary.js';
export { startPrometheus, PROMETHEUS_JOB, type Prometheus, type PrometheusOptions, type PrometheusTarget, type PrometheusTargetGroup } from './prometheus.js';
