import { InvalidGitSpecError } from './errors.js';

/** A GitSource `spec.ref`: exactly one of branch, tag, commit. */
export type GitRef = { branch: string } | { tag: string } | { commit: string };

export type ResolvedRef = { kind: 'branch'; name: string } | { kind: 'tag'; name: string } | { kind: 'commit'; sha: string };

/**
 * Validates a branch or tag name with git's check-ref-format rules (and no leading `-`), so a name can never
 * be read as an option or escape `refs/heads/` / `refs/tags/`. A `refs/heads/` or `refs/tags/` prefix is
 * accepted and removed.
 */
function validateRefName(kind: 'branch' | 'tag', input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidGitSpecError(`The ${kind} name is empty`);
  const name = input.replace(kind === 'branch' ? /^refs\/heads\// : /^refs\/tags\//, '');
  const bad = (why: string): never => {
    throw new InvalidGitSpecError(`Invalid ${kind} name "${name.slice(0, 100)}": ${why}`);
  };
  if (name.length > 255) bad('longer than 255 characters');
  if (name.startsWith('-')) bad('starts with "-"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) bad('contains a space, a control character or one of ~ ^ : ? * [ \\');
  if (name.includes('..') || name.includes('@{') || name === '@') bad('contains "..", "@{" or is "@"');
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) bad('has an empty path component');
  if (name.endsWith('.')) bad('ends with "."');
  for (const part of name.split('/')) {
    if (part.startsWith('.') || part.endsWith('.lock')) bad('a component starts with "." or ends with ".lock"');
  }
  return name;
}

/** Validates `spec.ref` and returns its normalized form. */
export function resolveRef(ref: unknown): ResolvedRef {
  const r = (ref ?? {}) as { branch?: unknown; tag?: unknown; commit?: unknown };
  const given = ['branch', 'tag', 'commit'].filter((k) => r[k as keyof typeof r] !== undefined);
  if (given.length !== 1) throw new InvalidGitSpecError('spec.ref must set exactly one of branch, tag or commit');
  if (r.branch !== undefined) return { kind: 'branch', name: validateRefName('branch', r.branch) };
  if (r.tag !== undefined) return { kind: 'tag', name: validateRefName('tag', r.tag) };
  if (typeof r.commit !== 'string' || !/^[0-9a-fA-F]{7,64}$/.test(r.commit)) {
    throw new InvalidGitSpecError('spec.ref.commit must be a hexadecimal commit id of 7 to 64 characters');
  }
  return { kind: 'commit', sha: r.commit.toLowerCase() };
}

/**
 * The GitSource status revision (Flux's format): `main@sha1:<sha>` for a branch, `v1.2.0@sha1:<sha>` for a
 * tag, `sha1:<sha>` for a commit; `sha256:` for repositories in SHA-256 object format.
 */
export function revisionString(ref: ResolvedRef, sha: string): string {
  const algo = sha.length === 64 ? 'sha256' : 'sha1';
  return ref.kind === 'commit' ? `${algo}:${sha}` : `${ref.name}@${algo}:${sha}`;
}
