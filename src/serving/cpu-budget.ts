/**
 * How many CPUs this process may keep busy: the cores Node reports, capped by the container's cgroup v2 CPU
 * quota. Node 20's availableParallelism() counts the node's cores and ignores the quota, so a pod limited to
 * 1 CPU on a 64-core node would otherwise start 64 inference workers (64 model copies, throttled).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The cgroup v2 CPU bandwidth limit of the process's own cgroup (a container sees its own at this path). */
const CPU_MAX_PATH = '/sys/fs/cgroup/cpu.max';

const POSITIVE_INTEGER = /^[1-9]\d*$/;

/**
 * The CPUs a cgroup v2 `cpu.max` ("<quota> <period>" in microseconds) allows, rounded up to a whole CPU;
 * undefined when there is no limit ("max") or the text is not a quota.
 */
export function parseCpuMax(text: string): number | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 2) return undefined;
  const [quota, period] = fields as [string, string];
  if (!POSITIVE_INTEGER.test(quota) || !POSITIVE_INTEGER.test(period)) return undefined;
  return Math.ceil(Number(quota) / Number(period));
}

export interface CpuBudgetIo {
  /** Reads cpu.max; throws when there is none (cgroup v1, not Linux). */
  readCpuMax(): string;
  /** The cores Node reports. */
  cores(): number;
}

const SYSTEM: CpuBudgetIo = {
  readCpuMax: () => readFileSync(CPU_MAX_PATH, 'utf8'),
  cores: availableParallelism,
};

/** The cores Node reports, capped by the cgroup v2 CPU quota when one is set; at least 1. */
export function cpuBudget(io: CpuBudgetIo = SYSTEM): number {
  const cores = io.cores();
  let quota: number | undefined;
  try {
    quota = parseCpuMax(io.readCpuMax());
  } catch {
    quota = undefined; // no cgroup v2 cpu.max here: the cores are the budget
  }
  return Math.max(1, Math.min(cores, quota ?? cores));
}
