/**
 * Triton's binary tensor data extension over real HTTP with the real ONNX Runtime: a JSON header of
 * Inference-Header-Content-Length bytes, then each input's raw bytes (parameters.binary_data_size); outputs as
 * raw bytes when asked (parameters.binary_data, or binary_data_output for all). Results are compared with
 * numpy's (tests/models/expected.json); the bytes are built here by hand, independently of the server's
 * encoder. Each bad case gets a 400 naming the header or the input, then a correct answer.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLOAD_BYTES } from '../../../src/serving/decoder.js';
import { close, startServer, type TestServer } from './harness.js';
import { expected, type Expected } from './models.js';

let driver: TestServer;
let multi: TestServer;
let want: Expected;

beforeAll(async () => {
  driver = await startServer('driver_elasticnet', { name: 'driver', limits: { maxBodyBytes: 4 << 20, maxElements: 1 << 20 } });
  multi = await startServer('multi_io');
  want = expected();
});
afterAll(async () => {
  await driver?.close();
  await multi?.close();
});

interface BinaryInput {
  name: string;
  datatype: string;
  shape: number[];
  bytes: Uint8Array;
  /** binary_data_size sent (the true size unless a test lies). */
  size?: number;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** BYTES elements as the extension lays them out: a 4-byte little-endian length, then the UTF-8 bytes. */
function stringsBytes(values: string[]): Uint8Array {
  return Buffer.concat(
    values.map((v) => {
      const text = Buffer.from(v, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return Buffer.concat([length, text]);
    }),
  );
}

/** A request body and headers: the JSON header, then the inputs' bytes in order. */
function binaryRequest(inputs: BinaryInput[], extra: Record<string, unknown> = {}, trailing = new Uint8Array()): { body: Buffer; headers: Record<string, string> } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape, parameters: { binary_data_size: i.size ?? i.bytes.length } })),
      ...extra,
    }),
  );
  const body = Buffer.concat([header, ...inputs.map((i) => i.bytes), trailing]);
  return { body, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) } };
}

interface BinaryReply {
  status: number;
  json: Record<string, unknown>;
  /** The raw bytes after the JSON header. */
  raw: Buffer;
  headers: Headers;
}

async function send(url: string, body: Uint8Array, headers: Record<string, string>): Promise<BinaryReply> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const all = Buffer.from(await response.arrayBuffer());
  const length = response.headers.get('inference-header-content-length');
  const headerLength = length === null ? all.length : Number(length);
  return { status: response.status, json: JSON.parse(all.subarray(0, headerLength).toString()) as Record<string, unknown>, raw: all.subarray(headerLength), headers: response.headers };
}

const driverUrl = () => `${driver.url}/v2/models/driver/infer`;
const multiUrl = () => `${multi.url}/v2/models/multi_io/infer`;

function driverInput(rows: number[][], size?: number): BinaryInput {
  return { name: 'input', datatype: 'FP32', shape: [rows.length, 3], bytes: bytesOf(Float32Array.from(rows.flat())), ...(size !== undefined ? { size } : {}) };
}

async function expectCorrectAnswer(): Promise<void> {
  const { body, headers } = binaryRequest([driverInput(want.driver_elasticnet.inputs)], { outputs: [{ name: 'variable', parameters: { binary_data: true } }] });
  const reply = await send(driverUrl(), body, headers);
  expect(reply.status).toBe(200);
  const values = Array.from(new Float32Array(reply.raw.buffer.slice(reply.raw.byteOffset, reply.raw.byteOffset + reply.raw.length)));
  expect(close(values, want.driver_elasticnet.outputs.flat(), 1e-5)).toBe(true);
}

