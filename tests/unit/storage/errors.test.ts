/** Error classification (pure): S3 answers and network failures as storage reasons, without leaking anything. */
import { describe, expect, it } from 'vitest';
import { s3Error } from '../../../src/storage/backends/s3-errors.js';
import { networkError } from '../../../src/storage/net-errors.js';
import { StorageError } from '../../../src/storage/index.js';

const sdk = (name: string, status: number, message = 'The request signature we calculated does not match. StringToSign: AKIAEXAMPLE...'): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
const net = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:9000`), { code });

describe('s3Error', () => {
  const uri = 's3://bucket/key';
  it.each<[string, Error, string, RegExp]>([
    ['NoSuchKey', sdk('NoSuchKey', 404), 'NotFound', /^s3:\/\/bucket\/key does not exist \(S3 NoSuchKey, HTTP 404\)$/],
    ['HEAD 404', sdk('NotFound', 404), 'NotFound', /does not exist/],
    ['NoSuchBucket', sdk('NoSuchBucket', 404), 'NotFound', /^The bucket of s3:\/\/bucket\/key does not exist/],
    ['SignatureDoesNotMatch', sdk('SignatureDoesNotMatch', 403), 'AccessDenied', /^Access denied to s3:\/\/bucket\/key \(S3 SignatureDoesNotMatch, HTTP 403\)/],
    ['InvalidAccessKeyId', sdk('InvalidAccessKeyId', 403), 'AccessDenied', /InvalidAccessKeyId/],
    ['versitygw: unknown access key', sdk('XAdminUserNotFound', 404), 'AccessDenied', /XAdminUserNotFound, HTTP 404/],
    ['HEAD 403 (no body)', sdk('Unknown', 403), 'AccessDenied', /\(HTTP 403\)/],
    ['EntityTooLarge', sdk('EntityTooLarge', 400), 'TooLarge', /larger than/],
    ['InvalidBucketName', sdk('InvalidBucketName', 400), 'InvalidUri', /refused the name/],
    ['500', sdk('InternalError', 500), 'Unreachable', /failed to open .*InternalError, HTTP 500/],
    ['refused', net('ECONNREFUSED'), 'Unreachable', /^Could not reach store:9000 for s3:\/\/bucket\/key: connection refused \(ECONNREFUSED\)$/],
    ['reset before an answer', net('ECONNRESET'), 'Unreachable', /connection reset/],
  ])('%s', (_what, error, reason, message) => {
    const mapped = s3Error(error, uri, 'open', 'store:9000');
    expect(mapped.reason).toBe(reason);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).not.toMatch(/AKIA|StringToSign/);
  });

  it('a reset mid-body is Interrupted; a StorageError passes through', () => {
    expect(s3Error(net('ECONNRESET'), uri, 'transfer', 'store').reason).toBe('Interrupted');
    const own = new StorageError('TooLarge', 'x');
    expect(s3Error(own, uri, 'transfer', 'store')).toBe(own);
  });
});

describe('networkError', () => {
  it.each<[string, unknown, string, string | undefined]>([
    ['refused while opening', net('ECONNREFUSED'), 'open', 'Unreachable'],
    ['refused while writing', net('ECONNREFUSED'), 'write', 'Unreachable'],
    ['reset while writing', net('ECONNRESET'), 'write', 'Interrupted'],
    ['anything mid-transfer', new Error('boom'), 'transfer', 'Interrupted'],
    ['a cancelled request', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'open', 'Interrupted'],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'stat', 'Unreachable'],
    ['not a network error', new Error('something else'), 'open', undefined],
  ])('%s', (_what, error, phase, reason) => {
    expect(networkError(error, 'https://h/x', phase as 'open', 'h')?.reason).toBe(reason);
  });
});
