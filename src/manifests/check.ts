/**
 * Loads and validates every cairn.dev document under a root: the one code path shared by
 * `cairn validate` and the GitSource controller, so CI and the operator give the same verdict.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GROUP, VERSION } from '../api/kind.js';
import { kinds } from '../api/kinds/index.js';
import { formatPath } from '../api/problems.js';
import { makeValidators, type KindValidator } from '../api/validate.js';
import { defaultFileLimits, findYamlFiles, readYamlText, type FileLimits } from './files.js';
import { parseYaml, type ParsedDocument } from './parse.js';

export type Severity = 'error' | 'warning' | 'ignored';

export interface Problem {
  severity: Severity;
  /** Path relative to the checked root (forward slashes). */
  file: string;
  line: number;
  column?: number;
  /** `Kind/name` when the document got that far. */
  object?: string;
  /** Field path, e.g. `spec.ref`. */
  field?: string;
  message: string;
}

export interface LoadedObject {
  file: string;
  line: number;
  kind: string;
  name: string;
  namespace?: string;
  object: Record<string, unknown>;
}

export interface CheckResult {
  /** Valid cairn.dev objects, in file order. */
  objects: LoadedObject[];
  problems: Problem[];
  filesRead: number;
}

export interface CheckOptions {
  limits?: FileLimits;
  /** Report documents of other API groups as errors instead of ignoring them. */
  rejectOtherGroups?: boolean;
  validators?: Map<string, KindValidator>;
  /** Prepended to every reported file path (e.g. the directory given on the command line). */
  displayPrefix?: string;
  /** Objects already seen under other roots, to report duplicates across roots. */
  seen?: Map<string, LoadedObject>;
  /**
   * The namespace objects without metadata.namespace land in (a GitSource's own): one object written with and
   * without its namespace is then a duplicate too, not two objects that overwrite each other on every sync.
   */
  namespace?: string;
}

