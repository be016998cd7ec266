/**
 * `cairn render DIR...`: prints the Kubernetes objects the operator would create for the cairn.dev YAML under
 * each DIR (a pull request's effect, reviewed offline), rendered by the controllers' own renderers
 * (src/preview/render-dir.ts). Exit 0; 1 when a document is invalid or an object cannot be rendered (the operator
 * would stall it with the same message); 2 on usage errors.
 */
import { stat } from 'node:fs/promises';
import { makeValidators } from '../api/validate.js';
import { DEFAULT_CAIRN_IMAGE } from '../controllers/modelversion/controller.js';
import { checkTree, formatProblem, type LoadedObject, type Problem } from '../manifests/check.js';
import { formatPreview } from '../preview/format.js';
import { previewObjects } from '../preview/render-dir.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const usage = `Usage: cairn render [options] DIR...

Prints, as YAML, the Kubernetes objects the Cairn operator would create for the cairn.dev documents under each
DIR: profile Jobs and their ServiceAccount and Role, model inspect Jobs, an Experiment's first trial Jobs, a
Deployment's serving Deployment, Services, PodDisruptionBudget and route. The documents are validated first
(as by cairn validate). Every ModelVersion in DIR is taken as Ready and each Dataset as verified.

Options:
  -n, --namespace NS     namespace of documents that name none (default: default)
      --image IMAGE      the operator's image, which its Jobs and serving pods run (default: $CAIRN_IMAGE, else ${DEFAULT_CAIRN_IMAGE})
      --allow-file-urls  render as an operator run with --allow-file-urls (development only)
  -o, --output yaml|json (default yaml)
  -h, --help             this help

Exit status: 0 rendered, 1 invalid documents or an object the operator could not render, 2 usage error.`;

export interface RenderOptions {
  dirs: string[];
  namespace: string;
  image: string;
  allowFileUrls: boolean;
  output: 'yaml' | 'json';
}

export function parseRenderArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RenderOptions | 'help' {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n', default: 'default' },
      image: { type: 'string' },
      'allow-file-urls': { type: 'boolean', default: false },
      output: { type: 'string', short: 'o', default: 'yaml' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('name at least one DIR');
  if (!DNS_LABEL.test(values.namespace)) throw new UsageError(`--namespace: "${values.namespace}" is not a namespace name`);
  if (values.output !== 'yaml' && values.output !== 'json') throw new UsageError(`--output must be yaml or json, got "${values.output}"`);
  const image = values.image ?? env.CAIRN_IMAGE ?? DEFAULT_CAIRN_IMAGE;
  if (image.trim() === '') throw new UsageError('--image must not be empty');
  return { dirs: positionals, namespace: values.namespace, image, allowFileUrls: values['allow-file-urls'], output: values.output };
}

/** Reads and validates every DIR like cairn validate; a DIR that does not exist is a usage error. */
async function load(options: RenderOptions): Promise<{ objects: LoadedObject[]; problems: Problem[] }> {
  for (const dir of options.dirs) {
    try {
      await stat(dir);
    } catch {
      throw new UsageError(`no such file or directory: ${dir}`);
    }
  }
  const validators = makeValidators();
  const seen = new Map<string, LoadedObject>();
  const objects: LoadedObject[] = [];
  const problems: Problem[] = [];
  for (const dir of options.dirs) {
    const result = await checkTree(dir, { validators, seen, displayPrefix: dir, namespace: options.namespace });
    objects.push(...result.objects);
    problems.push(...result.problems.filter((p) => p.severity === 'error'));
  }
  return { objects, problems };
}

/** Renders every DIR: the text for stdout and stderr, and the exit status (usage errors throw UsageError). */
export async function renderDirs(options: RenderOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const loaded = await load(options);
  if (loaded.problems.length > 0) {
    const lines = loaded.problems.map((p) => formatProblem(p));
    lines.push(`cairn render: ${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'}: nothing rendered`);
    return { code: 1, stdout: '', stderr: lines.join('\n') + '\n' };
  }
  const sections = previewObjects(
    loaded.objects.map((o) => ({ kind: o.kind, source: `${o.file}:${o.line}`, object: o.object })),
    { namespace: options.namespace, cairnImage: options.image, allowFileUrls: options.allowFileUrls },
  );
  const failed = sections.filter((s) => s.error);
  return {
    code: failed.length > 0 ? 1 : 0,
    stdout: options.output === 'json' ? JSON.stringify({ sections }, null, 2) + '\n' : formatPreview(sections),
    stderr: failed.map((s) => `cairn render: ${s.owner} (${s.source}): ${s.error}\n`).join(''),
  };
}

export const renderCommand: Command = {
  async run(argv) {
    try {
      const options = parseRenderArgs(argv);
      if (options === 'help') {
        process.stdout.write(usage + '\n');
        return 0;
      }
      const result = await renderDirs(options);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      return result.code;
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`cairn render: ${error.message}\n\n${usage}\n`);
        return 2;
      }
      throw error;
    }
  },
};
