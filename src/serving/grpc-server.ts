/**
 * The Open Inference Protocol over gRPC (`inference.GRPCInferenceService`, proto/open_inference_grpc.proto) on
 * its own port, with @grpc/grpc-js. It serves the same model as HTTP through the same core (server.ts): the same
 * readiness, admission budgets, element limit, metrics (protocol "grpc", with the HTTP status an error maps from,
 * so a canary analysis reads 5xx alike) and Triton statistics. A request is turned into the V2 JSON form with
 * its raw_input_contents as the binary part, so it gets the HTTP path's validation and messages.
 * A message over --max-body-bytes is refused by grpc-js itself (RESOURCE_EXHAUSTED) before it is decoded.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from 'pino';
import type { Ticket } from './admission.js';
import type { TensorValue } from './datatypes.js';
import { badRequest, HttpError, quote } from './errors.js';
import { encodeRawTensor } from './raw-tensor.js';
import type { AnsweredPrediction } from './prediction-log.js';
import type { InferenceCore } from './server.js';
import { v2Metadata } from './signature.js';
import { EXTENSIONS } from './triton-extensions.js';
import { parseV2Request, type InferRequest } from './v2.js';

/**
 * The proto beside this module (src/serving/proto), or, from a build in dist/serving (tsc copies no .proto),
 * the one in the sources of the same checkout.
 */
const PROTO = ['./proto/open_inference_grpc.proto', '../../src/serving/proto/open_inference_grpc.proto']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path));
if (!PROTO) throw new Error(`the gRPC protocol definition open_inference_grpc.proto is missing beside ${fileURLToPath(import.meta.url)} and in src/serving/proto`);

/** int64 fields (shapes, INT64 contents) arrive as decimal strings: exact beyond 2^53. */
const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true });
const service = (grpc.loadPackageDefinition(definition).inference as grpc.GrpcObject).GRPCInferenceService as grpc.ServiceClientConstructor;

type Contents = Partial<Record<'bool_contents' | 'int_contents' | 'int64_contents' | 'uint_contents' | 'uint64_contents' | 'fp32_contents' | 'fp64_contents' | 'bytes_contents', unknown[]>>;

interface InferInputTensor {
  name?: string;
  datatype?: string;
  shape?: string[];
  contents?: Contents;
}

export interface ModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  inputs?: InferInputTensor[];
  outputs?: { name?: string }[];
  raw_input_contents?: Buffer[];
}

/** The typed contents field of each datatype. */
const CONTENTS_FIELD: Record<string, keyof Contents> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

/** An HTTP status as the gRPC code a client acts on (503 and only 503 is worth a retry). */
export function grpcCode(status: number): grpc.status {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return grpc.status.INVALID_ARGUMENT;
    case 404:
      return grpc.status.NOT_FOUND;
    case 499:
      return grpc.status.CANCELLED;
    case 503:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.INTERNAL;
  }
}

/** A shape of int64 decimal strings as numbers; 400 naming the field when one is not a safe integer. */
function shapeOf(shape: string[] | undefined, field: string): number[] {
  return (shape ?? []).map((d, i) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n)) throw badRequest(`${field}[${i}]: ${quote(String(d))} is not a dimension`);
    return n;
  });
}

/**
 * A ModelInferRequest as the V2 JSON request it means, plus its raw contents as the binary part: inputs with
 * raw contents get `binary_data_size`, typed contents become `data` (BYTES as UTF-8 strings).
 */
export function toV2(request: ModelInferRequest): { json: Record<string, unknown>; raw: Buffer | undefined } {
  const inputs = request.inputs ?? [];
  const rawContents = request.raw_input_contents ?? [];
  if (rawContents.length > 0 && rawContents.length !== inputs.length) {
    throw badRequest(`raw_input_contents: ${rawContents.length} entries for ${inputs.length} inputs; give one per input, in the order of inputs`);
  }
  const json: Record<string, unknown> = {
    inputs: inputs.map((input, i) => {
      const field = `inputs[${i}]`;
      const tensor: Record<string, unknown> = { name: input.name ?? '', datatype: input.datatype ?? '', shape: shapeOf(input.shape, `${field}.shape`) };
      const contentsField = CONTENTS_FIELD[input.datatype ?? ''];
      const contents = contentsField ? input.contents?.[contentsField] : undefined;
      if (rawContents.length > 0) {
        if (input.contents !== undefined) throw badRequest(`${field}.contents: given with raw_input_contents; send one or the other`);
        tensor.parameters = { binary_data_size: rawContents[i]!.length };
      } else if (contents !== undefined) {
        tensor.data = input.datatype === 'BYTES' ? (contents as Buffer[]).map((b) => b.toString('utf8')) : contents;
      } else if (input.datatype === undefined || contentsField) {
        throw badRequest(`${field}.contents: missing; send ${contentsField ?? 'the contents of its datatype'} or raw_input_contents`);
      }
      return tensor;
    }),
  };
  if (request.id) json.id = request.id;
  if (request.outputs && request.outputs.length > 0) json.outputs = request.outputs.map((o) => ({ name: o.name ?? '' }));
  return { json, raw: rawContents.length > 0 ? Buffer.concat(rawContents) : undefined };
}

