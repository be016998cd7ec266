/**
 * Feedback: the body's shape (400 naming the field), the error sums against hand-computed values, unknown,
 * expired and duplicate ids counted without failing the batch, and the endpoint on the real server: V2 answers
 * carry an id (the client's own kept), labels posted later move the cairn_feedback_* counters by exactly the
 * sums of the predictions answered.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { addErrors, createLedger, noSums, parseFeedback, scoredOutput, scoreFeedback, type ScoredOutput } from '../../../src/serving/feedback.js';
import { HttpError } from '../../../src/serving/errors.js';
import { PredictionStore } from '../../../src/serving/prediction-store.js';
import type { ModelSignature } from '../../../src/serving/signature.js';
import { post, sample, startServer, type TestServer } from './harness.js';

const regression: ScoredOutput = { name: 'variable', datatype: 'FP32', task: 'regression' };
const classification: ScoredOutput = { name: 'label', datatype: 'INT64', task: 'classification' };

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    return (err as HttpError).message;
  }
  throw new Error('no error');
}

describe('parseFeedback', () => {
  it('takes a number or string per one-row prediction, an array per several rows', () => {
    expect(parseFeedback({ labels: [{ id: 'a', label: 4.5 }, { id: 'b', label: [1, 2] }, { id: 'c', label: 'cat' }] })).toEqual([
      { id: 'a', values: [4.5], field: 'labels[0]', scalar: true },
      { id: 'b', values: [1, 2], field: 'labels[1]', scalar: false },
      { id: 'c', values: ['cat'], field: 'labels[2]', scalar: true },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', [1], 'body: expected a JSON object with "labels"'],
    ['no labels', {}, 'labels: expected a non-empty array of {"id": ..., "label": ...}, got undefined'],
    ['empty labels', { labels: [] }, 'labels: expected a non-empty array'],
    ['labels not an array', { labels: { id: 'a' } }, 'labels: expected a non-empty array of {"id": ..., "label": ...}, got an object'],
    ['an item not an object', { labels: [{ id: 'a', label: 1 }, 7] }, 'labels[1]: expected an object with "id" and "label", got 7'],
    ['no id', { labels: [{ label: 1 }] }, "labels[0].id: expected the prediction's id (a non-empty string), got undefined"],
    ['a numeric id', { labels: [{ id: 3, label: 1 }] }, "labels[0].id: expected the prediction's id (a non-empty string), got 3"],
    ['an empty id', { labels: [{ id: '', label: 1 }] }, 'labels[0].id: expected'],
    ['an id twice', { labels: [{ id: 'a', label: 1 }, { id: 'b', label: 1 }, { id: 'a', label: 2 }] }, 'labels[2].id: "a" is given twice (first at labels[0])'],
    ['no label', { labels: [{ id: 'a' }] }, 'labels[0].label: missing'],
    ['a null label', { labels: [{ id: 'a', label: null }] }, 'labels[0].label: expected a number, a string or an array of them (one per row), got null'],
    ['an object label', { labels: [{ id: 'a', label: { v: 1 } }] }, 'labels[0].label: expected a number, a string or an array of them (one per row), got an object'],
    ['an empty array', { labels: [{ id: 'a', label: [] }] }, 'labels[0].label: expected one value per row of the prediction, got an empty array'],
    ['a nested array', { labels: [{ id: 'a', label: [1, [2]] }] }, 'labels[0].label[1]: expected a number or a string, got an array of 1'],
    ['a boolean', { labels: [{ id: 'a', label: [true] }] }, 'labels[0].label[0]: expected a number or a string, got true'],
  ])('400 for %s', (_what, body, message) => {
    expect(badRequest(() => parseFeedback(body))).toContain(message);
  });
});

describe('error sums', () => {
  it('regression: squared and absolute errors, by hand', () => {
    const sums = noSums();
    addErrors(sums, Float64Array.from([1, 2, 4]), [2, 2, 1], 'regression'); // errors -1, 0, 3
    addErrors(sums, Float64Array.from([10]), [7], 'regression'); // error 3
    expect(sums).toEqual({ rows: 4, squaredError: 19, absoluteError: 7, correct: 0 });
    expect(Math.sqrt(sums.squaredError / sums.rows)).toBeCloseTo(2.179449471770337, 12); // rmse
    expect(sums.absoluteError / sums.rows).toBe(1.75); // mae
  });

  it('classification: a row is correct when the label equals the class, as text', () => {
    const sums = noSums();
    addErrors(sums, ['a', 'b', 'c'], ['a', 'x', 'c'], 'classification');
    addErrors(sums, [1, 0], ['1', 1], 'classification');
    expect(sums).toEqual({ rows: 5, squaredError: 0, absoluteError: 0, correct: 3 });
  });
});

describe('scoreFeedback', () => {
  function filled() {
    const clock = { t: 0 };
    const store = new PredictionStore({ maxRows: 4, maxAgeMs: 1000 }, () => clock.t, 'p');
    const ids = [store.putNew(Float64Array.from([5]))!, store.putNew(Float64Array.from([1, 2]))!];
    store.put('mine', Float64Array.from([3]));
    ids.push(store.putNew(Float64Array.from([0]))!); // crowds out ids[0] (5 rows > 4)
    return { store, ids, clock };
  }

  it('scores the known ids and counts the unknown, expired and duplicate ones', () => {
    const { store, ids } = filled();
    const { answer, sums } = scoreFeedback(store, parseFeedback({ labels: [{ id: ids[1], label: [2, 2] }, { id: 'mine', label: 1 }, { id: ids[0], label: 5 }, { id: 'nope', label: 1 }] }), regression);
    expect(answer).toEqual({ scored: 2, rows: 3, unknown: 1, expired: 1, duplicate: 0, unmatched: [ids[0], 'nope'] });
    expect(sums).toEqual({ rows: 3, squaredError: 1 + 0 + 4, absoluteError: 1 + 0 + 2, correct: 0 });
    const again = scoreFeedback(store, parseFeedback({ labels: [{ id: 'mine', label: 2 }, { id: ids[2], label: 1 }] }), regression);
    expect(again.answer).toMatchObject({ scored: 1, rows: 1, duplicate: 1 });
    expect(again.sums).toEqual({ rows: 1, squaredError: 1, absoluteError: 1, correct: 0 });
  });

  it('a label of the wrong size or type is a 400 naming it, and nothing of the request is scored', () => {
    const { store, ids } = filled();
    expect(badRequest(() => scoreFeedback(store, parseFeedback({ labels: [{ id: 'mine', label: 3 }, { id: ids[1], label: 2 }] }), regression))).toBe(
      `labels[1].label: prediction "${ids[1]}" has 2 rows, got 1 label`,
    );
    expect(badRequest(() => scoreFeedback(store, parseFeedback({ labels: [{ id: ids[1], label: [1, 'x'] }] }), regression))).toBe(
      'labels[0].label[1]: expected a number (output "variable" is FP32: a regression), got "x"',
    );
    expect(badRequest(() => scoreFeedback(store, parseFeedback({ labels: [{ id: 'mine', label: 'x' }] }), regression))).toBe(
      'labels[0].label: expected a number (output "variable" is FP32: a regression), got "x"',
    );
    // 'mine' was not marked: it scores now.
    expect(scoreFeedback(store, parseFeedback({ labels: [{ id: 'mine', label: 3 }] }), regression).answer.scored).toBe(1);
  });

  it('classification takes class names or numbers', () => {
    const store = new PredictionStore({ maxRows: 10, maxAgeMs: 1000 }, () => 0, 'p');
    store.put('a', [1, 0, 2]);
    expect(scoreFeedback(store, parseFeedback({ labels: [{ id: 'a', label: [1, '0', 1] }] }), classification).sums).toEqual({ rows: 3, squaredError: 0, absoluteError: 0, correct: 2 });
  });
});

describe('scoredOutput', () => {
  const spec = (type: 'float32' | 'int64' | 'string', shape: number[]) => ({ name: 'out', type, datatype: type === 'float32' ? 'FP32' : type === 'int64' ? 'INT64' : 'BYTES', shape }) as ModelSignature['outputs'][number];
  it.each([
    [[spec('float32', [-1, 1])], { name: 'out', datatype: 'FP32', task: 'regression' }],
    [[spec('int64', [-1])], { name: 'out', datatype: 'INT64', task: 'classification' }],
    [[spec('string', [-1])], { name: 'out', datatype: 'BYTES', task: 'classification' }],
    [[spec('float32', [-1, 3])], undefined],
    [[], undefined],
  ])('%j -> %j', (outputs, expected) => {
    expect(scoredOutput({ inputs: [], outputs })).toEqual(expected);
  });
});

describe('the feedback endpoint', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const infer = (rows: number[][], id?: string) => ({ ...(id ? { id } : {}), inputs: [{ name: 'input', shape: [rows.length, 3], datatype: 'FP32', data: rows }] });

  it('answers each V2 prediction with an id and scores labels posted later into the counters', async () => {
    const registry = new Registry();
    const predictions = createLedger(registry, { model: 'driver', version: '3', limits: { maxRows: 1000, maxAgeMs: 60_000 } });
    server = await startServer('driver_elasticnet', { name: 'driver', version: '3', predictions });
    const url = `${server.url}/v2/models/driver`;
    const first = await post(`${url}/infer`, infer([[0.5, 0.9, 280], [0.1, 0.2, 30]]));
    const second = await post(`${url}/infer`, infer([[0.7, 0.4, 100]], 'order-17'));
    expect(first.status).toBe(200);
    expect(first.body.id).toMatch(new RegExp(`^${predictions.store.prefix}-0$`));
    expect(second.body.id).toBe('order-17');
    const predicted = (r: typeof first) => (r.body.outputs as Array<{ data: number[] }>)[0]!.data;
    const [p1, p2] = predicted(first);
    const [p3] = predicted(second);

    const answer = await post(`${url}/feedback`, { labels: [{ id: first.body.id, label: [p1! + 2, p2! - 1] }, { id: 'order-17', label: p3! + 4 }, { id: 'never', label: 1 }] });
    expect(answer).toMatchObject({ status: 200, body: { scored: 2, rows: 3, unknown: 1, expired: 0, duplicate: 0, unmatched: ['never'] } });
    const metrics = await registry.metrics();
    const at = { model: 'driver', version: '3' };
    expect(sample(metrics, 'cairn_feedback_rows_total', at)).toBe(3);
    // Errors of -2, 1 and -4 (float32 predictions, labels from their JSON): squares 4 + 1 + 16, absolutes 2 + 1 + 4.
    expect(sample(metrics, 'cairn_feedback_squared_error_sum', at)).toBeCloseTo(21, 4);
    expect(sample(metrics, 'cairn_feedback_absolute_error_sum', at)).toBeCloseTo(7, 5);
    expect(sample(metrics, 'cairn_feedback_correct_total', at)).toBeUndefined(); // a regression exports no correct rows
    expect(sample(metrics, 'cairn_feedback_labels_total', { ...at, outcome: 'scored' })).toBe(2);
    expect(sample(metrics, 'cairn_feedback_labels_total', { ...at, outcome: 'unknown' })).toBe(1);
    expect(sample(metrics, 'cairn_prediction_store_rows', at)).toBe(3);

    const again = await post(`${url}/versions/3/feedback`, { labels: [{ id: 'order-17', label: 0 }] });
    expect(again.body).toMatchObject({ scored: 0, duplicate: 1 });
  });

  it('refuses wrong bodies, other models and methods with the field named', async () => {
    const predictions = createLedger(new Registry(), { model: 'driver', version: '1', limits: { maxRows: 10, maxAgeMs: 60_000 } });
    server = await startServer('driver_elasticnet', { name: 'driver', predictions });
    const url = `${server.url}/v2/models/driver/feedback`;
    expect(await post(url, '{"labels": [')).toMatchObject({ status: 400, body: { error: expect.stringContaining('body: not valid JSON') } });
    expect(await post(url, { labels: [{ id: 'a', label: {} }] })).toMatchObject({ status: 400, body: { error: expect.stringContaining('labels[0].label: expected a number') } });
    expect(await post(`${server.url}/v2/models/other/feedback`, { labels: [{ id: 'a', label: 1 }] })).toMatchObject({ status: 404, body: { error: expect.stringContaining('model: unknown model "other"') } });
    expect(await post(`${server.url}/v2/models/driver/versions/9/feedback`, { labels: [{ id: 'a', label: 1 }] })).toMatchObject({ status: 404 });
    const got = await fetch(url);
    expect(got.status).toBe(405);
  });

  it('a server that keeps no predictions answers no ids and 404 to feedback', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const answer = await post(`${server.url}/v2/models/driver/infer`, infer([[0.5, 0.9, 280]]));
    expect(answer.body).not.toHaveProperty('id');
    expect(await post(`${server.url}/v2/models/driver/feedback`, { labels: [{ id: 'a', label: 1 }] })).toMatchObject({ status: 404, body: { error: expect.stringContaining('keeps no predictions') } });
  });
});
