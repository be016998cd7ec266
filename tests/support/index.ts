/** Test doubles for unit tests: a manual clock and an in-memory Kubernetes API that records calls. */
export { FakeClock } from './fake-clock.js';
export { FakeKube, type FakeAction } from './fake-kube.js';
