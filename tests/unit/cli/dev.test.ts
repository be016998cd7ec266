import { describe, expect, test } from 'vitest';
import { parseDevArgs } from '../../../src/cli/dev.js';
import { UsageError } from '../../../src/cli/command.js';
import { storageCredentials } from '../../../src/dev/dev.js';

describe('cairn dev arguments', () => {
  test.each([
    [[], { kubeconfigOut: undefined, operator: true, bucket: 'cairn', stateDir: undefined }],
    [['--no-operator'], { kubeconfigOut: undefined, operator: false, bucket: 'cairn', stateDir: undefined }],
    [['--kubeconfig-out', 'kc.yaml', '--bucket', 'my-data.v2', '--state-dir', '/tmp/x'], { kubeconfigOut: 'kc.yaml', operator: true, bucket: 'my-data.v2', stateDir: '/tmp/x' }],
  ])('%j', (argv, expected) => {
    expect(parseDevArgs(argv)).toEqual(expected);
  });

  test('--help', () => {
    expect(parseDevArgs(['--help'])).toBe('help');
  });

  test.each([
    [['--bucket', 'Upper'], /not a valid S3 bucket name/],
    [['--bucket', 'ab'], /not a valid S3 bucket name/],
    [['--bucket=-dash'], /not a valid S3 bucket name/],
    [['--kubeconfig-out', ''], /needs a file name/],
    [['--unknown'], /Unknown option/],
    [['positional'], /Unexpected argument/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseDevArgs(argv)).toThrow(UsageError);
    expect(() => parseDevArgs(argv)).toThrow(message);
  });
});

test('the Secret cairn-storage holds exactly the variables cairn fetch and upload read', () => {
  expect(storageCredentials({ accessKeyId: 'AK', secretAccessKey: 'SK', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000' })).toEqual({
    AWS_ACCESS_KEY_ID: 'AK',
    AWS_SECRET_ACCESS_KEY: 'SK',
    AWS_REGION: 'us-east-1',
    CAIRN_S3_ENDPOINT: 'http://127.0.0.1:9000',
    CAIRN_S3_PATH_STYLE: 'true',
  });
});
