/**
 * The single `cairn` entry: dispatches to one module per subcommand, loaded lazily so that
 * `cairn validate` never pays for ONNX Runtime and `cairn serve` never loads the Kubernetes client.
 */
import { installServiceResolver } from '../net/resolve.js';
import type { Command } from './command.js';

const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./validate.js')).validateCommand,
  render: async () => (await import('./render.js')).renderCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  operator: async () => (await import('./operator.js')).operatorCommand,
  profile: async () => (await import('./profile.js')).profileCommand,
  fetch: async () => (await import('./fetch.js')).fetchCommand,
  upload: async () => (await import('./upload.js')).uploadCommand,
  dev: async () => (await import('./dev.js')).devCommand,
  model: async () => (await import('./model.js')).modelCommand,
  rollout: async () => (await import('./rollout.js')).rolloutCommand,
  console: async () => (await import('./console.js')).consoleCommand,
};

/** One line per command, for `cairn --help`. Kept here so help never imports the commands. */
const summaries: Record<string, string> = {
  validate: 'Validate the cairn.dev YAML of a Git checkout (file:line errors; for CI)',
  render: 'Print the Kubernetes objects the operator would create for the cairn.dev YAML of a folder (a review, offline)',
  serve: 'Serve an ONNX model over HTTP (KServe V2 / Triton and TF Serving V1 protocols, metrics)',
  operator: 'Run the controllers, the Git sync and the webhook receiver against a cluster',
  profile: 'Check a data file against a Dataset schema and compute its profile (the drift baseline)',
  fetch: 'Download an object (s3, https, pvc, file) into a folder, kept only if its sha256 matches',
  upload: 'Upload every file of a folder (to s3, pvc or file), atomically, printing each sha256',
  dev: 'Start a local cluster (control plane, local node, S3 server) with the operator in it; Ctrl-C removes it',
  model: 'inspect: verify an ONNX model (sha256, ONNX Runtime) and print its signature (inputs, outputs)',
  rollout: 'promote, abort or show the rollout of a Deployment (steps, weights, analysis)',
  console: 'Serve a live web page on localhost: lineage, experiments, rollouts and drift (promote and abort)',
};

export function usage(): string {
  const width = Math.max(...Object.keys(summaries).map((name) => name.length));
  const lines = Object.entries(summaries).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
  return ['Usage: cairn <command> [options]', '', 'Commands:', ...lines, '', 'Run `cairn <command> --help` for the options of a command.'].join('\n');
}

/** Runs the CLI and returns the process exit code (0 ok, 1 findings or failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  // On Cairn's local node `<svc>.<ns>.svc` resolves from the node's service hosts file (no-op elsewhere).
  installServiceResolver();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write('cairn 0.1.0\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`cairn: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}
