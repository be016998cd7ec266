/**
 * bench:serve's ceiling ladder (ceiling.ts): node:http servers that each do one more step of what a V2 inference
 * server must do, up to a whole request with nothing else. Each answers POST /v2/models/{name}/infer:
 *
 *   post       reads the body, answers a constant: the floor every POST pays on node:http
 *   parse      + JSON.parse of the body
 *   validate   + cairn's parse and validation against the model's signature (infer-body.ts), the least a server
 *                that answers bad input with a 400 naming the field can do
 *   minimal    + the batched run (cairn's batcher and ONNX Runtime) and the V2 answer (v2.ts): a V2 server with no
 *                limits, metrics, drift tap or admission
 *
 * Each rung stands on cairn's own modules, so the step from `minimal` to `cairn serve` is what the hardening costs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseJson } from '../../src/serving/body.js';
import { parseInferBody } from '../../src/serving/infer-body.js';
import { createRequestMetrics } from '../../src/serving/metrics.js';
import { loadModel } from '../../src/serving/model.js';
import { createServedModel } from '../../src/serving/served-model.js';
import type { TensorMap } from '../../src/serving/datatypes.js';
import type { InferRequest } from '../../src/serving/v2.js';
import { v2Response } from '../../src/serving/v2.js';
import { root } from './harness.js';

export const RUNGS = ['post', 'parse', 'validate', 'minimal'] as const;
export type Rung = (typeof RUNGS)[number];

const MODEL = 'driver_elasticnet';

function answer(res: http.ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A rung's server on an ephemeral loopback port; sends {port} over IPC. */
export async function runRung(rung: Rung): Promise<void> {
  const logger = pino({ level: 'warn' });
  const bytes = new Uint8Array(readFileSync(`${root}tests/models/${MODEL}.onnx`));
  const loaded = await loadModel(bytes, { execution: 'inline', workers: 1, intraOpThreads: 1, maxBatchSize: 64, inlineMaxRunMs: 1, logger });
  const served = createServedModel(loaded, { maxBatchSize: 64, maxDelayMs: 0, maxQueue: 100_000 }, createRequestMetrics(new Registry(), MODEL, '1'));
  const limits = { maxBodyBytes: 4 << 20, maxElements: 1 << 20, allowNonFinite: false };
  // What the minimal rung answers, so every rung's answer is the same size.
  const constant = JSON.stringify({ model_name: MODEL, model_version: '1', outputs: [{ name: 'variable', datatype: 'FP32', shape: [1, 1], data: [0.5] }] });
  const encode = (res: http.ServerResponse, parsed: InferRequest, outputs: TensorMap) => answer(res, v2Response(MODEL, '1', parsed, outputs, served.signature) as string);

  const step: (body: Buffer, res: http.ServerResponse) => void = {
    post: (_body: Buffer, res: http.ServerResponse) => answer(res, constant),
    parse: (body: Buffer, res: http.ServerResponse) => {
      parseJson(body);
      answer(res, constant);
    },
    validate: (body: Buffer, res: http.ServerResponse) => {
      parseInferBody('v2', body, undefined, served.signature, limits);
      answer(res, constant);
    },
    minimal: (body: Buffer, res: http.ServerResponse) => {
      const parsed = parseInferBody('v2', body, undefined, served.signature, limits);
      const outputs = served.inferNow?.(parsed);
      if (outputs) encode(res, parsed, outputs);
      else void served.infer(parsed).then((queued) => encode(res, parsed, queued));
    },
  }[rung];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => step(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), res));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.once('SIGTERM', () => process.exit(0));
}
