/**
 * The Helm chart as helm and the API server see it: `helm lint --strict` is clean; what `helm template` renders for
 * the default values and for each mode is accepted by the real API server (server-side dry run: schemas, defaults,
 * RBAC rules); bad values fail with helm's message; manifests/ is what `npm run manifests` writes.
 */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderManifests } from '../../../scripts/manifests-render.js';
import { renderDirs } from '../../../src/cli/render.js';
import { createNamespace, deleteNamespace, kubectl, testenv } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import { chartDir, helm, helmOk, setFlags } from './support.js';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}
const docs = (yaml: string): Doc[] => parseAllDocuments(yaml).map((d) => d.toJS() as Doc).filter(Boolean);

describe('charts/cairn', () => {
  let ns = '';
  let watched = '';
  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('chart');
    watched = await createNamespace('chart-watched');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
    if (watched) await deleteNamespace(watched);
  });

  it('helm lint --strict is clean, in both modes', async () => {
    await helmOk(['lint', '--strict', chartDir()]);
    await helmOk(['lint', '--strict', chartDir(), ...setFlags({ watchNamespaces: ['a', 'b'], 'metrics.serviceMonitor.enabled': true, 'metrics.podMonitor.enabled': true, 'grafana.dashboards.enabled': true, 'console.enabled': true })]);
  });

  /** The API server's verdict on what the chart renders (prometheus-operator kinds left out: no CRDs for them here). */
  async function dryRun(values: Record<string, string | number | boolean | string[]>): Promise<Doc[]> {
    const rendered = await helmOk(['template', 'cairn', chartDir(), '--namespace', ns, '--include-crds', ...setFlags(values)]);
    const all = docs(rendered);
    const checked = all.filter((d) => d.apiVersion !== 'monitoring.coreos.com/v1');
    const input = checked.map((d) => JSON.stringify(d)).join('\n');
    const result = await kubectl(['apply', '--server-side', '--force-conflicts', '--dry-run=server', '--field-manager=chart-test', '-f', '-'], { input });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return all;
  }

  it('the default install is accepted by the API server: cluster-wide RBAC, 2 replicas with leader election', async () => {
    const objects = await dryRun({});
    const kinds = objects.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(kinds.filter((k) => k.startsWith('CustomResourceDefinition/')).sort()).toEqual(readdirSync(join(testenv().root, 'crds')).map((f) => `CustomResourceDefinition/${f.replace(/^cairn\.dev_(.*)\.yaml$/, '$1.cairn.dev')}`).sort());
    expect(kinds).toEqual(expect.arrayContaining(['ServiceAccount/cairn-operator', 'ClusterRole/cairn-operator', 'ClusterRoleBinding/cairn-operator', 'Role/cairn-operator-leader-election', 'Deployment/cairn-operator', 'Service/cairn-operator', 'PodDisruptionBudget/cairn-operator', 'ServiceAccount/cairn-workload']));
    const deployment = objects.find((d) => d.kind === 'Deployment') as Doc & { spec: { replicas: number; template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['operator', '--leader-elect=true', `--lease-namespace=${ns}`]));
    expect(deployment.spec.template.spec.containers[0]!.args.some((a) => a.startsWith('--namespaces'))).toBe(false);
  });

  it('namespaced mode is accepted: a Role per watched namespace, nothing cluster-wide but the CRDs', async () => {
    const objects = await dryRun({ watchNamespaces: [watched, ns], 'grafana.dashboards.enabled': true, 'metrics.serviceMonitor.enabled': true, 'metrics.podMonitor.enabled': true });
    const clusterWide = objects.filter((d) => d.kind.startsWith('Cluster'));
    expect(clusterWide).toEqual([]);
    expect(objects.filter((d) => d.kind === 'Role' && d.metadata.name === 'cairn-operator').map((d) => d.metadata.namespace).sort()).toEqual([watched, ns].sort());
    const deployment = objects.find((d) => d.kind === 'Deployment') as Doc & { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain(`--namespaces=${watched},${ns}`);
    // The dashboard ConfigMap holds the JSON of charts/cairn/dashboards/cairn.json as it is.
    const dashboard = objects.find((d) => d.kind === 'ConfigMap') as Doc & { data: Record<string, string> };
    expect(JSON.parse(dashboard.data['cairn.json']!)).toEqual(JSON.parse(readFileSync(join(chartDir(), 'dashboards', 'cairn.json'), 'utf8')));
    expect(objects.filter((d) => d.apiVersion === 'monitoring.coreos.com/v1').map((d) => d.kind).sort()).toEqual(['PodMonitor', 'ServiceMonitor']);
  });

  it('console.enabled serves the console on its own port, through the Service, and lets the operator list Events', async () => {
    type Port = { name: string; containerPort?: number; port?: number; targetPort?: string };
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const withConsole = await dryRun({ 'console.enabled': true, 'console.port': 9090 });
    const deployment = withConsole.find((d) => d.kind === 'Deployment') as Doc & { spec: { template: { spec: { containers: Array<{ args: string[]; ports: Port[] }> } } } };
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container.args).toContain('--console-bind-address=:9090');
    expect(container.ports).toContainEqual({ name: 'console', containerPort: 9090, protocol: 'TCP' });
    const service = withConsole.find((d) => d.kind === 'Service') as Doc & { spec: { ports: Port[] } };
    expect(service.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([['http', 8080, 'http'], ['console', 9090, 'console']]);
    const rules = (withConsole.find((d) => d.kind === 'ClusterRole') as Doc & { rules: Rule[] }).rules;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] });
    // Off by default: no flag, no port, no Events read.
    const without = await dryRun({});
    const plain = (without.find((d) => d.kind === 'Deployment') as typeof deployment).spec.template.spec.containers[0]!;
    expect(plain.args.some((a) => a.startsWith('--console-bind-address'))).toBe(false);
    expect(plain.ports.map((p) => p.name)).toEqual(['http']);
    expect((without.find((d) => d.kind === 'ClusterRole') as Doc & { rules: Rule[] }).rules.some((r) => r.apiGroups.includes('') && r.resources.includes('events'))).toBe(false);
    // The console alone still gets its Service.
    const consoleOnly = await dryRun({ 'console.enabled': true, 'metrics.service.enabled': false });
    expect((consoleOnly.find((d) => d.kind === 'Service') as Doc & { spec: { ports: Port[] } }).spec.ports.map((p) => p.name)).toEqual(['console']);
  });

  it.each([
    ['an unknown value', { 'operator.replica': 1 }, "additional properties 'replica' not allowed"],
    ['a console port out of range', { 'console.port': 70000 }, "at '/console/port'"],
    ['the console on the operator port', { 'console.enabled': true, 'console.port': 8080 }, 'console.port must differ from operator.port'],
    ['a namespace that is not a DNS label', { watchNamespaces: ['Not_A_Namespace'] }, "'Not_A_Namespace' does not match pattern"],
    ['an unknown controller', { 'operator.controllers': ['training'] }, "at '/operator/controllers/0'"],
    ['2 replicas without leader election', { 'operator.leaderElection.enabled': false }, 'operator.replicas > 1 needs operator.leaderElection.enabled'],
    ['a ServiceMonitor without the Service', { 'metrics.serviceMonitor.enabled': true, 'metrics.service.enabled': false }, 'metrics.serviceMonitor.enabled needs metrics.service.enabled'],
  ])('%s fails helm template with a clear message', async (_what, values, message) => {
    const result = await helm(['template', 'cairn', chartDir(), ...setFlags(values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it("cairn render's objects for examples/ are accepted by the API server (server-side dry run)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-render-'));
    try {
      // The examples plus the ModelVersion the Experiment would register, so the Deployment renders its serving objects.
      writeFileSync(join(dir, 'eta-1.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: ModelVersion\nmetadata: {name: eta-1}\nspec:\n  model: eta\n  version: 1\n  artifact: {uri: "pvc://ml-artifacts/eta/eta-elasticnet/1/eta-elasticnet-1-t0/model.onnx", sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}\n');
      const result = await renderDirs({ dirs: [join(testenv().root, 'examples', 'driver-stats'), dir], namespace: ns, image: 'ghcr.io/cairn-dev/cairn:0.1.0', allowFileUrls: false, output: 'yaml' });
      expect(result.stderr).toBe('');
      const objects = docs(result.stdout);
      expect(objects.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'Job', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']));
      const dry = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager=render-test', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('manifests/ is what `npm run manifests` renders from the chart, and the chart carries crds/', async () => {
    const root = testenv().root;
    const rendered = await renderManifests(join(testenv().binDir, 'helm'), root);
    for (const [file, text] of rendered) expect(readFileSync(join(root, 'manifests', file), 'utf8'), `manifests/${file} differs from the chart: run npm run manifests`).toBe(text);
    expect(readdirSync(join(root, 'manifests')).filter((f) => f.endsWith('.yaml')).sort()).toEqual([...rendered.keys()].sort());
    // The chart's crds/ is crds/ itself (a link), so `npm run generate` keeps the chart in step.
    expect(realpathSync(join(root, 'charts', 'cairn', 'crds'))).toBe(realpathSync(join(root, 'crds')));
  });
});
