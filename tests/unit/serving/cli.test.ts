/**
 * `cairn serve` arguments (pure parsing, usage errors) and the real process: exit code 2 on usage errors, 1 on a
 * sha256 mismatch, 0 after SIGTERM once it served a request.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/cli/serve.js';
import { UsageError } from '../../../src/cli/command.js';
import { ensureModels, modelPath, sha256Of } from './models.js';

const SHA = 'a'.repeat(64);
const base = ['--model-uri', '/m.onnx', '--sha256', SHA, '--name', 'driver'];

describe('parseServeArgs', () => {
  it('applies the defaults', () => {
    const args = parseServeArgs(base);
    expect(args).toEqual({
      logLevel: 'info',
      config: {
        modelUri: '/m.onnx',
        sha256: SHA,
        name: 'driver',
        version: '1',
        host: '0.0.0.0',
        port: 8080,
        featureColumns: {},
        execution: 'auto',
        workers: 0,
        intraOpThreads: 1,
        inlineMaxRunMs: 1,
        maxBatchSize: 64,
        maxDelayMs: 0,
        maxQueue: 4096,
        maxBodyBytes: 4194304,
        maxElements: 1048576,
        maxBufferedBytes: 67108864,
        maxConnections: 1024,
        allowNonFinite: false,
        mirrorPercent: 0,
        mirrorTimeoutMs: 5000,
        mirrorTolerance: 0,
        logSample: 0,
        feedbackMaxRows: 100000,
        feedbackMaxAgeMs: 3600000,
        predictionLogSample: 0,
        predictionLogRate: 100,
        shutdownDelayMs: 5000,
        drainTimeoutMs: 20000,
      },
    });
  });

  it('parses every option', () => {
    const args = parseServeArgs([
      ...base,
      '--sha256', `sha256:${'B'.repeat(64)}`,
      '--version', '7', '--port', '0', '--host', '127.0.0.1', '--profile', 'p.json',
      '--feature-columns', 'input=a,b,c', '--feature-columns', 'other=d',
      '--execution', 'worker', '--workers', '2', '--intra-op-threads', '0', '--inline-max-run-ms', '0.5',
      '--max-batch-size', '1', '--max-delay-ms', '2.5', '--max-queue', '10', '--max-body-bytes', '100', '--max-elements', '50', '--allow-nan',
      '--max-buffered-bytes', '1000', '--max-connections', '3', '--shutdown-delay-s', '0.25',
      '--mirror-url', 'http://shadow:8080', '--mirror-percent', '12.5', '--mirror-timeout-ms', '100', '--mirror-tolerance', '0.05',
      '--log-sample', '0.01', '--log-level', 'debug', '--drain-timeout-s', '1.5',
      '--feedback-max-rows', '0', '--feedback-max-age-s', '60',
      '--prediction-log-sample', '0.5', '--prediction-log-rate', '10', '--prediction-log', '/tmp/p.jsonl',
    ]);
    expect(args).toMatchObject({
      logLevel: 'debug',
      config: {
        sha256: 'b'.repeat(64),
        version: '7',
        port: 0,
        profilePath: 'p.json',
        featureColumns: { input: ['a', 'b', 'c'], other: ['d'] },
        execution: 'worker',
        workers: 2,
        intraOpThreads: 0,
        inlineMaxRunMs: 0.5,
        maxBatchSize: 1,
        maxDelayMs: 2.5,
        maxQueue: 10,
        maxBodyBytes: 100,
        maxElements: 50,
        maxBufferedBytes: 1000,
        maxConnections: 3,
        shutdownDelayMs: 250,
        allowNonFinite: true,
        mirrorUrl: 'http://shadow:8080',
        mirrorPercent: 12.5,
        mirrorTimeoutMs: 100,
        mirrorTolerance: 0.05,
        logSample: 0.01,
        drainTimeoutMs: 1500,
        feedbackMaxRows: 0,
        feedbackMaxAgeMs: 60000,
        predictionLogSample: 0.5,
        predictionLogRate: 10,
        predictionLogPath: '/tmp/p.jsonl',
      },
    });
    expect(parseServeArgs(['--help'])).toBe('help');
    expect(parseServeArgs([...base, '--mirror-url', 'https://s'])).toMatchObject({ config: { mirrorPercent: 100 } });
    expect(parseServeArgs([...base, '--grpc-port', '8001'])).toMatchObject({ config: { grpcPort: 8001, port: 8080 } });
    expect((parseServeArgs(base) as { config: object }).config).not.toHaveProperty('grpcPort');
  });

  it.each<[string[], string]>([
    [['--sha256', SHA, '--name', 'd'], '--model-uri is required'],
    [['--model-uri', 'm', '--name', 'd'], '--sha256 is required'],
    [['--model-uri', 'm', '--sha256', SHA], '--name is required'],
    [[...base, '--sha256', 'abc'], '--sha256: expected 64 hex digits, got "abc"'],
    [[...base, '--port', '99999'], '--port: expected an integer in [0, 65535], got "99999"'],
    [[...base, '--port', 'http'], '--port: expected an integer in [0, 65535], got "http"'],
    [[...base, '--grpc-port', '65536'], '--grpc-port: expected an integer in [0, 65535], got "65536"'],
    [[...base, '--grpc-port', '8080'], '--grpc-port: 8080 is the HTTP port (--port); give it a port of its own'],
    [[...base, '--max-batch-size', '0'], '--max-batch-size: expected an integer in [1, 65536], got "0"'],
    [[...base, '--log-sample', '2'], '--log-sample: expected a number in [0, 1], got "2"'],
    [[...base, '--feedback-max-rows', '1.5'], '--feedback-max-rows: expected an integer in [0, 100000000], got "1.5"'],
    [[...base, '--feedback-max-age-s', '0'], '--feedback-max-age-s: expected a number in [1, 2592000], got "0"'],
    [[...base, '--prediction-log-sample', '1.5'], '--prediction-log-sample: expected a number in [0, 1], got "1.5"'],
    [[...base, '--prediction-log-rate', '0'], '--prediction-log-rate: expected a number in [1, 1000000], got "0"'],
    [[...base, '--prediction-log', 'p.jsonl'], '--prediction-log needs --prediction-log-sample above 0'],
    [[...base, '--execution', 'gpu'], '--execution: expected auto, inline or worker, got "gpu"'],
    [[...base, '--mirror-percent', '5'], '--mirror-percent needs --mirror-url'],
    [[...base, '--mirror-tolerance', 'close'], '--mirror-tolerance: expected a number in [0, 1000000000], got "close"'],
    [[...base, '--mirror-url', 'shadow:8080'], '--mirror-url: expected an http(s):// URL, got "shadow:8080"'],
    [[...base, '--feature-columns', 'abc'], '--feature-columns: expected INPUT=feature,feature,..., got "abc"'],
    [[...base, '--max-body-bytes', '1001', '--max-buffered-bytes', '1000'], '--max-buffered-bytes (1000) must be at least --max-body-bytes (1001)'],
    [[...base, '--max-connections', '0'], '--max-connections: expected an integer in [1, 9007199254740991], got "0"'],
    [[...base, '--shutdown-delay-s', '1h'], '--shutdown-delay-s: expected a number in [0, 3600], got "1h"'],
    [[...base, '--log-level', 'loud'], '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [[...base, '--bogus'], "Unknown option '--bogus'"],
    [[...base, 'extra'], "Unexpected argument 'extra'"],
  ])('%j -> usage error', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(UsageError);
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});

const bin = fileURLToPath(new URL('../../../bin/cairn.js', import.meta.url));

interface Proc {
  code: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first JSON log line whose msg is `msg`. */
  logLine(msg: string): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
}