/** `file:line: Kind/name: field.path: message`, the line format of `cairn validate`. */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}${problem.column ? `:${problem.column}` : ''}`;
  const parts = [where, problem.object, problem.field, problem.severity === 'warning' ? `warning: ${problem.message}` : problem.message];
  return parts.filter((part) => part !== undefined && part !== '').join(': ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function objectLabel(doc: Record<string, unknown>): string | undefined {
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  const metadata = isRecord(doc.metadata) ? doc.metadata : undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  if (!kind) return undefined;
  return `${kind}/${name ?? '<no name>'}`;
}

/** Problems listed per document: enough to fix it, and a document of 80,000 junk fields stays a short report. */
export const maxProblemsPerDocument = 100;

function checkDocument(file: string, doc: ParsedDocument, validators: Map<string, KindValidator>, options: CheckOptions, problems: Problem[]): LoadedObject | undefined {
  const value = doc.value;
  if (!isRecord(value)) {
    problems.push({ severity: 'error', file, line: doc.line, message: `document is a ${Array.isArray(value) ? 'list' : typeof value}, not a Kubernetes object (a mapping with apiVersion and kind)` });
    return undefined;
  }
  const label = objectLabel(value);
  const apiVersion = value.apiVersion;
  if (typeof apiVersion !== 'string' || typeof value.kind !== 'string') {
    const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
    problems.push({ severity: 'error', file, line: doc.lineOf([missing]), object: label, field: missing, message: 'Required value: every document needs apiVersion and kind' });
    return undefined;
  }
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  if (group !== GROUP && /cairn/i.test(group ?? '')) {
    // Ignoring a misspelt group would make the object look deleted from Git, and pruning would delete it.
    problems.push({ severity: 'error', file, line: doc.lineOf(['apiVersion']), object: label, field: 'apiVersion', message: `Unsupported value: "${apiVersion}": supported values: "${GROUP}/${VERSION}"` });
    return undefined;
  }
  if (group !== GROUP) {
    problems.push({
      severity: options.rejectOtherGroups ? 'error' : 'ignored',
      file,
      line: doc.line,
      object: label,
      message: options.rejectOtherGroups ? `${apiVersion} is not ${GROUP}; only cairn.dev objects are allowed here` : `ignored: ${apiVersion} is not ${GROUP}`,
    });
    return undefined;
  }
  if (version !== VERSION) {
    problems.push({ severity: 'error', file, line: doc.lineOf(['apiVersion']), object: label, field: 'apiVersion', message: `Unsupported value: "${apiVersion}": supported values: "${GROUP}/${VERSION}"` });
    return undefined;
  }
  const validator = validators.get(value.kind);
  if (!validator) {
    problems.push({ severity: 'error', file, line: doc.lineOf(['kind']), object: label, field: 'kind', message: `unknown kind "${value.kind}" of ${GROUP}; known kinds: ${kinds.map((k) => k.kind).join(', ')}` });
    return undefined;
  }
  const fieldProblems = validator.validate(value);
  for (const p of fieldProblems.slice(0, maxProblemsPerDocument)) {
    problems.push({ severity: 'error', file, line: doc.lineOf(p.path), object: label, field: formatPath(p.path), message: p.message });
  }
  if (fieldProblems.length > maxProblemsPerDocument) {
    const from = doc.lineOf(fieldProblems[maxProblemsPerDocument]!.path);
    problems.push({ severity: 'error', file, line: from, object: label, message: `${fieldProblems.length - maxProblemsPerDocument} more problem(s) in this document from here on, not listed` });
  }
  if (fieldProblems.length > 0) return undefined;
  const metadata = value.metadata as { name: string; namespace?: string };
  return { file, line: doc.line, kind: value.kind, name: metadata.name, namespace: metadata.namespace, object: value };
}

/** What one file gave: its file-level problems, then each document's problems and object, in file order. */
interface FileCheck {
  head: Problem[];
  docs: { problems: Problem[]; loaded?: LoadedObject }[];
  bytes: number;
}

/** Most bytes of YAML whose checks are kept for reuse, per set of validators (least recently used go first). */
export const checkCacheBytes = 8 * 1024 * 1024;

/**
 * The checks of files already seen, by content: a commit that changes one file of a large repository parses
 * and validates that file only. Kept per validators object, so only a caller that keeps its validators (the
 * GitSource controller) reuses them, and they go away with it. The objects returned are shared between
 * results: callers copy before they change one (desiredObject does).
 */
class FileCheckCache {
  private readonly entries = new Map<string, FileCheck>();
  private bytes = 0;

  get(key: string): FileCheck | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // most recently used last
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: FileCheck): void {
    if (entry.bytes > checkCacheBytes) return;
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= checkCacheBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.bytes;
    }
  }
}

const fileChecks = new WeakMap<Map<string, KindValidator>, FileCheckCache>();

function checkFile(file: string, text: string, validators: Map<string, KindValidator>, options: CheckOptions): FileCheck {
  const head: Problem[] = [];
  const parsed = parseYaml(text);
  for (const issue of parsed.issues) head.push({ severity: 'error', file, line: issue.line, column: issue.column, message: issue.message });
  for (const empty of parsed.empty) head.push({ severity: 'ignored', file, line: empty.line, message: 'ignored: empty document' });
  const docs = parsed.documents.map((doc) => {
    const problems: Problem[] = [];
    return { problems, loaded: checkDocument(file, doc, validators, options, problems) };
  });
  return { head, docs, bytes: Buffer.byteLength(text) };
}

/** Checks every YAML file under `root` (a directory or one file). */
export async function checkTree(root: string, options: CheckOptions = {}): Promise<CheckResult> {
  const limits = options.limits ?? defaultFileLimits;
  const validators = options.validators ?? makeValidators();
  let cache: FileCheckCache | undefined;
  if (options.validators) {
    cache = fileChecks.get(options.validators);
    if (!cache) fileChecks.set(options.validators, (cache = new FileCheckCache()));
  }
  const problems: Problem[] = [];
  const objects: LoadedObject[] = [];
  const display = (file: string) => (options.displayPrefix ? join(options.displayPrefix, file) : file);
  const { files, issues } = await findYamlFiles(root, limits);
  for (const issue of issues) problems.push({ severity: 'error', file: display(issue.file), line: 1, message: issue.message });
  const seen = options.seen ?? new Map<string, LoadedObject>();
  const maxTotalBytes = limits.maxTotalBytes ?? defaultFileLimits.maxTotalBytes!;
  let totalBytes = 0;
  for (const found of files) {
    const file = display(found.file);
    const absolute = found.absolute;
    const fileProblems: Problem[] = [];
    const read = await readYamlText(absolute, limits);
    if ('issue' in read) {
      problems.push({ severity: 'error', file, line: 1, message: read.issue });
      continue;
    }
    totalBytes += Buffer.byteLength(read.text);
    if (totalBytes > maxTotalBytes) {
      // An error, so nothing is pruned on the strength of files that were never read.
      problems.push({ severity: 'error', file, line: 1, message: `the YAML files pass ${maxTotalBytes} bytes in total here; this file and the rest are not read` });
      break;
    }
    // The verdict on a file depends on its path (problems name it), its text, and whether other groups are refused.
    const cacheKey = cache && createHash('sha256').update(`${file}\0${options.rejectOtherGroups ? 1 : 0}\0`).update(read.text).digest('base64');
    let checked = cacheKey === undefined ? undefined : cache!.get(cacheKey);
    if (!checked) {
      // Let the event loop breathe between files: the operator answers probes and renews its lease meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      checked = checkFile(file, read.text, validators, options);
      if (cacheKey !== undefined) cache!.set(cacheKey, checked);
    }
    fileProblems.push(...checked.head);
    for (const doc of checked.docs) {
      fileProblems.push(...doc.problems);
      const loaded = doc.loaded;
      if (!loaded) continue;
      const key = `${loaded.kind}/${loaded.namespace ?? options.namespace ?? ''}/${loaded.name}`;
      const first = seen.get(key);
      if (first) {
        fileProblems.push({ severity: 'error', file, line: loaded.line, object: `${loaded.kind}/${loaded.name}`, message: `duplicate of the object at ${first.file}:${first.line}` });
        continue;
      }
      seen.set(key, loaded);
      objects.push(loaded);
    }
    // Array.prototype.sort is stable: problems on one line keep the order they were found in.
    problems.push(...fileProblems.sort((a, b) => a.line - b.line));
  }
  return { objects, problems, filesRead: files.length };
}
