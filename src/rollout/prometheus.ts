/**
 * The Prometheus metrics provider of the rollout analysis: one instant PromQL query over Prometheus' HTTP API
 * (`GET /api/v1/query`), reduced to one number. The query must give one value: a scalar, or a vector of one
 * series (wrap others in sum() or max()); an empty vector is no value (Inconclusive: nothing was measured).
 */

export type PrometheusErrorReason = 'Unreachable' | 'QueryFailed' | 'NotOneSeries' | 'BadAnswer';

export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
  constructor(
    readonly reason: PrometheusErrorReason,
    message: string,
  ) {
    super(message);
  }
}

interface QueryAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

/** The number a query's answer holds (undefined: an empty vector). Pure. */
export function valueOfAnswer(query: string, answer: QueryAnswer): number | undefined {
  if (answer.status !== 'success') throw new PrometheusError('QueryFailed', `query ${JSON.stringify(query)} failed: ${answer.errorType ?? 'error'}: ${answer.error ?? 'no reason given'}`);
  const { resultType, result } = answer.data ?? {};
  const number = (pair: unknown): number => {
    const text = Array.isArray(pair) ? pair[1] : undefined;
    if (typeof text !== 'string') throw new PrometheusError('BadAnswer', `query ${JSON.stringify(query)}: the answer's value is not [time, "number"]`);
    return Number(text); // "NaN", "+Inf" and "-Inf" are numbers too; a NaN is judged as no value
  };
  if (resultType === 'scalar') return number(result);
  if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return undefined;
    if (result.length > 1) throw new PrometheusError('NotOneSeries', `query ${JSON.stringify(query)} gives ${result.length} series; an analysis needs one number: wrap it in sum(), max() or avg()`);
    return number((result[0] as { value?: unknown }).value);
  }
  throw new PrometheusError('NotOneSeries', `query ${JSON.stringify(query)} gives a ${resultType ?? 'missing'} result; an analysis needs a scalar or a vector of one series`);
}

/** Runs `query` against the Prometheus at `address` (http(s)://host:port[/prefix]) at this instant. */
export async function queryPrometheus(address: string, query: string, options: { signal?: AbortSignal; timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<number | undefined> {
  const url = new URL(`${address.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', query);
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.any(signals), headers: { accept: 'application/json' } });
  } catch (error) {
    throw new PrometheusError('Unreachable', `Prometheus at ${address} cannot be reached: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await response.text();
  let answer: QueryAnswer;
  try {
    answer = JSON.parse(text) as QueryAnswer;
  } catch {
    throw new PrometheusError('BadAnswer', `Prometheus at ${address} answered HTTP ${response.status} with no JSON: ${text.slice(0, 200)}`);
  }
  return valueOfAnswer(query, answer);
}
