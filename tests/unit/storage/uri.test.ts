/** Storage URI validation: what is accepted, what is refused and why (pure). */
import { describe, expect, it } from 'vitest';
import { bucketNameProblem, childUri, claimNameProblem, displayUri, formatStorageUri, parseStorageUri, StorageError, type StorageUri } from '../../../src/storage/index.js';

const allow = { allowFileUrls: true };
const deny = { allowFileUrls: false };

function refusal(input: unknown, policy = allow, prefix = false): string {
  try {
    parseStorageUri(input, policy, { prefix });
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).reason).toBe('InvalidUri');
    return (error as Error).message;
  }
  throw new Error(`accepted ${String(input)}`);
}

describe('parseStorageUri accepts', () => {
  const cases: Array<[string, StorageUri]> = [
    ['s3://cairn-data/datasets/taxi.parquet', { scheme: 's3', bucket: 'cairn-data', key: 'datasets/taxi.parquet' }],
    ['s3://my.bucket-1/a b/c', { scheme: 's3', bucket: 'my.bucket-1', key: 'a b/c' }],
    ['S3://abc/k', { scheme: 's3', bucket: 'abc', key: 'k' }],
    ['pvc://data/taxi/2024.csv', { scheme: 'pvc', claim: 'data', path: 'taxi/2024.csv' }],
    ['pvc://my-claim.v1/x', { scheme: 'pvc', claim: 'my-claim.v1', path: 'x' }],
    ['file:///srv/data/x.csv', { scheme: 'file', path: '/srv/data/x.csv' }],
    ['file://localhost/srv/x', { scheme: 'file', path: '/srv/x' }],
    ['file:///srv/a%20b.csv', { scheme: 'file', path: '/srv/a b.csv' }],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(parseStorageUri(input, allow)).toEqual(expected);
  });

  it('https with a query (presigned URLs), without its fragment', () => {
    const parsed = parseStorageUri('https://data.example.com/a/b.csv?X-Amz-Signature=abc#frag', deny);
    expect(parsed.scheme).toBe('https');
    expect(parsed.scheme === 'https' && parsed.url.href).toBe('https://data.example.com/a/b.csv?X-Amz-Signature=abc');
  });

  it.each(['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://127.0.1.7/x', 'http://[::1]:9000/x'])('plain http on loopback: %s', (input) => {
    expect(parseStorageUri(input, deny).scheme).toBe('http');
  });

  it.each<[string, StorageUri]>([
    ['s3://bucket', { scheme: 's3', bucket: 'bucket', key: '' }],
    ['s3://bucket/', { scheme: 's3', bucket: 'bucket', key: '' }],
    ['s3://bucket/models/', { scheme: 's3', bucket: 'bucket', key: 'models/' }],
    ['pvc://data', { scheme: 'pvc', claim: 'data', path: '' }],
    ['pvc://data/out/', { scheme: 'pvc', claim: 'data', path: 'out/' }],
    ['file:///srv/out/', { scheme: 'file', path: '/srv/out/' }],
  ])('as a prefix: %s', (input, expected) => {
    expect(parseStorageUri(input, allow, { prefix: true })).toEqual(expected);
  });
});