function cairn(args: string[]): Proc {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { msg: string; resolve(line: Record<string, unknown>): void }[] = [];
  const scan = () => {
    for (const text of out.split('\n')) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      for (const w of waiters.filter((w) => w.msg === line.msg)) w.resolve(line);
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    scan();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    code: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    logLine: (msg) =>
      new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        scan();
        child.on('exit', () => reject(new Error(`cairn exited before logging "${msg}":\n${out}\n${err}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

describe('the cairn serve process', () => {
  beforeAll(() => ensureModels());

  it('--help prints the usage and exits 0; a usage error exits 2 with the usage on stderr', async () => {
    const help = cairn(['serve', '--help']);
    expect(await help.code).toBe(0);
    expect(help.stdout()).toContain('Usage: cairn serve --model-uri URI --sha256 HEX --name NAME');
    const bad = cairn(['serve', '--name', 'x']);
    expect(await bad.code).toBe(2);
    expect(bad.stderr()).toContain('cairn serve: --model-uri is required');
    expect(bad.stderr()).toContain('Usage: cairn serve');
  });

  it('exits 1 with a clear error on a sha256 mismatch', async () => {
    const proc = cairn(['serve', '--model-uri', modelPath('driver_elasticnet'), '--sha256', '0'.repeat(64), '--name', 'd', '--port', '0', '--host', '127.0.0.1']);
    expect(await proc.code).toBe(1);
    expect(proc.stdout()).toContain(`sha256 mismatch for ${modelPath('driver_elasticnet')}: expected ${'0'.repeat(64)}, got ${sha256Of('driver_elasticnet')}`);
    expect(proc.stdout()).not.toContain('Model is ready');
  });

  it('serves, then drains and exits 0 on SIGTERM', async () => {
    const proc = cairn(['serve', '--model-uri', modelPath('driver_elasticnet'), '--sha256', sha256Of('driver_elasticnet'), '--name', 'driver', '--port', '0', '--host', '127.0.0.1', '--shutdown-delay-s', '0']);
    const { port } = await proc.logLine('Listening; not ready until the model is loaded');
    await proc.logLine('Model is ready');
    const response = await fetch(`http://127.0.0.1:${String(port)}/v1/models/driver:predict`, { method: 'POST', body: '{"instances":[[0.5,0.9,280]]}' });
    expect(response.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
    expect(metrics).toContain('process_resident_memory_bytes');
    proc.kill('SIGTERM');
    expect(await proc.code).toBe(0);
    expect(proc.stdout()).toContain('"msg":"Stopped serving"');
  });

  it('with --grpc-port, serves gRPC on its own port until SIGTERM drains both', async () => {
    const proc = cairn(['serve', '--model-uri', modelPath('driver_elasticnet'), '--sha256', sha256Of('driver_elasticnet'), '--name', 'driver', '--port', '0', '--grpc-port', '0', '--host', '127.0.0.1', '--shutdown-delay-s', '0']);
    const { port } = await proc.logLine('Listening for the Open Inference Protocol over gRPC');
    await proc.logLine('Model is ready');
    const definition = protoLoader.loadSync(fileURLToPath(new URL('../../../src/serving/proto/open_inference_grpc.proto', import.meta.url)), { keepCase: true, longs: String });
    const Service = (grpc.loadPackageDefinition(definition).inference as grpc.GrpcObject).GRPCInferenceService as grpc.ServiceClientConstructor;
    const stub = new Service(`127.0.0.1:${String(port)}`, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object, cb: (err: Error | null, res: unknown) => void) => void>;
    const call = (method: string, request: object) => new Promise((resolve, reject) => stub[method]!.call(stub, request, (err, res) => (err ? reject(err) : resolve(res))));
    expect(await call('ServerReady', {})).toEqual({ ready: true });
    const response = await call('ModelInfer', { model_name: 'driver', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [0.5, 0.9, 280] } }] });
    expect(response).toMatchObject({ outputs: [{ name: 'variable', shape: ['1', '1'] }] });
    (stub as unknown as grpc.Client).close();
    proc.kill('SIGTERM');
    expect(await proc.code).toBe(0);
  });
});
