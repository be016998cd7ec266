/**
 * Parses a multi-document YAML file into plain objects, keeping where every node came from so a
 * problem can be reported at its line. Alias expansion is bounded (billion laughs), and syntax errors
 * carry line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Path } from '../api/problems.js';

export interface ParsedDocument {
  /** 1-based line where the document's content starts. */
  line: number;
  /** Index of the document in its file (0-based). */
  index: number;
  value: unknown;
  /** Line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: Path): number;
}

export interface ParseIssue {
  line: number;
  column?: number;
  message: string;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  /** Documents with nothing in them (`---` alone, only comments): ignored, as kubectl does. */
  empty: { line: number }[];
  issues: ParseIssue[];
}

/** Aliases allowed per document; far above any real manifest, far below an exponential blow-up. */
const maxAliasCount = 100;

/** Deepest nesting accepted. Real manifests stay under 20; the parser recurses per level and can exhaust the process. */
const maxNestingDepth = 64;

/**
 * The line of the first flow collection (`[`, `{`) nested deeper than `limit`, ignoring quoted
 * strings and comments; undefined when there is none. Runs before the parser, which must never see it.
 */
function tooDeepAt(text: string, limit = maxNestingDepth): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > limit) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  // Block collections nest by indentation; bound that too.
  const indents = text.split('\n');
  for (let n = 0; n < indents.length; n++) {
    const indent = indents[n]!.length - indents[n]!.trimStart().length;
    if (indent > limit * 8) return n + 1;
  }
  return undefined;
}

function nodeLine(node: Node | null | undefined, lines: LineCounter): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The pairs of a map by key, built once per map: a lookup per problem must not scan a map of 80,000 keys. */
const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairsOf(map: YAMLMap): Map<string, Pair> {
  let index = pairsByKey.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items as Pair[]) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (!index.has(key)) index.set(key, pair);
    }
    pairsByKey.set(map, index);
  }
  return index;
}

function childNode(node: unknown, key: string | number): { keyNode?: Node; valueNode?: Node } | undefined {
  if (isMap(node)) {
    const pair = pairsOf(node).get(String(key));
    return pair ? { keyNode: pair.key as Node, valueNode: pair.value as Node } : undefined;
  }
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item ? { valueNode: item as Node } : undefined;
  }
  return undefined;
}

function makeLineOf(doc: Document, lines: LineCounter, fallback: number): (path: Path) => number {
  return (path) => {
    let node: unknown = doc.contents;
    let line = nodeLine(doc.contents as Node, lines) ?? fallback;
    for (const part of path) {
      const child = childNode(node, part);
      if (!child) break;
      // A field is reported at its key (`ref:`), an item at its first line.
      line = nodeLine(child.keyNode ?? child.valueNode, lines) ?? line;
      node = child.valueNode;
    }
    return line;
  };
}

/**
 * The offset of the first key that repeats a key of its own map, or undefined. One pass with a set per map:
 * the parser's own `uniqueKeys` compares every pair of keys, minutes of CPU for a map of 80,000 keys.
 * Keys are equal as the parser defines it: the same scalar value (so `1` and `"1"` differ).
 */
function firstDuplicateKey(root: unknown): number | undefined {
  let first: number | undefined;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items as Pair[]) {
        if (isScalar(pair.key)) {
          const key = `${typeof pair.key.value}:${String(pair.key.value)}`;
          const offset = pair.key.range?.[0];
          if (seen.has(key) && offset !== undefined && (first === undefined || offset < first)) first = offset;
          seen.add(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return first;
}

export function parseYaml(text: string): ParsedFile {
  const lines = new LineCounter();
  const result: ParsedFile = { documents: [], empty: [], issues: [] };
  const deepLine = tooDeepAt(text);
  if (deepLine !== undefined) {
    result.issues.push({ line: deepLine, message: `YAML nested deeper than ${maxNestingDepth} levels; refusing to parse the file` });
    return result;
  }
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true, merge: false });
  if (!Array.isArray(docs)) {
    // An empty stream parses to an EmptyStream: nothing to validate.
    return result;
  }
  docs.forEach((doc, index) => {
    const start = doc.range?.[0] ?? 0;
    const docLine = nodeLine(doc.contents as Node, lines) ?? lines.linePos(start).line;
    const [error] = doc.errors;
    if (error) {
      // Later errors of a document mostly follow from the first one; report that one, where it is.
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      result.issues.push({ line: pos.line, column: pos.col, message: `YAML syntax error: ${error.message.split('\n')[0]}` });
      return;
    }
    const duplicate = firstDuplicateKey(doc.contents);
    if (duplicate !== undefined) {
      const pos = lines.linePos(duplicate);
      result.issues.push({ line: pos.line, column: pos.col, message: 'YAML syntax error: Map keys must be unique' });
      return;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
      result.empty.push({ line: docLine });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (error) {
      const message = (error as Error).message;
      result.issues.push({
        line: docLine,
        message: /alias/i.test(message) ? `too many YAML aliases (more than ${maxAliasCount}): refusing a possible alias bomb` : `YAML error: ${message}`,
      });
      return;
    }
    result.documents.push({ line: docLine, index, value, lineOf: makeLineOf(doc, lines, docLine) });
  });
  return result;
}
