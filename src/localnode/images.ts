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
}

/**
 * The images Cairn itself ships: `cairn` runs this checkout's CLI with the node that runs the agent;
 * `cairn-example-trainer` runs examples/trainer/ as its image does (WORKDIR with train.py, ENTRYPOINT
 * `python3 train.py`) with the interpreter of its pinned environment. Extend with `new Map([...defaultImages(root), ...])`.
 */
export function defaultImages(root: string, options: DefaultImagesOptions = {}): Map<string, ImageCommand> {
  const cairn = [process.execPath, join(root, 'bin', 'cairn.js')];
  const trainerPython = [options.trainerPython || process.env.CAIRN_TRAINER_PYTHON || 'python3'];
  const trainerDir = join(root, 'examples', 'trainer');
  return new Map<string, ImageCommand>([
    ['cairn', { entrypoint: cairn, executables: { cairn, node: [process.execPath] } }],
    ['cairn-example-trainer', { entrypoint: [...trainerPython, join(trainerDir, 'train.py')], workingDir: trainerDir, executables: { python: trainerPython, python3: trainerPython } }],
    // Plain interpreter images as on Docker Hub: no ENTRYPOINT, CMD is the interpreter.
    ['python', { entrypoint: [], cmd: ['python3'], executables: { python: ['python3'], python3: ['python3'] } }],
    ['node', { entrypoint: [], cmd: ['node'], executables: { node: [process.execPath] } }],
  ]);
}
