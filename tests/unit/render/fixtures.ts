/**
 * Recorded Jobs and their Pods (tests/unit/render/fixtures/*.json) as a kube-apiserver 1.35 returns them, with
 * the statuses kube-controller-manager's Job controller and a kubelet on containerd write.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A Job or Pod of a fixture, typed loosely: tests reach into them to change one field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface JobFixture {
  description: string;
  job: Loose;
  pods: Loose[];
}

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const texts = new Map<string, string>();

/** A fresh copy of fixture `name` each call, so a test may change it. */
export function fixture(name: string): JobFixture {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(join(dir, `${name}.json`), 'utf8');
    texts.set(name, text);
  }
  return JSON.parse(text) as JobFixture;
}

export const fixtureNames = [
  'succeeded',
  'failed-exit-1',
  'oom-killed',
  'deadline-exceeded',
  'backoff-limit-exceeded',
  'missing-termination-message',
  'malformed-termination-message',
  'oversized-termination-message',
  'running',
  'pending-no-pods',
  'image-pull-backoff',
  'init-container-failed',
] as const;
