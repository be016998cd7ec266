/**
 * The naive server of issue 12's comparison, in one file as a person would write it first: node:http,
 * JSON.parse, onnxruntime-node's session.run, JSON.stringify. No validation, no batching, no limits, no
 * metrics. It answers every POST with a V2 inference response for the V2 request in its body.
 *
 *   tsx bench/naive/server.ts MODEL.onnx     (forked by bench/serve/naive.ts: it sends {port} over IPC)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ort from 'onnxruntime-node';

interface V2Input {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

const session = await ort.InferenceSession.create(process.argv[2]!, { intraOpNumThreads: 1, interOpNumThreads: 1 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      try {
        const request = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: V2Input[] };
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of request.inputs) feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data.flat()), input.shape);
        const results = await session.run(feeds);
        const outputs = Object.entries(results).map(([name, t]) => ({ name, datatype: 'FP32', shape: t.dims, data: Array.from(t.data as Float32Array) }));
        const body = JSON.stringify({ model_name: 'naive', outputs });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (err as Error).message }));
      }
    })();
  });
});

server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.once('SIGTERM', () => process.exit(0));
