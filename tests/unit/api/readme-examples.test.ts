/**
 * The README's YAML examples are what users copy first: every cairn.dev object in them must pass the same
 * validation the operator and the API server apply.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkTree, formatProblem } from '../../../src/manifests/check.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
// The YAML blocks that hold cairn.dev objects (others, like the CI snippet, are not Kubernetes objects).
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => block.includes('apiVersion: cairn.dev/'));

describe('README examples', () => {
  it('has YAML examples, and every cairn.dev object in them is valid', async () => {
    expect(blocks.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-readme-'));
    try {
      blocks.forEach((block, i) => writeFileSync(join(dir, `example-${i + 1}.yaml`), block));
      const result = await checkTree(dir, { displayPrefix: 'README' });
      expect(result.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
      expect(result.objects.length).toBeGreaterThanOrEqual(6); // one of each kind at least
      expect(new Set(result.objects.map((o) => o.kind))).toEqual(new Set(['GitSource', 'Dataset', 'Experiment', 'ModelVersion', 'Deployment', 'DriftMonitor']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
