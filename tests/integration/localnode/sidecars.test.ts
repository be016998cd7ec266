/**
 * Native sidecars on the local node (init containers with restartPolicy Always, Kubernetes 1.29+): started in
 * order before the main containers (a startupProbe holds the next one), restarted when they exit while the pod
 * runs, and SIGTERMed after the main containers have exited, last one first, so the Job completes.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onLocalNode } from '../../../src/localnode/index.js';
import { createNamespace, deleteNamespace, testenv } from '../../harness/kube.js';
import { createJob, jobFinished, podsWithLabel } from '../../harness/workloads.js';

const PYTHON = 'python:3.12';

/** A sidecar that records when it started, when SIGTERM came and when it exited (after `linger` seconds). */
const SIDECAR = [
  'import os, signal, sys, time',
  'name, out, linger = sys.argv[1], os.environ["OUT"], float(sys.argv[2])',
  'def stamp(what): open(f"{out}/{name}.{what}", "w").write(str(time.time_ns()))',
  'def term(*_):',
  '  stamp("term")',
  '  time.sleep(linger)',
  '  stamp("exit")',
  '  sys.exit(0)',
  'signal.signal(signal.SIGTERM, term)',
  'stamp("started")',
  'while True: time.sleep(0.05)',
].join('\n');

const ns = (file: string): bigint => BigInt(readFileSync(file, 'utf8'));

describe('native sidecars on the local node', () => {
  let namespace = '';
  let out = '';
  beforeAll(async () => {
    namespace = await createNamespace('local-sidecars');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('sidecars outlive the main container and are SIGTERMed after it, in reverse order; the Job completes', async () => {
    out = join(testenv().dir, `sidecars-${namespace}`);
    mkdirSync(out, { recursive: true });
    const main = [
      'import os, time',
      'out = os.environ["OUT"]',
      'print("sidecars running:", all(os.path.exists(f"{out}/{n}.started") for n in ("proxy", "shipper")), flush=True)',
      'time.sleep(1)',
      'open(f"{out}/main.done", "w").write(str(time.time_ns()))',
    ].join('\n');
    const env = [{ name: 'OUT', value: out }];
    // As on a kubelet, the next container starts once a sidecar has *started*; without a startupProbe that is when
    // its process is spawned, before python has run a line. The probes make "started" mean "stamped", so the order
    // of the stamps (and main's view of them) is guaranteed, not a race won on an idle machine.
    const stamped = (name: string) => ({ exec: { command: ['test', '-f', `${out}/${name}.started`] }, periodSeconds: 1, failureThreshold: 60 });
    await createJob(
      namespace,
      'with-sidecars',
      onLocalNode({
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 10,
        initContainers: [
          { name: 'proxy', image: PYTHON, restartPolicy: 'Always', command: ['python3', '-c', SIDECAR, 'proxy', '0'], env, startupProbe: stamped('proxy') },
          { name: 'shipper', image: PYTHON, restartPolicy: 'Always', command: ['python3', '-c', SIDECAR, 'shipper', '0.5'], env, startupProbe: stamped('shipper') },
        ],
        containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', main], env }],
      }),
    );
    expect((await jobFinished(namespace, 'with-sidecars')).outcome).toBe('Complete');
    const [pod] = await podsWithLabel(namespace, 'job=with-sidecars');
    expect(pod?.status?.phase).toBe('Succeeded');
    const log = readFileSync(join(testenv().podsDir, `${namespace}_${pod?.metadata?.name}_${pod?.metadata?.uid}`, 'main.stdout.log'), 'utf8');
    expect(log).toBe('sidecars running: True\n');

    // main exits; then shipper (the last sidecar) gets SIGTERM and exits; only then proxy gets SIGTERM.
    const [mainDone, shipperTerm, shipperExit, proxyTerm] = [ns(`${out}/main.done`), ns(`${out}/shipper.term`), ns(`${out}/shipper.exit`), ns(`${out}/proxy.term`)];
    expect(mainDone < shipperTerm).toBe(true);
    expect(shipperTerm < shipperExit).toBe(true);
    expect(shipperExit <= proxyTerm).toBe(true);
    expect(ns(`${out}/proxy.started`) < ns(`${out}/shipper.started`)).toBe(true);

    const sidecars = pod?.status?.initContainerStatuses ?? [];
    expect(sidecars.map((s) => [s.name, s.restartCount, s.state?.terminated?.exitCode])).toEqual([
      ['proxy', 0, 0],
      ['shipper', 0, 0],
    ]);
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });

  test("a sidecar's startupProbe holds the main container; a sidecar that exits while the pod runs is restarted", async () => {
    out = join(testenv().dir, `sidecars-restart-${namespace}`);
    mkdirSync(out, { recursive: true });
    // First run: ready after 1.5 s, crash 3 s later. Second run: ready at once, stays.
    const sidecar = [
      'import os, sys, time',
      'out = os.environ["OUT"]',
      'p = f"{out}/runs"',
      'runs = (sum(1 for _ in open(p)) if os.path.exists(p) else 0) + 1',
      'open(p, "a").write("run\\n")',
      'if runs == 1: time.sleep(1.5)',
      'open(f"{out}/ready-{runs}", "w").write(str(time.time_ns()))',
      'if runs == 1:',
      '  time.sleep(3)',
      '  sys.exit(3)',
      'while True: time.sleep(0.05)',
    ].join('\n');
    const main = ['import os, time', 'out = os.environ["OUT"]', 'open(f"{out}/main.started", "w").write(str(time.time_ns()))', 'while not os.path.exists(f"{out}/ready-2"): time.sleep(0.1)'].join('\n');
    const env = [{ name: 'OUT', value: out }];
    await createJob(
      namespace,
      'restarting-sidecar',
      onLocalNode({
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 5,
        initContainers: [
          {
            name: 'agent',
            image: PYTHON,
            restartPolicy: 'Always',
            command: ['python3', '-c', sidecar],
            env,
            startupProbe: { exec: { command: ['sh', '-c', `ls ${out} | grep -q '^ready-'`] }, periodSeconds: 1, failureThreshold: 30 },
          },
        ],
        containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', main], env }],
      }),
    );
    expect((await jobFinished(namespace, 'restarting-sidecar')).outcome).toBe('Complete');
    expect(existsSync(`${out}/ready-2`)).toBe(true);
    expect(ns(`${out}/ready-1`) < ns(`${out}/main.started`)).toBe(true);
    const [pod] = await podsWithLabel(namespace, 'job=restarting-sidecar');
    const agent = pod?.status?.initContainerStatuses?.[0];
    expect(agent?.restartCount).toBe(1);
    expect(agent?.lastState?.terminated?.exitCode).toBe(3);
    expect(pod?.status?.phase).toBe('Succeeded');
  });
});
