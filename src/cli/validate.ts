/**
 * `cairn validate [PATH...]`: checks the cairn.dev YAML of a checkout with the CRD schemas and CEL
 * rules, printing every problem as `file:line: Kind/name: field.path: message`.
 * Exit 0 clean, 1 with problems, 2 on usage errors.
 */
import { stat } from 'node:fs/promises';
import { makeValidators } from '../api/validate.js';
import { checkTree, formatProblem, type LoadedObject, type Problem } from '../manifests/check.js';
import { defaultFileLimits } from '../manifests/files.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

const usage = `Usage: cairn validate [options] [PATH...]

Validates every cairn.dev document in the *.yaml and *.yml files under each PATH (default: .)
against the same schemas and CEL rules the API server applies.

Options:
  -o, --output text|json     Output format (default text)
      --reject-other-groups  Report documents of other API groups as errors instead of ignoring them
      --max-file-bytes N     Largest file read (default ${defaultFileLimits.maxFileBytes})
      --max-files N          Most YAML files read per PATH (default ${defaultFileLimits.maxFiles})
  -q, --quiet                Print errors only (not ignored documents or the summary)
  -h, --help                 Show this help

Exit status: 0 no problems, 1 problems found, 2 usage error.`;

interface Options {
  paths: string[];
  output: 'text' | 'json';
  rejectOtherGroups: boolean;
  quiet: boolean;
  maxFileBytes: number;
  maxFiles: number;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export function parseValidateArgs(argv: string[]): Options | 'help' {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'text' },
      'reject-other-groups': { type: 'boolean', default: false },
      'max-file-bytes': { type: 'string' },
      'max-files': { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, got "${values.output}"`);
  return {
    paths: positionals.length > 0 ? positionals : ['.'],
    output: values.output,
    rejectOtherGroups: values['reject-other-groups'] ?? false,
    quiet: values.quiet ?? false,
    maxFileBytes: positiveInt('max-file-bytes', values['max-file-bytes'], defaultFileLimits.maxFileBytes),
    maxFiles: positiveInt('max-files', values['max-files'], defaultFileLimits.maxFiles),
  };
}

export interface ValidateReport {
  problems: Problem[];
  objects: LoadedObject[];
  files: number;
}

/** Validates every path; a path that does not exist is a usage error. */
export async function validatePaths(options: Options): Promise<ValidateReport> {
  for (const path of options.paths) {
    try {
      await stat(path);
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
  }
  const validators = makeValidators();
  const seen = new Map<string, LoadedObject>();
  const report: ValidateReport = { problems: [], objects: [], files: 0 };
  for (const path of options.paths) {
    const result = await checkTree(path, {
      validators,
      seen,
      displayPrefix: path,
      rejectOtherGroups: options.rejectOtherGroups,
      limits: { maxFileBytes: options.maxFileBytes, maxFiles: options.maxFiles },
    });
    report.problems.push(...result.problems);
    report.objects.push(...result.objects);
    report.files += result.filesRead;
  }
  return report;
}

export const validateCommand: Command = {
  async run(argv) {
    let options: Options | 'help';
    let report: ValidateReport;
    try {
      options = parseValidateArgs(argv);
      if (options === 'help') {
        process.stdout.write(usage + '\n');
        return 0;
      }
      report = await validatePaths(options);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`cairn validate: ${error.message}\n\n${usage}\n`);
        return 2;
      }
      throw error;
    }
    const errors = report.problems.filter((p) => p.severity === 'error');
    if (options.output === 'json') {
      const body = {
        valid: errors.length === 0,
        files: report.files,
        objects: report.objects.map((o) => ({ file: o.file, line: o.line, kind: o.kind, name: o.name, namespace: o.namespace })),
        problems: report.problems,
      };
      process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    } else {
      for (const problem of report.problems) {
        if (options.quiet && problem.severity !== 'error') continue;
        process.stdout.write(formatProblem(problem) + '\n');
      }
      if (!options.quiet) {
        const ignored = report.problems.length - errors.length;
        const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
        process.stderr.write(`${count(report.files, 'file')}, ${count(report.objects.length, 'valid cairn.dev object')}, ${count(errors.length, 'problem')}, ${ignored} ignored\n`);
      }
    }
    return errors.length > 0 ? 1 : 0;
  },
};