/** Bytes a request holds, for the admission budget: its raw contents and about 8 per typed element. */
function heldBytes(request: ModelInferRequest): number {
  let bytes = 0;
  for (const raw of request.raw_input_contents ?? []) bytes += raw.length;
  for (const input of request.inputs ?? []) for (const values of Object.values(input.contents ?? {})) bytes += 8 * (values?.length ?? 0);
  return bytes;
}

function outputsOf(core: InferenceCore, parsed: InferRequest, outputs: Record<string, TensorValue>, signature: { outputs: { name: string; datatype: string }[] }) {
  const tensors: { name: string; datatype: string; shape: number[] }[] = [];
  const raw: Uint8Array[] = [];
  for (const spec of signature.outputs) {
    const value = outputs[spec.name];
    if (value === undefined || (parsed.outputs && !parsed.outputs.includes(spec.name))) continue;
    tensors.push({ name: spec.name, datatype: spec.datatype, shape: value.dims });
    raw.push(encodeRawTensor(value));
  }
  return { model_name: core.name, model_version: core.version, ...(parsed.id !== undefined ? { id: parsed.id } : {}), outputs: tensors, raw_output_contents: raw };
}

export interface GrpcServer {
  /** Binds and resolves the port (0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting; calls in flight finish, at most `timeoutMs`, then are cut. Resolves how many were cut. */
  drain(timeoutMs: number): Promise<number>;
}

export function buildGrpcServer(core: InferenceCore, logger: Logger): GrpcServer {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': core.limits.maxBodyBytes,
    'grpc.max_send_message_length': -1,
    // channelz (grpc-js's introspection service, which Cairn does not serve) counted every call and every
    // message sent and received: ~4% of the server's CPU under 1-row ModelInfer load (--cpu-prof; docs/benchmarks.md).
    'grpc.enable_channelz': 0,
  });
  let inFlight = 0;

  const fail = (callback: grpc.sendUnaryData<unknown>, err: unknown) => {
    const httpError = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
    if (httpError.status === 500) logger.error({ err }, 'Failed a gRPC request');
    callback({ code: grpcCode(httpError.status), details: httpError.message });
  };
  /** A call that answers at once from the core. */
  const unary =
    <Req, Res>(answer: (request: Req) => Res): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      try {
        callback(null, answer(call.request));
      } catch (err) {
        fail(callback as grpc.sendUnaryData<unknown>, err);
      }
    };
  const named = (r: { name?: string; version?: string }) => ({ model: r.name ?? '', ...(r.version ? { version: r.version } : {}) });

  const modelInfer: grpc.handleUnaryCall<ModelInferRequest, unknown> = (call, callback) => {
    const start = core.now();
    let ticket: Ticket | undefined;
    let rows = -1;
    let predicted: AnsweredPrediction | undefined;
    inFlight++;
    const finish = (status: number) => {
      inFlight--;
      ticket?.release();
      core.record('grpc', status, start, rows);
      if (predicted && status === 200) core.logPrediction(predicted, (core.now() - start) * 1000);
    };
    void (async () => {
      const request = call.request;
      const served = core.checkModel({ model: request.model_name ?? '', ...(request.model_version ? { version: request.model_version } : {}) });
      ticket = core.admit(heldBytes(request));
      const { json, raw } = toV2(request);
      const parsed = parseV2Request(json, served.signature, core.limits, raw, (i) => `raw_input_contents[${i}]`);
      parsed.abandoned = () => call.cancelled;
      rows = parsed.rows;
      served.tap?.observeInputs(parsed.feeds);
      const outputs = served.inferNow?.(parsed) ?? (await served.infer(parsed));
      served.tap?.observeOutputs(outputs);
      predicted = core.predicted('grpc', parsed, outputs, served);
      return outputsOf(core, parsed, outputs, served.signature);
    })().then(
      (response) => {
        finish(200);
        callback(null, response);
      },
      (err: unknown) => {
        finish(err instanceof HttpError ? err.status : 500);
        fail(callback, err);
      },
    );
  };

  server.addService(service.service, {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: core.ready() })),
    ModelReady: unary((r: { name?: string; version?: string }) => {
      try {
        core.checkModelReady(named(r));
        return { ready: true };
      } catch (err) {
        if (err instanceof HttpError && err.status === 503) return { ready: false };
        throw err;
      }
    }),
    ServerMetadata: unary(() => ({ name: 'cairn', version: '0.1.0', extensions: EXTENSIONS })),
    ModelMetadata: unary((r: { name?: string; version?: string }) => v2Metadata(core.name, core.version, core.checkModel(named(r)).signature)),
    ModelInfer: modelInfer,
  });

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
      }),
    drain: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          const cut = inFlight;
          server.forceShutdown();
          resolve(cut);
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve(0);
        });
      }),
  };
}
