/**
 * Object metadata as the API server checks it (kube-apiserver 1.35, compared by server-side dry run): label
 * keys and values, annotation keys and size, finalizers, and the closed set of ObjectMeta fields. The fixtures
 * under tests/fixtures/api cover one case each against the server; these pin the boundaries.
 */
import { describe, expect, it } from 'vitest';
import { kinds } from '../../../src/api/kinds/index.js';
import { totalAnnotationSizeLimit } from '../../../src/api/metadata.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../../src/api/names.js';
import { formatPath } from '../../../src/api/problems.js';
import { makeValidator } from '../../../src/api/validate.js';

const deployment = makeValidator(kinds.find((k) => k.kind === 'Deployment')!);

/** `field: message` for every problem of a Deployment with this metadata. */
function problemsOf(metadata: Record<string, unknown>): string[] {
  const object = { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', metadata: { name: 'eta', ...metadata }, spec: { model: 'eta', version: { pinned: 1 } } };
  return deployment.validate(object).map((p) => `${formatPath(p.path)}: ${p.message}`);
}

const nameRegexError =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const prefix253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;

describe('qualified names', () => {
  it.each([['app'], ['MyName'], ['my.name'], ['123-abc'], ['a'], ['example.com/MyName'], [`${prefix253}/${'n'.repeat(63)}`]])('%s is valid', (name) => {
    expect(isQualifiedName(name)).toEqual([]);
  });

  it('a name part is 1 to 63 bytes, alphanumeric at both ends', () => {
    expect(isQualifiedName('n'.repeat(64))).toEqual(['name part must be no more than 63 bytes']);
    expect(isQualifiedName('')).toEqual(['name part must be non-empty', nameRegexError]);
    expect(isQualifiedName('example.com/')).toEqual(['name part must be non-empty', nameRegexError]);
    expect(isQualifiedName('-app')).toEqual([nameRegexError]);
    expect(isQualifiedName('app_')).toEqual([nameRegexError]);
    expect(isQualifiedName('hello world')).toEqual([nameRegexError]);
    // Bytes, not characters: 32 two-byte characters are 64 bytes.
    expect(isQualifiedName('é'.repeat(32))).toEqual(['name part must be no more than 63 bytes', nameRegexError]);
  });

  it('a prefix is a lowercase DNS subdomain of at most 253 bytes', () => {
    expect(isQualifiedName('/app')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName(`${prefix253}d/app`)).toEqual(['prefix part must be no more than 253 bytes']);
    expect(isQualifiedName('Example.com/app')).toEqual(isDNS1123Subdomain('Example.com').map((m) => `prefix part ${m}`));
    expect(isDNS1123Subdomain('Example.com')).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it('more than one slash is one problem', () => {
    expect(isQualifiedName('a/b/c')).toHaveLength(1);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a valid label key must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });
});

describe('label values', () => {
  it.each([[''], ['v1.2.3_rc-1'], ['MyValue'], ['v'.repeat(63)]])('%j is valid', (value) => {
    expect(isValidLabelValue(value)).toEqual([]);
  });

  it('are at most 63 bytes, alphanumeric at both ends', () => {
    expect(isValidLabelValue('v'.repeat(64))).toEqual(['must be no more than 63 bytes']);
    expect(isValidLabelValue('hello world')).toEqual([
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
    expect(isValidLabelValue('é'.repeat(32))).toHaveLength(2);
  });
});

describe('metadata of a cairn.dev object', () => {
  it('reports labels at metadata.labels, naming the key or value, as the API server does', () => {
    expect(problemsOf({ labels: { app: 'eta', 'bad key': 'ok', tier: '-web', 'cairn.dev/model': '' } })).toEqual([
      `metadata.labels: Invalid value: "bad key": ${nameRegexError}`,
      expect.stringMatching(/^metadata\.labels: Invalid value: "-web": a valid label must be an empty string/),
    ]);
  });

  it('a label value of another type is the schema problem only', () => {
    expect(problemsOf({ labels: { replicas: 3 } })).toEqual(['metadata.labels.replicas: Invalid value: 3: must be of type string']);
  });

  it('checks annotation keys in lower case, and their values not at all', () => {
    expect(problemsOf({ annotations: { 'Docs.Example.COM/Runbook': 'any text: at all', 'bad key': 'x' } })).toEqual([`metadata.annotations: Invalid value: "bad key": ${nameRegexError}`]);
  });

  it('annotations fit in 256 KiB of keys and values together, counted in bytes', () => {
    const value = (bytes: number) => 'x'.repeat(bytes);
    expect(problemsOf({ annotations: { a: value(totalAnnotationSizeLimit - 2), b: '' } })).toEqual([]);
    expect(problemsOf({ annotations: { a: value(totalAnnotationSizeLimit - 2), bc: '' } })).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
    expect(problemsOf({ annotations: { a: 'é'.repeat(totalAnnotationSizeLimit / 2) } })).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('finalizers are qualified names, each once, not orphan and foregroundDeletion together', () => {
    expect(problemsOf({ finalizers: ['cairn.dev/cleanup', 'noprefix'] })).toEqual([]);
    expect(problemsOf({ finalizers: null })).toEqual([]);
    expect(problemsOf({ finalizers: ['cairn.dev/cleanup', 'clean up', 'cairn.dev/cleanup'] })).toEqual([
      `metadata.finalizers: Invalid value: "clean up": ${nameRegexError}`,
      'metadata.finalizers[2]: Duplicate value: "cairn.dev/cleanup"',
    ]);
    expect(problemsOf({ finalizers: ['foregroundDeletion', 'orphan'] })).toEqual(['metadata.finalizers: Invalid value: ["foregroundDeletion","orphan"]: finalizer orphan and foregroundDeletion cannot be both set']);
    expect(problemsOf({ finalizers: [1] })).toEqual(['metadata.finalizers[0]: Invalid value: 1: must be of type string']);
  });

  it('has only the fields of ObjectMeta', () => {
    expect(problemsOf({ namepsace: 'ml', lables: { app: 'eta' } })).toEqual(['metadata.namepsace: unknown field', 'metadata.lables: unknown field']);
    // What `kubectl create --dry-run=client -o yaml` and `kubectl get -o yaml` write is accepted as before.
    expect(
      problemsOf({
        generateName: 'eta-',
        creationTimestamp: null,
        uid: '0b7e7f0e-4c5b-4b8e-9a43-0c6f0b0e2b1a',
        resourceVersion: '12',
        generation: 2,
        ownerReferences: [{ apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', name: 'ml', uid: '1' }],
      }),
    ).toEqual([]);
  });
});
