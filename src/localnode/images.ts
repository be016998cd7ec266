import { join } from 'node:path';

/**
 * What a container image means on the local node: the command its ENTRYPOINT and CMD stand for.
 * `executables` maps names a Pod's `command` may use (as it would inside the image) to local argv prefixes.
 */
export interface ImageCommand {
  entrypoint: string[];
  cmd?: string[];
  workingDir?: string;
  executables?: Record<string, string[]>;
}

/** Image name (last path segment, without registry, tag or digest) -> local command. */
export type ImageTable = ReadonlyMap<string, ImageCommand>;

/** `ghcr.io/org/cairn:1.2@sha256:..` -> `cairn`. */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  const withoutTag = lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
  return withoutTag.slice(lastSlash + 1);
}

export function lookupImage(table: ImageTable, image: string): ImageCommand | undefined {
  return table.get(imageName(image));
}

export interface DefaultImagesOptions {
  /**
   * The interpreter of the example trainer's Python environment (src/testenv/trainer-env.ts); default
   * $CAIRN_TRAINER_PYTHON, else python3.
   */
  trainerPython?: string;
  /**
   * Run `cairn` compiled (dist/, CAIRN_FROM_DIST=1 as the image sets it), not the TypeScript sources through tsx:
   * about a second less CPU per container start. dist/ must be built (src/dev/compiled.ts).
   */
  cairnFromDist?: boolean;
}

/**
 * `python3 train.py` as in an image whose WORKDIR holds train.py, without making that folder the working
 * directory: the pod's folder must stay the working directory, since the node binds it back (with the termination
 * message file in it) when the Job's /tmp emptyDir hides it. A script path that is not found from the working
 * directory is taken from the image's folder (argv[1]); anything else (`-m`, `-c`) runs as python would.
 */
const IMAGE_WORKDIR_LAUNCHER = [
  'import os, runpy, sys',
  'image_dir, args = sys.argv[1], sys.argv[2:]',
  'if not args or args[0].startswith("-"): os.execv(sys.executable, [sys.executable] + args)',
  'script = args[0] if os.path.isabs(args[0]) or os.path.exists(args[0]) else os.path.join(image_dir, args[0])',
  'sys.argv = [script] + args[1:]',
  'sys.path.insert(0, os.path.dirname(os.path.abspath(script)))',
  'runpy.run_path(script, run_name="__main__")',
].join('\n');

/**
 * The images Cairn itself ships: `cairn` runs this checkout's CLI with the node that runs the agent (its sources,
 * or dist/ with `cairnFromDist`);
 * `cairn-example-trainer` runs examples/trainer/ as its image does (ENTRYPOINT `python3 train.py`, and
 * `command: [python3, train.py]` finds train.py as in its WORKDIR) with the interpreter of its pinned environment. Extend with `new Map([...defaultImages(root), ...])`.
 */
export function defaultImages(root: string, options: DefaultImagesOptions = {}): Map<string, ImageCommand> {
  const cairn = [...(options.cairnFromDist ? ['/usr/bin/env', 'CAIRN_FROM_DIST=1'] : []), process.execPath, join(root, 'bin', 'cairn.js')];
  const python = options.trainerPython || process.env.CAIRN_TRAINER_PYTHON || 'python3';
  const trainerDir = join(root, 'examples', 'trainer');
  const trainerPython = [python, '-c', IMAGE_WORKDIR_LAUNCHER, trainerDir];
  return new Map<string, ImageCommand>([
    ['cairn', { entrypoint: cairn, executables: { cairn, node: [process.execPath] } }],
    ['cairn-example-trainer', { entrypoint: [...trainerPython, 'train.py'], executables: { python: trainerPython, python3: trainerPython } }],
    // Plain interpreter images as on Docker Hub: no ENTRYPOINT, CMD is the interpreter.
    ['python', { entrypoint: [], cmd: ['python3'], executables: { python: ['python3'], python3: ['python3'] } }],
    ['node', { entrypoint: [], cmd: ['node'], executables: { node: [process.execPath] } }],
  ]);
}
