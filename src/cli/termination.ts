/**
 * Where a pod command (fetch, upload, profile, model inspect) writes its termination message, the result the
 * operator reads back (docs/contracts.md §1): `$CAIRN_TERMINATION_LOG` when set (Cairn's local node points it at
 * the container's own file), else the kubelet's `/dev/termination-log` when it exists, as in a pod of a real
 * cluster. Rendered Jobs leave the variable unset, since a value in the pod spec would override the local
 * node's. Never creates a file in /dev: run by hand, outside a pod, nothing is written.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { describeError } from '../storage/errors.js';

export const KUBELET_TERMINATION_LOG = '/dev/termination-log';

export function terminationLogPath(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): string | undefined {
  if (env.CAIRN_TERMINATION_LOG) return env.CAIRN_TERMINATION_LOG;
  return exists(KUBELET_TERMINATION_LOG) ? KUBELET_TERMINATION_LOG : undefined;
}

/** Writes `message` (a record is written as JSON) there; a write that fails is reported on stderr, never thrown. */
export function writeTerminationLog(env: NodeJS.ProcessEnv, message: object | string, stderr: NodeJS.WritableStream): void {
  const path = terminationLogPath(env);
  if (!path) return;
  try {
    writeFileSync(path, typeof message === 'string' ? message : JSON.stringify(message));
  } catch (error) {
    stderr.write(`cairn: cannot write the termination message to ${path}: ${describeError(error)}\n`);
  }
}
