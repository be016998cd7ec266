import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseOperatorArgs } from '../../../src/cli/operator.js';
import { UsageError } from '../../../src/cli/command.js';
import { stopOnSignal, type SignalSource } from '../../../src/operator/signals.js';
import { captureLogger } from './helpers.js';

const env = { POD_NAMESPACE: 'cairn-system' };

describe('parseOperatorArgs', () => {
  it('has working defaults', () => {
    expect(parseOperatorArgs([], env)).toMatchObject({
      namespaces: [],
      host: '0.0.0.0',
      port: 8080,
      leaderElect: false,
      leaseNamespace: 'cairn-system',
      leaseName: 'cairn-operator',
      allowFileUrls: false,
      drainTimeoutMs: 20_000,
      logLevel: 'info',
    });
  });

  it('reads every flag', () => {
    const o = parseOperatorArgs(
      ['--kubeconfig', '/k', '--context', 'dev', '--namespaces', 'ml, data', '--controllers', 'gitsource,dataset', '--metrics-addr', '127.0.0.1:0', '--leader-elect', '--lease-namespace', 'ops',
        '--lease-name', 'l', '--allow-file-urls', '--git-cache-dir', '/cache', '--drain-timeout-s', '5', '--log-level', 'debug'],
      env,
    );
    expect(o).toEqual({
      kubeconfig: '/k', context: 'dev', namespaces: ['ml', 'data'], controllers: ['gitsource', 'dataset'], host: '127.0.0.1', port: 0, leaderElect: true, leaseNamespace: 'ops', leaseName: 'l',
      allowFileUrls: true, gitCacheDir: '/cache', drainTimeoutMs: 5_000, logLevel: 'debug',
    });
  });

  it('accepts --flag=true|false for boolean flags and [::1]:port addresses', () => {
    expect(parseOperatorArgs(['--leader-elect=true', '--allow-file-urls=false'], env)).toMatchObject({ leaderElect: true, allowFileUrls: false });
    expect(parseOperatorArgs(['--leader-elect', '--leader-elect=false'], env)).toMatchObject({ leaderElect: false });
    expect(parseOperatorArgs(['--metrics-addr', '[::1]:9090'], env)).toMatchObject({ host: '::1', port: 9090 });
  });

  it('serves the console only with --console-bind-address', () => {
    expect(parseOperatorArgs([], env)).not.toHaveProperty('console');
    expect(parseOperatorArgs(['--console-bind-address', ':8082'], env)).toMatchObject({ console: { host: '0.0.0.0', port: 8082 } });
    expect(parseOperatorArgs(['--console-bind-address=127.0.0.1:0', '--metrics-addr', '127.0.0.1:0'], env)).toMatchObject({ console: { host: '127.0.0.1', port: 0 } });
    expect(() => parseOperatorArgs(['--console-bind-address', ':8080'], env)).toThrow('--console-bind-address: port 8080 is the --metrics-addr port already');
  });

  it('runs every controller unless --controllers names some', async () => {
    const { defaultComponents } = await import('../../../src/operator/components.js');
    const base = { gitCacheDir: '/tmp/unused', allowFileUrls: false };
    const all = defaultComponents(base);
    expect(all.controllers).toHaveLength(6);
    expect(all.gitWebhook).toBeDefined();
    const gitOnly = defaultComponents({ ...base, controllers: ['gitsource'] });
    expect(gitOnly.controllers).toHaveLength(1);
    expect(gitOnly.gitWebhook).toBeDefined();
    const training = defaultComponents({ ...base, controllers: ['experiment', 'dataset'] });
    expect(training.controllers).toHaveLength(2);
    expect(training.gitWebhook).toBeUndefined();
  });

  it('returns help for --help and -h', () => {
    expect(parseOperatorArgs(['--help'], env)).toBe('help');
    expect(parseOperatorArgs(['-h'], env)).toBe('help');
  });

  it.each([
    [['--bogus']],
    [['positional']],
    [['--leader-elect=yes']],
    [['--metrics-addr', '8080']],
    [['--metrics-addr', ':99999']],
    [['--console-bind-address', '8082']],
    [['--namespaces', 'ML']],
    [['--lease-namespace', 'Bad_NS']],
    [['--drain-timeout-s', '-1']],
    [['--log-level', 'loud']],
    [['--kubeconfig']],
    [['--controllers', 'gitsource,deployments']],
    [['--controllers', ',']],
  ])('rejects %o with a usage error', (argv) => {
    expect(() => parseOperatorArgs(argv, env)).toThrow(UsageError);
  });
});

describe('stopOnSignal', () => {
  it('stops on SIGTERM and resolves exit code 0', async () => {
    const signals = new EventEmitter() as unknown as SignalSource & EventEmitter;
    let stopped = 0;
    const code = stopOnSignal(signals, captureLogger('silent').log, async () => {
      stopped++;
    });
    signals.emit('SIGTERM');
    expect(await code).toBe(0);
    expect(stopped).toBe(1);
  });

  it('exits 1 at once on a second signal while stopping (a hung stop must not keep the process alive), and resolves 1 when stop fails', async () => {
    const signals = new EventEmitter() as unknown as SignalSource & EventEmitter;
    const exits: number[] = [];
    const code = stopOnSignal(signals, captureLogger('silent').log, () => new Promise(() => undefined), (c) => exits.push(c));
    signals.emit('SIGINT');
    expect(exits).toEqual([]);
    signals.emit('SIGINT');
    expect(await code).toBe(1);
    expect(exits).toEqual([1]);
    const failing = new EventEmitter() as unknown as SignalSource & EventEmitter;
    const failedExits: number[] = [];
    const code2 = stopOnSignal(
      failing,
      captureLogger('silent').log,
      async () => {
        throw new Error('lease release failed');
      },
      (c) => failedExits.push(c),
    );
    failing.emit('SIGTERM');
    expect(await code2).toBe(1);
    expect(failedExits).toEqual([]); // a failed stop returns its code the normal way
  });
});