describe('binary tensor data: inputs and outputs', () => {
  it('FP32 in raw bytes, out as raw bytes (binary_data): the predictions of numpy', async () => {
    await expectCorrectAnswer();
  });

  it('binary inputs, JSON outputs when none asks for bytes; gzip-compressed binary bodies are decoded first', async () => {
    const { body, headers } = binaryRequest([driverInput(want.driver_elasticnet.inputs)]);
    for (const [payload, extra] of [
      [body, {}],
      [gzipSync(body), { 'content-encoding': 'gzip' }],
    ] as const) {
      const reply = await send(driverUrl(), payload, { ...headers, ...extra });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('inference-header-content-length')).toBeNull();
      const [output] = reply.json.outputs as { data: number[] }[];
      expect(close(output!.data, want.driver_elasticnet.outputs.flat(), 1e-5)).toBe(true);
    }
  });

  it('every datatype of the multi-input model (BYTES, BOOL, INT64 beyond 2^53, FP64, INT32) in bytes, all outputs as bytes (binary_data_output)', async () => {
    const m = want.multi_io;
    const rows = m.inputs.x!.length;
    const inputs: BinaryInput[] = [
      { name: 'x', datatype: 'FP32', shape: [rows, 2], bytes: bytesOf(Float32Array.from(m.inputs.x!.flat() as number[])) },
      { name: 'count', datatype: 'INT64', shape: [rows, 1], bytes: bytesOf(BigInt64Array.from((m.inputs.count!.flat() as number[]).map(BigInt))) },
      { name: 'flag', datatype: 'BOOL', shape: [rows, 1], bytes: Uint8Array.from((m.inputs.flag!.flat() as boolean[]).map(Number)) },
      { name: 'scale', datatype: 'FP64', shape: [rows, 1], bytes: bytesOf(Float64Array.from(m.inputs.scale!.flat() as number[])) },
      { name: 'level', datatype: 'INT32', shape: [rows, 1], bytes: bytesOf(Int32Array.from(m.inputs.level!.flat() as number[])) },
      { name: 'city', datatype: 'BYTES', shape: [rows, 1], bytes: stringsBytes(m.inputs.city!.flat() as string[]) },
    ];
    const { body, headers } = binaryRequest(inputs, { parameters: { binary_data_output: true } });
    const reply = await send(multiUrl(), body, headers);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/octet-stream');
    const outputs = reply.json.outputs as { name: string; datatype: string; shape: number[]; parameters: { binary_data_size: number }; data?: unknown }[];
    let at = 0;
    const decoded: Record<string, unknown[]> = {};
    for (const o of outputs) {
      expect(o.data).toBeUndefined();
      const bytes = reply.raw.subarray(at, at + o.parameters.binary_data_size);
      at += o.parameters.binary_data_size;
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      if (o.datatype === 'FP32') decoded[o.name] = Array.from(new Float32Array(buffer));
      else if (o.datatype === 'FP64') decoded[o.name] = Array.from(new Float64Array(buffer));
      else if (o.datatype === 'INT64') decoded[o.name] = Array.from(new BigInt64Array(buffer), Number);
      else if (o.datatype === 'BOOL') decoded[o.name] = Array.from(new Uint8Array(buffer), Boolean);
      else if (o.datatype === 'INT32') decoded[o.name] = Array.from(new Int32Array(buffer));
      else throw new Error(`unexpected output datatype ${o.datatype}`);
    }
    expect(at).toBe(reply.raw.length);
    expect(outputs.map((o) => o.name).sort()).toEqual(Object.keys(m.outputs).sort());
    for (const [name, values] of Object.entries(m.outputs)) expect(close(decoded[name], values.flat(), 1e-6), name).toBe(true);
  });

  it('one output as bytes and the other as JSON when only one asks (binary_data per output)', async () => {
    const m = want.multi_io;
    const rows = m.inputs.x!.length;
    const json = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [rows, 2], data: m.inputs.x!.flat() },
        { name: 'count', datatype: 'INT64', shape: [rows, 1], data: m.inputs.count!.flat() },
        { name: 'flag', datatype: 'BOOL', shape: [rows, 1], data: m.inputs.flag!.flat() },
        { name: 'scale', datatype: 'FP64', shape: [rows, 1], data: m.inputs.scale!.flat() },
        { name: 'level', datatype: 'INT32', shape: [rows, 1], data: m.inputs.level!.flat() },
        { name: 'city', datatype: 'BYTES', shape: [rows, 1], data: m.inputs.city!.flat() },
      ],
      outputs: [{ name: 'level_sq', parameters: { binary_data: true } }, { name: 'flag_not', parameters: { binary_data: false } }],
    };
    const reply = await send(multiUrl(), Buffer.from(JSON.stringify(json)), { 'content-type': 'application/json' });
    expect(reply.status).toBe(200);
    const outputs = reply.json.outputs as { name: string; data?: unknown; parameters?: { binary_data_size: number } }[];
    expect(outputs.find((o) => o.name === 'flag_not')).toMatchObject({ data: m.outputs.flag_not!.flat() });
    expect(outputs.find((o) => o.name === 'level_sq')).toMatchObject({ parameters: { binary_data_size: 4 * rows } });
    expect(Array.from(new Int32Array(reply.raw.buffer.slice(reply.raw.byteOffset, reply.raw.byteOffset + reply.raw.length)))).toEqual(m.outputs.level_sq!.flat());
  });

  it('a binary body of OFFLOAD_BYTES or more (decoded in the worker thread) gives the same answers; raw bytes that look like brackets are not JSON nesting', async () => {
    const base = want.driver_elasticnet.inputs;
    const rows = Math.ceil(OFFLOAD_BYTES / 12) + 1;
    const many = Array.from({ length: rows }, (_, i) => base[i % base.length]!);
    const { body, headers } = binaryRequest([driverInput(many)], { parameters: { binary_data_output: true } });
    expect(body.length).toBeGreaterThan(OFFLOAD_BYTES);
    const reply = await send(driverUrl(), body, headers);
    expect(reply.status).toBe(200);
    const values = new Float32Array(reply.raw.buffer.slice(reply.raw.byteOffset, reply.raw.byteOffset + reply.raw.length));
    expect(values.length).toBe(rows);
    const wantOut = want.driver_elasticnet.outputs.flat();
    expect(close(Array.from(values.subarray(0, wantOut.length * 2)), [...wantOut, ...wantOut], 1e-5)).toBe(true);
    // 64 x '[' (0x5b) bytes as floats: far deeper than the nesting limit if they were scanned as JSON.
    const brackets = new Uint8Array(12 * 22).fill(0x5b);
    const deep = binaryRequest([{ name: 'input', datatype: 'FP32', shape: [22, 3], bytes: brackets }]);
    expect((await send(driverUrl(), deep.body, deep.headers)).status).toBe(200);
  });
});

