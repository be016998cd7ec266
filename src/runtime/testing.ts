/** Test doubles for controller unit tests: a manual clock and an in-memory Kubernetes API that records calls. */
export { FakeClock } from './fake-clock.js';
export { FakeKube, type FakeAction } from './kube/fake.js';
export { jsonPatch, matchesLabelSelector, mergePatch } from './kube/patches.js';
