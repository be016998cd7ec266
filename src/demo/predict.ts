/**
 * The demo's client: rows of the example data sent one request each through a Deployment's route Service, as a
 * KServe V2 client would, with the model's input name read from its metadata.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/**
 * One POST on a connection of its own: a Service balances connections, not requests, so requests kept on one
 * connection would all reach one pod, and a canary's pods would see none of them.
 */
function postOnNewConnection(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface Predictions {
  sent: number;
  ok: number;
  /** One answer, for the progress line: `inputs -> output`. */
  example: string;
}

/** The feature columns of the example CSV (the demo's own file: no quoted fields), `count` rows from the top. */
export function featureRows(csvText: string, columns: readonly string[], count: number): number[][] {
  const [header, ...lines] = csvText.trim().split('\n');
  const names = (header ?? '').split(',');
  const index = columns.map((c) => {
    const at = names.indexOf(c);
    if (at < 0) throw new Error(`the data has no column ${c} (columns: ${names.join(', ')})`);
    return at;
  });
  return lines.slice(0, count).map((line) => {
    const cells = line.split(',');
    return index.map((i) => Number(cells[i]));
  });
}

const DEFAULT_FEATURES = ['conv_rate', 'acc_rate', 'avg_daily_trips'];

type ModelInput = { name: string; datatype: string };

/** The model's first input, from its V2 metadata. */
async function modelInput(baseUrl: string, model: string): Promise<ModelInput> {
  const metadata = (await (await fetch(`${baseUrl}/v2/models/${model}`, { signal: AbortSignal.timeout(10_000) })).json()) as { inputs?: ModelInput[] };
  const input = metadata.inputs?.[0];
  if (!input) throw new Error(`model ${model} has no inputs in its metadata`);
  return input;
}

/** One row inferred on a connection of its own: the first output's first value, undefined when the answer is not a 200. */
async function inferRow(baseUrl: string, model: string, input: ModelInput, row: readonly number[]): Promise<{ value: number | undefined } | undefined> {
  const body = JSON.stringify({ inputs: [{ name: input.name, shape: [1, row.length], datatype: input.datatype, data: row }] });
  const answer = await postOnNewConnection(`${baseUrl}/v2/models/${model}/infer`, body);
  if (answer.status !== 200) return undefined;
  return { value: (JSON.parse(answer.body) as { outputs?: Array<{ data?: number[] }> }).outputs?.[0]?.data?.[0] };
}

/** `inputs -> output`, for the progress line. */
function exampleOf(features: readonly string[], row: readonly number[], value: number | undefined): string {
  return `${features.map((f, i) => `${f}=${row[i]}`).join(' ')} -> ${value?.toFixed(3) ?? '?'}`;
}

export async function predictThroughRoute(baseUrl: string, model: string, csvFile: string, count: number, features = DEFAULT_FEATURES): Promise<Predictions> {
  const input = await modelInput(baseUrl, model);
  const rows = featureRows(readFileSync(csvFile, 'utf8'), features, count);
  const result: Predictions = { sent: rows.length, ok: 0, example: '' };
  for (const row of rows) {
    const answered = await inferRow(baseUrl, model, input, row);
    if (!answered) continue;
    result.ok += 1;
    if (!result.example) result.example = exampleOf(features, row, answered.value);
  }
  return result;
}

export interface Traffic {
  /** Stops sending; resolves with what was sent and answered. */
  stop(): Promise<Predictions>;
}

/**
 * Live traffic: the rows of `csvFile` one request at a time, round and round, through the route Service until
 * stopped, so a canary has requests to be analysed on and the DriftMonitor samples to judge. A failed request
 * is counted, not thrown (a pod may be replaced meanwhile).
 */
export function startTraffic(baseUrl: string, model: string, csvFile: string, options: { everyMs?: number; features?: string[] } = {}): Traffic {
  const features = options.features ?? DEFAULT_FEATURES;
  // Up to about 60 requests a second: enough for a canary's analysis and the drift checks, little CPU taken from the trainers.
  const everyMs = options.everyMs ?? 15;
  const rows = featureRows(readFileSync(csvFile, 'utf8'), features, Number.MAX_SAFE_INTEGER);
  let stopped = false;
  const result: Predictions = { sent: 0, ok: 0, example: '' };
  const loop = (async () => {
    let input: ModelInput | undefined;
    for (let i = 0; !stopped; i = (i + 1) % rows.length) {
      try {
        input ??= await modelInput(baseUrl, model);
        const row = rows[i]!;
        result.sent += 1;
        const answered = await inferRow(baseUrl, model, input, row);
        if (answered) {
          result.ok += 1;
          if (!result.example) result.example = exampleOf(features, row, answered.value);
        }
      } catch {
        // Counted as sent and not answered; the next request goes on.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return result;
    },
  };
}
