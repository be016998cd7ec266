/** bench:serve: gRPC (inference.GRPCInferenceService) beside HTTP on the same server (issue 12). */
import { cpuSeconds } from '../process.js';
import { DURATION_S, line, load, root, rps, startServer, us } from './harness.js';

/** `connections` closed loops of ModelInfer (1 row, raw contents) on one grpc-js channel of this process. */
export async function grpcClient(port: number, connections: number): Promise<{ run(ms: number): Promise<number>; close(): void }> {
  const grpc = await import('@grpc/grpc-js');
  const protoLoader = await import('@grpc/proto-loader');
  const definition = protoLoader.loadSync(`${root}src/serving/proto/open_inference_grpc.proto`, { keepCase: true, longs: String });
  const Service = (grpc.loadPackageDefinition(definition).inference as import('@grpc/grpc-js').GrpcObject).GRPCInferenceService as import('@grpc/grpc-js').ServiceClientConstructor;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object, cb: (err: Error | null) => void) => void>;
  const request = {
    model_name: 'driver_elasticnet',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3] }],
    raw_input_contents: [Buffer.from(Float32Array.from([0.5, 0.9, 280]).buffer)],
  };
  const call = () => new Promise<void>((resolve, reject) => client.ModelInfer!.call(client, request, (err) => (err ? reject(err) : resolve())));
  return {
    /** Answered calls in `ms`. */
    async run(ms) {
      let answered = 0;
      const end = performance.now() + ms;
      await Promise.all(Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          await call();
          answered++;
        }
      }));
      return answered;
    },
    close: () => (client as unknown as import('@grpc/grpc-js').Client).close(),
  };
}

/** One protocol's rounds: answered requests, seconds, and the CPU seconds of the server and of this process (the client). */
export interface ProtocolRounds {
  answered: number;
  seconds: number;
  serverCpu: number;
  clientCpu: number;
}

/**
 * gRPC beside HTTP at c=16 on the same server, in 3 alternating rounds. Both clients run in this process (autocannon
 * for HTTP, grpc-js for gRPC), so each side's client CPU per request is printed apart from the server's: the
 * server's CPU per request is the figure a loaded machine and the client library distort least.
 */
export async function grpcVsHttp(results: Record<string, unknown>, v2Body: string, v2Path: string): Promise<void> {
  console.log('\ngRPC (inference.GRPCInferenceService, raw contents) vs HTTP (V2 JSON), the same server, 1-row requests, c=16, 3 alternating rounds');
  const server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64, grpc: true });
  const grpcC16 = await grpcClient(server.grpcPort, 16);
  const roundMs = (DURATION_S / 2) * 1000;
  const clients = {
    http: async () => (await load(server.port, v2Path, 16, v2Body, undefined, roundMs / 1000, 0))['2xx'],
    grpc: () => grpcC16.run(roundMs),
  };
  await load(server.port, v2Path, 16, v2Body, undefined, 1, 0);
  await grpcC16.run(1000);
  const sums: Record<'http' | 'grpc', ProtocolRounds> = {
    http: { answered: 0, seconds: 0, serverCpu: 0, clientCpu: 0 },
    grpc: { answered: 0, seconds: 0, serverCpu: 0, clientCpu: 0 },
  };
  for (let round = 0; round < 3; round++) {
    for (const protocol of ['http', 'grpc'] as const) {
      const sum = sums[protocol];
      const server0 = cpuSeconds(server.pid);
      const client0 = process.cpuUsage();
      const t0 = performance.now();
      sum.answered += await clients[protocol]();
      sum.seconds += (performance.now() - t0) / 1000;
      const client = process.cpuUsage(client0);
      sum.clientCpu += (client.user + client.system) / 1e6;
      sum.serverCpu += cpuSeconds(server.pid) - server0;
    }
  }
  grpcC16.close();
  await server.stop();
  const perSecond = (p: ProtocolRounds) => p.answered / p.seconds;
  const serverUs = (p: ProtocolRounds) => (p.serverCpu * 1e6) / p.answered;
  const clientUs = (p: ProtocolRounds) => (p.clientCpu * 1e6) / p.answered;
  const { http: h, grpc: g } = sums;
  line('V2 infer c=16: HTTP (autocannon)', rps(perSecond(h)), `server CPU ${us(serverUs(h))} per request, client ${us(clientUs(h))}`);
  line('ModelInfer c=16: gRPC (grpc-js client, one channel)', rps(perSecond(g)), `server CPU ${us(serverUs(g))} per request, client ${us(clientUs(g))}`);
  line('gRPC / HTTP: req/s, server CPU per request', `${(perSecond(g) / perSecond(h)).toFixed(2)}x / ${(serverUs(g) / serverUs(h)).toFixed(2)}x`, 'no goal set');
  results.grpc = {
    httpC16: perSecond(h),
    grpcC16: perSecond(g),
    httpServerCpuUs: serverUs(h),
    grpcServerCpuUs: serverUs(g),
    httpClientCpuUs: clientUs(h),
    grpcClientCpuUs: clientUs(g),
  };
}