interface BadCase {
  name: string;
  url?: () => string;
  request: () => { body: Uint8Array; headers: Record<string, string> };
  error: string;
}

const rows = () => expected().driver_elasticnet.inputs;
const withHeader = (r: { body: Buffer; headers: Record<string, string> }, value: string) => ({ body: r.body, headers: { ...r.headers, 'inference-header-content-length': value } });

const BAD: BadCase[] = [
  {
    name: 'header length past the end of the body',
    request: () => {
      const r = binaryRequest([driverInput(rows())]);
      return withHeader(r, String(r.body.length + 1));
    },
    error: 'Inference-Header-Content-Length: ',
  },
  { name: 'header length not a number', request: () => withHeader(binaryRequest([driverInput(rows())]), 'twelve'), error: 'Inference-Header-Content-Length: expected a byte count, got "twelve"' },
  { name: 'header length negative', request: () => withHeader(binaryRequest([driverInput(rows())]), '-1'), error: 'Inference-Header-Content-Length: expected a byte count, got "-1"' },
  {
    name: 'header length one short (the JSON is cut)',
    request: () => {
      const r = binaryRequest([driverInput(rows())]);
      return withHeader(r, String(Number(r.headers['inference-header-content-length']) - 1));
    },
    error: 'body: not valid JSON',
  },
  {
    name: 'binary_data_size one byte under what the shape needs',
    request: () => {
      const input = driverInput(rows());
      return binaryRequest([{ ...input, bytes: input.bytes.subarray(1) }]);
    },
    error: `inputs[0].parameters.binary_data_size: input "input" of shape [${rows().length},3] FP32 needs ${rows().length * 12} bytes (${rows().length * 3} elements of 4), got ${rows().length * 12 - 1}`,
  },
  {
    name: 'binary_data_size one byte over what the shape needs',
    request: () => {
      const input = driverInput(rows());
      return binaryRequest([{ ...input, bytes: Buffer.concat([input.bytes, Buffer.alloc(1)]) }]);
    },
    error: `inputs[0].parameters.binary_data_size: input "input" of shape [${rows().length},3] FP32 needs ${rows().length * 12} bytes (${rows().length * 3} elements of 4), got ${rows().length * 12 + 1}`,
  },
  {
    name: 'binary_data_size larger than the binary part',
    request: () => binaryRequest([driverInput(rows(), rows().length * 12 + 4)]),
    error: `inputs[0].parameters.binary_data_size: ${rows().length * 12 + 4} bytes, but only ${rows().length * 12} bytes of binary data remain`,
  },
  {
    name: 'bytes left over after the inputs',
    request: () => binaryRequest([driverInput(rows())], {}, new Uint8Array(4)),
    error: `body: ${rows().length * 12 + 4} bytes of binary data follow the JSON header (Inference-Header-Content-Length), but the inputs' parameters.binary_data_size add up to ${rows().length * 12}`,
  },
  {
    name: 'binary_data_size not an integer',
    request: () => binaryRequest([driverInput(rows(), 1.5)]),
    error: 'inputs[0].parameters.binary_data_size: expected a non-negative integer, got 1.5',
  },
  {
    name: 'binary_data_size without a binary part',
    request: () => {
      const r = binaryRequest([driverInput(rows())]);
      const length = Number(r.headers['inference-header-content-length']);
      return { body: r.body.subarray(0, length), headers: { 'content-type': 'application/json' } };
    },
    error: 'inputs[0].parameters.binary_data_size: given, but the request has no binary part (no Inference-Header-Content-Length header)',
  },
  {
    name: 'NaN in raw FP32 bytes without --allow-nan',
    request: () => binaryRequest([{ ...driverInput([[1, 2, 3]]), bytes: bytesOf(Float32Array.from([1, Number.NaN, 3])) }]),
    error: 'inputs[0].parameters.binary_data_size: element 1 of input "input" of shape [1,3] FP32 is NaN; expected a finite number',
  },
  {
    name: 'binary_data not a boolean',
    request: () => binaryRequest([driverInput(rows())], { outputs: [{ name: 'variable', parameters: { binary_data: 'yes' } }] }),
    error: 'outputs[0].parameters.binary_data: expected true or false, got "yes"',
  },
  {
    name: 'binary_data_output not a boolean',
    request: () => binaryRequest([driverInput(rows())], { parameters: { binary_data_output: 1 } }),
    error: 'parameters.binary_data_output: expected true or false, got 1',
  },
  {
    name: 'the extension on the V1 protocol',
    url: () => `${driver.url}/v1/models/driver:predict`,
    request: () => binaryRequest([driverInput(rows())]),
    error: 'Inference-Header-Content-Length: the binary tensor data extension is served on /v2/models/{name}/infer only; send JSON here',
  },
];

