import type { ControlPlanePorts, S3ServerInfo } from '../../src/testenv/index.js';

/** What the globalSetup hands to the integration tests (vitest `provide`/`inject`; plain JSON). */
export interface TestenvInfo {
  root: string;
  binDir: string;
  /** The run directory (logs/, pods/, pki/). */
  dir: string;
  kubeconfigPath: string;
  server: string;
  caFile: string;
  ports: ControlPlanePorts;
  kwokNodes: string[];
  localNode: string;
  /** Parent directory of the node agent's per-Pod directories. */
  podsDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestenvInfo;
    /** The S3-compatible server (versitygw) beside the control plane, with bucket `cairn-test`. */
    s3: S3ServerInfo;
  }
}
