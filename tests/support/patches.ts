/** Pure JSON merge patch (RFC 7386), a small JSON patch (RFC 6902) and label selectors, for {@link FakeKube}. */

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays included) replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: Json;
}

/** RFC 6902 add / replace / remove / test; throws on a failed test or a missing path. */
export function jsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  const doc = structuredClone(target);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`Invalid JSON patch path ${op.path}`);
    let parent: Json = doc;
    for (const p of parts) {
      parent = (parent as Record<string, Json>)[p];
      if (parent === undefined || parent === null) throw new Error(`JSON patch path ${op.path} does not exist`);
    }
    const container = parent as Record<string, Json> & Json[];
    if (op.op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value)) throw new Error(`JSON patch test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else if (Array.isArray(container) && op.op === 'add') {
      if (last === '-') container.push(op.value);
      else container.splice(Number(last), 0, op.value);
    } else {
      container[last] = op.value;
    }
  }
  return doc;
}

/** Equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated (AND). */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const ne = term.match(/^([^!=]+)!=(.*)$/);
      if (ne) return have[ne[1]!.trim()] !== ne[2]!.trim();
      const eq = term.match(/^([^=]+)==?(.*)$/);
      if (eq) return have[eq[1]!.trim()] === eq[2]!.trim();
      if (term.startsWith('!')) return !(term.slice(1) in have);
      return term in have;
    });
}
