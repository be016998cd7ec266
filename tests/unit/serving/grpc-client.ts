/** A @grpc/grpc-js client of the Open Inference Protocol's service (the proto `cairn serve` serves), promise per call. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../../../src/serving/proto/open_inference_grpc.proto', import.meta.url));

export type GrpcCall = (request: object) => Promise<Record<string, unknown>>;

export function grpcClient(address: string): Record<string, GrpcCall> {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
  const Service = (grpc.loadPackageDefinition(definition).inference as grpc.GrpcObject).GRPCInferenceService as grpc.ServiceClientConstructor;
  const stub = new Service(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 }) as unknown as Record<
    string,
    (request: object, callback: (err: grpc.ServiceError | null, response: Record<string, unknown>) => void) => void
  >;
  const calls: Record<string, GrpcCall> = {};
  for (const method of ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer']) {
    calls[method] = (request) => new Promise((resolve, reject) => stub[method]!.call(stub, request, (err, response) => (err ? reject(err) : resolve(response))));
  }
  return calls;
}
