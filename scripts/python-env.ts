/**
 * The Python virtual environment of pinned requirement files (src/testenv/python-env.ts), from the command line:
 *
 *   npx tsx scripts/python-env.ts -r FILE [-r FILE ...]              build or reuse it, print its python
 *   npx tsx scripts/python-env.ts -r FILE [-r FILE ...] -- ARGS...   ...then run its python with ARGS
 *
 * `npm run models` is `-r scripts/models/requirements.txt -- scripts/models/generate.py`. Progress lines go to
 * stderr; the exit status is python's (1 when the environment cannot be built, with the failed step named).
 */
import { spawn } from 'node:child_process';
import { ensurePythonEnv } from '../src/testenv/python-env.js';

const usage = 'usage: tsx scripts/python-env.ts -r REQUIREMENTS [-r REQUIREMENTS ...] [-- PYTHON-ARGS...]';

function parse(argv: string[]): { requirements: string[]; command?: string[] } {
  const requirements: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { requirements, command: argv.slice(i + 1) };
    if (arg === '-r' || arg === '--requirement') {
      const file = argv[++i];
      if (!file) throw new Error(`${arg} needs a file\n${usage}`);
      requirements.push(file);
    } else if (arg.startsWith('--requirement=')) {
      requirements.push(arg.slice('--requirement='.length));
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg}\n${usage}`);
    }
  }
  return { requirements };
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
  if (options.requirements.length === 0) throw new Error(`no requirements file given\n${usage}`);
} catch (error) {
  process.stderr.write(`python-env: ${(error as Error).message}\n`);
  process.exit(2);
}

try {
  // Relative paths are the caller's (npm runs scripts from the package root).
  const env = await ensurePythonEnv({ requirements: options.requirements, root: process.cwd() });
  if (!options.command) {
    process.stdout.write(`${env.python}\n`);
  } else {
    const child = spawn(env.python, options.command, { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    const [code, signal] = (await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    })) as [number | null, NodeJS.Signals | null];
    process.exitCode = code ?? (signal ? 128 + 15 : 1);
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
