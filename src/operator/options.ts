/** The names `--controllers` accepts, in the order the operator starts them (src/operator/components.ts). */
export const CONTROLLER_NAMES = ['gitsource', 'dataset', 'modelversion', 'experiment', 'deployment', 'driftmonitor'] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/** Everything `cairn operator` is configured with (from flags; see src/cli/operator.ts). */
export interface OperatorOptions {
  /** Kubeconfig file; in-cluster config (or the default kubeconfig) when absent. */
  kubeconfig?: string;
  context?: string;
  /** Namespaces to watch; empty for all namespaces. */
  namespaces: string[];
  /** Listen address of /metrics, /healthz, /readyz and the webhook receiver. */
  host: string;
  port: number;
  /** Listen address of the read-only web console (src/console); no console when absent. */
  console?: { host: string; port: number };
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  /** The controllers to run; all when absent. */
  controllers?: ControllerName[];
  /** Accept file:// Git and data URLs (development only). */
  allowFileUrls: boolean;
  gitCacheDir: string;
  logLevel: string;
  /** Longest wait for running reconciles at shutdown. */
  drainTimeoutMs: number;
  /** Lease timings (tests shorten them). */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}
