/** A problem with one field of an object, before it is tied to a file and line. */
export type Path = (string | number)[];

export interface FieldProblem {
  path: Path;
  message: string;
}

/** `spec.steps[2].setWeight`, the way Kubernetes prints field paths. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** A value as Kubernetes prints it in `Invalid value: ...`: strings quoted, lists and maps as JSON. */
export function describeValue(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
