/** `cairn operator` as a real process against the test environment, its JSON log lines kept for assertions. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { eventually, GiveUp, testenv } from './kube.js';

export interface OperatorProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** The replica identity (Lease holder) it logged at start. */
  identity: string;
  /** `http://host:port` of its metrics, probes and webhook receiver. */
  address: string;
  exit: Promise<number | null>;
}

/** Starts `cairn operator --kubeconfig <admin> --metrics-addr 127.0.0.1:0 ...args` and waits for "Started operator". */
export async function startOperatorProcess(args: string[]): Promise<OperatorProcess> {
  const env = testenv();
  const child = spawn(process.execPath, [join(env.root, 'bin', 'cairn.js'), 'operator', '--kubeconfig', env.kubeconfigPath, '--metrics-addr', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POD_NAME: 'cairn-test' },
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ msg: line });
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = await eventually('cairn operator logs "Started operator"', () => {
    if (child.exitCode !== null) throw new GiveUp(`cairn operator exited with ${child.exitCode} before it started`);
    return lines.find((l) => l.msg === 'Started operator');
  });
  return { child, lines, exit, identity: String(started.replica), address: String(started.address) };
}
