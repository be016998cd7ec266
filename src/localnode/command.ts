import type { V1Container } from '@kubernetes/client-node';
import type { ImageCommand } from './images.js';

/**
 * Expands `$(VAR)` references from `env` as the kubelet does: `$$` is an escaped `$`, and a reference to an
 * undefined variable is left as written.
 */
export function expandVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? match;
  });
}

/**
 * The argv of a container, with Kubernetes' rules: `command` replaces the image's ENTRYPOINT (and drops its
 * CMD), `args` replace the CMD. `$(VAR)` is expanded in both; then argv[0] is mapped to its local command
 * when the image declares it (e.g. `cairn` -> node bin/cairn.js).
 */
export function containerArgv(container: Pick<V1Container, 'command' | 'args'>, image: ImageCommand, env: Readonly<Record<string, string>>): string[] {
  const command = container.command ?? [];
  const args = container.args ?? [];
  const raw =
    command.length > 0
      ? [...command.map((c) => expandVars(c, env)), ...args.map((a) => expandVars(a, env))]
      : [...image.entrypoint, ...(args.length > 0 ? args.map((a) => expandVars(a, env)) : (image.cmd ?? []))];
  const [first, ...rest] = raw;
  if (first === undefined) throw new Error('the container has no command: the image has no ENTRYPOINT/CMD and the Pod sets neither command nor args');
  const local = image.executables?.[first];
  return local ? [...local, ...rest] : raw;
}