describe('parseStorageUri refuses', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['an empty URI', '', /empty/],
    ['a non-string', 42, /empty/],
    ['no scheme', 'bucket/key', /no scheme/],
    ['a relative path', './data.csv', /no scheme/],
    ['an unknown scheme', 'gs://bucket/key', /scheme "gs" is not supported/],
    ['ftp', 'ftp://host/file', /scheme "ftp" is not supported/],
    ['control characters', 's3://bucket/a\nb', /control characters/],
    ['a NUL', 's3://bucket/a\u0000b', /control characters/],
    ['an empty bucket', 's3:///key', /bucket name is empty/],
    ['an empty key', 's3://bucket/', /names no key/],
    ['a bucket alone', 's3://bucket', /names no key/],
    ['a key ending in /', 's3://bucket/models/', /ends with "\/"/],
    ['a key with ..', 's3://bucket/a/../b', /".." segment/],
    ['a key with .', 's3://bucket/./b', /"." segment/],
    ['a key with //', 's3://bucket/a//b', /empty segment/],
    ['a key with a leading /', 's3://bucket//etc/passwd', /empty segment/],
    ['a key too long', `s3://bucket/${'k'.repeat(1025)}`, /at most 1024 bytes/],
    ['an upper-case bucket', 's3://MyBucket/k', /lowercase/],
    ['a short bucket', 's3://ab/k', /3 to 63/],
    ['a long bucket', `s3://${'b'.repeat(64)}/k`, /3 to 63/],
    ['an underscore bucket', 's3://my_bucket/k', /lowercase/],
    ['a bucket ending in -', 's3://bucket-/k', /starts and ends/],
    ['a bucket with ..', 's3://a..b/k', /adjacent periods/],
    ['an IP bucket', 's3://192.168.1.1/k', /IP address/],
    ['an xn-- bucket', 's3://xn--abc/k', /"xn--"/],
    ['an -s3alias bucket', 's3://abc-s3alias/k', /"-s3alias"/],
    ['pvc with ..', 'pvc://data/../other/x', /".." segment/],
    ['pvc with encoded ..', 'pvc://data/%2e%2e/x', /".." segment/],
    ['pvc with an absolute escape', 'pvc://data//etc/passwd', /empty segment/],
    ['pvc with an empty path', 'pvc://data/', /names no path/],
    ['pvc with no path', 'pvc://data', /names no path/],
    ['pvc with a bad claim', 'pvc://Data_1/x', /claim name/],
    ['pvc with no claim', 'pvc:///x', /claim name is empty/],
    ['file with ..', 'file:///srv/../etc/passwd', /".." segment/],
    ['file with encoded ..', 'file:///srv/%2E%2E/etc/passwd', /".." segment/],
    ['file with a host', 'file://server/share/x', /file:\/\/\/absolute\/path/],
    ['file with a query', 'file:///srv/x?y', /no query/],
    ['file with a NUL', 'file:///srv/a%00b', /NUL/],
    ['https with credentials', 'https://user:pw@host/x', /credentials belong in a Secret/],
    ['plain http off loopback', 'http://example.com/x', /only for loopback/],
    ['plain http to a private address', 'http://10.0.0.1/x', /only for loopback/],
    ['a malformed URL', 'https://exa mple.com/x', /not a valid URL/],
  ];
  it.each(cases)('%s', (_what, input, why) => {
    expect(refusal(input)).toMatch(why);
  });

  it('file:// without --allow-file-urls, naming the flag', () => {
    expect(refusal('file:///srv/x', deny)).toMatch(/--allow-file-urls/);
  });

  it('never echoes credentials or a query in the message', () => {
    const message = refusal('https://user:hunter2@host/x?X-Amz-Signature=secret');
    expect(message).not.toMatch(/hunter2|secret/);
  });
});

describe('names', () => {
  it.each(['abc', 'a-b.c', 'cairn-test', '123', 'a'.repeat(63)])('bucket %s is valid', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });
  it.each(['data', 'a.b-c', 'a'.repeat(253)])('claim %s is valid', (name) => {
    expect(claimNameProblem(name)).toBeUndefined();
  });
  it.each(['A', '-a', 'a-', 'a_b', 'a'.repeat(254)])('claim %s is refused', (name) => {
    expect(claimNameProblem(name)).toBeDefined();
  });
});

describe('formatting', () => {
  it.each(['s3://bucket/a/b.csv', 'pvc://data/x/y', 'file:///srv/a%20b.csv'])('round trip %s', (uri) => {
    expect(formatStorageUri(parseStorageUri(uri, allow))).toBe(uri);
  });

  it('childUri joins a relative path under a prefix and validates the result', () => {
    const base = parseStorageUri('s3://bucket/runs/7', allow, { prefix: true });
    expect(formatStorageUri(childUri(base, 'model.onnx', allow))).toBe('s3://bucket/runs/7/model.onnx');
    expect(formatStorageUri(childUri(parseStorageUri('s3://bucket/', allow, { prefix: true }), 'a/b', allow))).toBe('s3://bucket/a/b');
    expect(formatStorageUri(childUri(parseStorageUri('file:///out/', allow, { prefix: true }), 'a b', allow))).toBe('file:///out/a%20b');
    expect(() => childUri(base, '../x', allow)).toThrow(/".." segment/);
    expect(() => childUri(parseStorageUri('https://h/x', allow), 'y', allow)).toThrow(/read-only/);
  });

  it('displayUri drops user info, query and fragment of URLs only', () => {
    expect(displayUri('https://h.example/a/b?X-Amz-Credential=AKIA&X-Amz-Signature=s#f')).toBe('https://h.example/a/b');
    expect(displayUri('s3://bucket/a?b')).toBe('s3://bucket/a?b');
  });
});
