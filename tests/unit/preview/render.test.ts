/**
 * `cairn render`: the objects the operator would create for examples/ (golden file: review a change of a renderer
 * here as it shows in a pull request), and each bad input with its message and exit status.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRenderArgs, renderDirs, type RenderOptions } from '../../../src/cli/render.js';
import { UsageError } from '../../../src/cli/command.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'examples.yaml');
const base: RenderOptions = { dirs: [], namespace: 'ml', image: 'ghcr.io/cairn-dev/cairn:0.1.0', allowFileUrls: false, output: 'yaml' };

const dirs: string[] = [];
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-render-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const dataset = (uri: string) => `apiVersion: cairn.dev/v1alpha1
kind: Dataset
metadata: {name: trips}
spec:
  source: {uri: "${uri}", format: csv, sha256: b9683f1be97c64846f01732084d91a2f10292549d7961dfa524f4016e4753ae9}
  schema: {features: [{name: conv_rate, type: number}], target: {name: trip_minutes, type: number}}
`;
const experiment = `apiVersion: cairn.dev/v1alpha1
kind: Experiment
metadata: {name: eta-train}
spec:
  datasetRef: {name: trips}
  trainer: {image: "trainer:1"}
  parameters: {alpha: {values: [0.1, 1]}}
  search: {parallelism: 2}
  objective: {metric: rmse, goal: minimize}
  artifacts: {uri: "s3://models/eta"}
`;

describe('cairn render', () => {
  it('renders examples/ as the operator would (golden: UPDATE_GOLDEN=1 rewrites it)', async () => {
    const result = await renderDirs({ ...base, dirs: ['examples/driver-stats', 'examples/kinds'] });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, result.stdout);
    expect(existsSync(GOLDEN), 'create the golden file with UPDATE_GOLDEN=1 npx vitest run tests/unit/preview').toBe(true);
    expect(result.stdout).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('shows each owner with its objects: the profile Job and its identity, trial Jobs, serving objects', async () => {
    const result = await renderDirs({ ...base, output: 'json', dirs: ['examples/kinds'] });
    const sections = (JSON.parse(result.stdout) as { sections: Array<{ owner: string; objects: Array<{ kind: string; metadata: { name: string; namespace: string } }> }> }).sections;
    const kinds = (owner: string) => sections.find((s) => s.owner === owner)?.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds('Dataset/ml/rides-2026-10')).toEqual(['ServiceAccount/rides-2026-10-profile', 'Role/rides-2026-10-profile', 'RoleBinding/rides-2026-10-profile', 'ConfigMap/rides-2026-10-profile', expect.stringMatching(/^Job\/rides-2026-10-profile-/)]);
    expect(kinds('Experiment/ml/fare-gbm')).toEqual(['Job/fare-gbm-1-t0', 'Job/fare-gbm-1-t1', 'Job/fare-gbm-1-t2', 'Job/fare-gbm-1-t3', 'ConfigMap/fare-gbm-trials']);
    expect(kinds('Deployment/ml/fare')).toEqual(expect.arrayContaining(['Service/fare']));
    expect(kinds('ModelVersion/ml/fare-3')).toEqual([expect.stringMatching(/^Job\/fare-3-inspect-[0-9a-f]{10}$/)]);
    expect(sections.flatMap((s) => s.objects).every((o) => o.metadata.namespace === 'ml')).toBe(true);
  });

  it('an Experiment renders its first trials from the Dataset in the same files; without it, says what it waits for', async () => {
    const both = await renderDirs({ ...base, output: 'json', dirs: [dirWith({ 'd.yaml': dataset('s3://data/trips.csv'), 'e.yaml': experiment })] });
    const jobs = (JSON.parse(both.stdout) as { sections: Array<{ owner: string; objects: Array<{ kind: string; spec?: { template: { spec: { initContainers?: Array<{ args?: string[] }> } } } }> }> }).sections
      .find((s) => s.owner === 'Experiment/ml/eta-train')!.objects.filter((o) => o.kind === 'Job');
    expect(jobs).toHaveLength(2);
    expect(JSON.stringify(jobs[0])).toContain('s3://data/trips.csv');
    const alone = await renderDirs({ ...base, dirs: [dirWith({ 'e.yaml': experiment })] });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('waits for Dataset trips, which is not in these files; then runs 2 trials');
  });

  it('a Deployment pinned to a version not in the files serves nothing, and says so', async () => {
    const result = await renderDirs({ ...base, dirs: [dirWith({ 'd.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: Deployment\nmetadata: {name: eta}\nspec: {model: eta, version: {pinned: 4}}\n' })] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('serves nothing yet: ModelVersion eta version 4 does not exist in these files');
  });

  it('an object the operator could not render fails with its message (file:// without --allow-file-urls)', async () => {
    const dir = dirWith({ 'd.yaml': dataset('file:///data/trips.csv') });
    const refused = await renderDirs({ ...base, dirs: [dir] });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`cairn render: Dataset/ml/trips (${dir}/d.yaml:1): spec.source.uri: file:// URIs are refused unless the operator runs with --allow-file-urls (development only)\n`);
    expect(refused.stdout).toContain('# error: spec.source.uri: file:// URIs are refused');
    const allowed = await renderDirs({ ...base, allowFileUrls: true, dirs: [dir] });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('--allow-file-urls');
  });

  it('an invalid document fails as cairn validate reports it, and nothing is rendered', async () => {
    const dir = dirWith({ 'bad.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec: {datasetRef: {name: trips}}\n' });
    const result = await renderDirs({ ...base, dirs: [dir] });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^${dir}/bad.yaml:\\d+: Experiment/x: `));
    expect(result.stderr).toContain('spec.objective: Required value');
    expect(result.stderr).toMatch(/cairn render: 3 problems: nothing rendered\n$/);
  });

  it.each([
    ['no DIR', [], 'name at least one DIR'],
    ['a bad namespace', ['-n', 'Not_A_NS', 'x'], '--namespace: "Not_A_NS" is not a namespace name'],
    ['a bad output', ['-o', 'xml', 'x'], '--output must be yaml or json, got "xml"'],
    ['an unknown flag', ['--frobnicate', 'x'], "Unknown option '--frobnicate'"],
  ])('%s is a usage error', (_what, argv, message) => {
    expect(() => parseRenderArgs(argv, {})).toThrow(UsageError);
    expect(() => parseRenderArgs(argv, {})).toThrow(message);
  });

  it('a DIR that does not exist is a usage error; the image defaults to $CAIRN_IMAGE', async () => {
    await expect(renderDirs({ ...base, dirs: ['/nonexistent/cairn'] })).rejects.toThrow('no such file or directory: /nonexistent/cairn');
    expect(parseRenderArgs(['x'], { CAIRN_IMAGE: 'registry.local/cairn:dev' })).toMatchObject({ image: 'registry.local/cairn:dev', namespace: 'default' });
  });
});