describe('binary tensor data: bad requests', () => {
  it.each(BAD)('$name: 400 naming the header or the input, then a correct answer', async (c) => {
    const { body, headers } = c.request();
    const response = await fetch((c.url ?? driverUrl)(), { method: 'POST', body, headers });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(c.error);
    await expectCorrectAnswer();
  });

  it('BYTES elements whose lengths overrun, or leave bytes over, name the input', async () => {
    const m = want.multi_io;
    const inputs = (city: Uint8Array): BinaryInput[] => [
      { name: 'x', datatype: 'FP32', shape: [1, 2], bytes: bytesOf(Float32Array.from([1, 2])) },
      { name: 'count', datatype: 'INT64', shape: [1, 1], bytes: bytesOf(BigInt64Array.from([3n])) },
      { name: 'flag', datatype: 'BOOL', shape: [1, 1], bytes: Uint8Array.from([1]) },
      { name: 'scale', datatype: 'FP64', shape: [1, 1], bytes: bytesOf(Float64Array.from([0.5])) },
      { name: 'level', datatype: 'INT32', shape: [1, 1], bytes: bytesOf(Int32Array.from([2])) },
      { name: 'city', datatype: 'BYTES', shape: [1, 1], bytes: city },
    ];
    const good = stringsBytes(['hcm']);
    const cases: [Uint8Array, string][] = [
      [good.subarray(0, good.length - 1), 'inputs[5].parameters.binary_data_size: element 0 declares 3 bytes but only 2 remain'],
      [Buffer.concat([good, Buffer.from([1])]), 'inputs[5].parameters.binary_data_size: 1 bytes remain after the 1 elements of the shape'],
      [good.subarray(0, 2), 'inputs[5].parameters.binary_data_size: element 0 of 1 starts past the end of the 2 bytes given'],
      [stringsBytes(['\u00e9']).map((b, i) => (i === 4 ? 0xff : b)), 'inputs[5].parameters.binary_data_size: element 0 is not valid UTF-8'],
    ];
    for (const [city, error] of cases) {
      const { body, headers } = binaryRequest(inputs(city));
      const reply = await send(multiUrl(), body, headers);
      expect(reply, error).toMatchObject({ status: 400, json: { error } });
    }
    const { body, headers } = binaryRequest(inputs(good), { parameters: { binary_data_output: true }, outputs: [{ name: 'city_code' }] });
    const reply = await send(multiUrl(), body, headers);
    expect(reply.status).toBe(200);
    expect(Array.from(new BigInt64Array(reply.raw.buffer.slice(reply.raw.byteOffset, reply.raw.byteOffset + reply.raw.length)), Number)).toEqual([m.outputs.city_code![0]![0]]);
  });
});
