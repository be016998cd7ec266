/**
 * Ground truth that arrives after the prediction (docs/contracts.md §2, "Feedback"): the body of
 * `POST /v2/models/{name}/feedback` parsed (pure, errors naming the field), matched by prediction id against the
 * prediction store (prediction-store.ts), and scored into counters of sums, so a live rmse, mae or accuracy is a
 * ratio of two counter increases: it adds up across replicas and over any window (src/rollout/analysis.ts,
 * src/drift/performance.ts).
 *
 * The scored output is the model's first: a float output is a regression (squared and absolute errors), any
 * other type a classification (a label equal to the predicted class is correct). It must hold one value per row
 * (shape [n] or [n, 1]); a model whose first output does not is served without a store.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { isFloat, type TensorMap, type TensorValue } from './datatypes.js';
import { badRequest, HttpError, quote, show } from './errors.js';
import { PredictionStore, type PredictedValues, type PredictionStoreLimits, type RowValues } from './prediction-store.js';
import type { ModelSignature } from './signature.js';

export type Task = 'regression' | 'classification';

export interface ScoredOutput {
  name: string;
  datatype: string;
  task: Task;
}

/** The output feedback is scored against, or undefined when the first output has not one value per row. */
export function scoredOutput(signature: ModelSignature): ScoredOutput | undefined {
  const first = signature.outputs[0];
  if (!first) return undefined;
  const { shape } = first;
  const perRow = shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || shape[1] === -1));
  if (!perRow) return undefined;
  return { name: first.name, datatype: first.datatype, task: isFloat(first.type) ? 'regression' : 'classification' };
}

/**
 * The values of an output tensor with one value per row ([n] or [n, 1]), as they are (the store copies them);
 * undefined for any other shape.
 */
export function predictedValues(value: TensorValue | undefined): RowValues | undefined {
  if (!value) return undefined;
  const { dims, data } = value;
  return dims.length === 1 || (dims.length === 2 && dims[1] === 1) ? data : undefined;
}

/** One label of the body: the prediction's id and one value per row of it. */
export interface FeedbackLabel {
  id: string;
  values: Array<number | string>;
  /** `labels[i]`, for messages. */
  field: string;
  /** Given as one value rather than an array. */
  scalar: boolean;
}

/** Most labels in one feedback request (the body size bounds it too). */
export const MAX_LABELS = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isValue = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';

/**
 * Parses `{"labels": [{"id": "...", "label": 4.2}, {"id": "...", "label": [1, 0]}]}`: a label is a number or a
 * string (a prediction of one row) or an array of them (one per row). 400 naming the field otherwise.
 */
export function parseFeedback(body: unknown): FeedbackLabel[] {
  if (!isObject(body)) throw badRequest('body: expected a JSON object with "labels"');
  const labels = body.labels;
  if (!Array.isArray(labels) || labels.length === 0) throw badRequest(`labels: expected a non-empty array of {"id": ..., "label": ...}, got ${show(labels)}`);
  if (labels.length > MAX_LABELS) throw badRequest(`labels: ${labels.length} labels, more than ${MAX_LABELS} in one request`);
  const seen = new Map<string, number>();
  return labels.map((item: unknown, i): FeedbackLabel => {
    const field = `labels[${i}]`;
    if (!isObject(item)) throw badRequest(`${field}: expected an object with "id" and "label", got ${show(item)}`);
    const { id, label } = item;
    if (typeof id !== 'string' || id === '') throw badRequest(`${field}.id: expected the prediction's id (a non-empty string), got ${show(id)}`);
    const first = seen.get(id);
    if (first !== undefined) throw badRequest(`${field}.id: ${quote(id)} is given twice (first at labels[${first}])`);
    seen.set(id, i);
    if (label === undefined) throw badRequest(`${field}.label: missing`);
    if (isValue(label)) return { id, values: [label], field, scalar: true };
    if (!Array.isArray(label)) throw badRequest(`${field}.label: expected a number, a string or an array of them (one per row), got ${show(label)}`);
    if (label.length === 0) throw badRequest(`${field}.label: expected one value per row of the prediction, got an empty array`);
    label.forEach((v: unknown, j) => {
      if (!isValue(v)) throw badRequest(`${field}.label[${j}]: expected a number or a string, got ${show(v)}`);
    });
    return { id, values: label as Array<number | string>, field, scalar: false };
  });
}

/** The sums one feedback request adds (rows scored; errors for a regression, correct rows for a classification). */
export interface ErrorSums {
  rows: number;
  squaredError: number;
  absoluteError: number;
  correct: number;
}

export const noSums = (): ErrorSums => ({ rows: 0, squaredError: 0, absoluteError: 0, correct: 0 });

/** Adds one prediction's rows against their labels into `sums`. */
export function addErrors(sums: ErrorSums, predicted: PredictedValues, labels: ReadonlyArray<number | string>, task: Task): void {
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const l = labels[i]!;
    sums.rows++;
    if (task === 'regression') {
      const error = (p as number) - (l as number);
      sums.squaredError += error * error;
      sums.absoluteError += Math.abs(error);
    } else if (String(p) === String(l)) sums.correct++;
  }
}

/** The answer of a feedback request. */
export interface FeedbackAnswer {
  /** Labels matched with a prediction and scored. */
  scored: number;
  /** Rows scored (a prediction of several rows takes a label per row). */
  rows: number;
  /** Ids this process never held (or a client's own id no longer held). */
  unknown: number;
  /** Generated ids whose predictions were evicted (older than --feedback-max-age-s, or crowded out). */
  expired: number;
  /** Ids labelled before: not scored again. */
  duplicate: number;
  /** The first unknown and expired ids, for the client to look at. */
  unmatched: string[];
}

const MAX_UNMATCHED_SHOWN = 10;

/**
 * Matches labels with stored predictions and scores them. Every label is checked before any is scored (a label
 * of the wrong size or type is a 400 naming it, and nothing of the request counts); unknown, expired and
 * duplicate ids are counted, and the rest of the batch still scores.
 */
export function scoreFeedback(store: PredictionStore, labels: readonly FeedbackLabel[], output: ScoredOutput): { answer: FeedbackAnswer; sums: ErrorSums } {
  const answer: FeedbackAnswer = { scored: 0, rows: 0, unknown: 0, expired: 0, duplicate: 0, unmatched: [] };
  const matched: Array<{ label: FeedbackLabel; values: PredictedValues; mark(): void }> = [];
  for (const label of labels) {
    const found = store.get(label.id);
    if (found.kind !== 'found') {
      answer[found.kind]++;
      if (answer.unmatched.length < MAX_UNMATCHED_SHOWN) answer.unmatched.push(label.id);
      continue;
    }
    const { prediction, markLabelled } = found;
    if (prediction.labelled) {
      answer.duplicate++;
      continue;
    }
    if (label.values.length !== prediction.values.length) {
      throw badRequest(`${label.field}.label: prediction ${quote(label.id)} has ${prediction.values.length} rows, got ${label.values.length} label${label.values.length === 1 ? '' : 's'}`);
    }
    if (output.task === 'regression') {
      const bad = label.values.findIndex((v) => typeof v !== 'number');
      if (bad !== -1) {
        const at = label.scalar ? `${label.field}.label` : `${label.field}.label[${bad}]`;
        throw badRequest(`${at}: expected a number (output "${output.name}" is ${output.datatype}: a regression), got ${show(label.values[bad])}`);
      }
    }
    matched.push({ label, values: prediction.values, mark: markLabelled });
  }
  const sums = noSums();
  for (const m of matched) {
    addErrors(sums, m.values, m.label.values, output.task);
    m.mark();
    answer.scored++;
  }
  answer.rows = sums.rows;
  return { answer, sums };
}

/** The feedback counters of one model version (docs/contracts.md §2, Metrics). */
export class FeedbackMetrics {
  private readonly labels: Counter<'model' | 'version' | 'outcome'>;
  private readonly rows: Counter<'model' | 'version'>;
  private readonly squared: Counter<'model' | 'version'>;
  private readonly absolute: Counter<'model' | 'version'>;
  private readonly correct: Counter<'model' | 'version'>;

  constructor(
    registry: Registry,
    private readonly model: string,
    private readonly version: string,
    store: PredictionStore,
  ) {
    const registers = [registry];
    const labelNames = ['model', 'version'] as const;
    this.labels = new Counter({ name: 'cairn_feedback_labels_total', help: 'Labels received at the feedback endpoint, by outcome: scored, unknown, expired, duplicate.', labelNames: [...labelNames, 'outcome'], registers });
    this.rows = new Counter({ name: 'cairn_feedback_rows_total', help: 'Prediction rows scored against a label.', labelNames, registers });
    this.squared = new Counter({ name: 'cairn_feedback_squared_error_sum', help: 'Sum of squared errors of the scored rows (regression).', labelNames, registers });
    this.absolute = new Counter({ name: 'cairn_feedback_absolute_error_sum', help: 'Sum of absolute errors of the scored rows (regression).', labelNames, registers });
    this.correct = new Counter({ name: 'cairn_feedback_correct_total', help: 'Scored rows whose predicted class equals the label (classification).', labelNames, registers });
    for (const outcome of ['scored', 'unknown', 'expired', 'duplicate']) this.labels.labels(model, version, outcome).inc(0);
    this.rows.labels(model, version).inc(0);
    new Gauge({
      name: 'cairn_prediction_store_rows',
      help: 'Prediction rows held for feedback.',
      labelNames,
      registers,
      collect() {
        this.labels(model, version).set(store.rows);
      },
    });
  }

  /**
   * Creates the series of the model's task at 0, once it is known: the error sums for a regression, the correct
   * rows for a classification. Only those exist, so a reader tells the task by which ones it finds.
   */
  start(task: Task): void {
    const counters = task === 'regression' ? [this.squared, this.absolute] : [this.correct];
    for (const counter of counters) counter.labels(this.model, this.version).inc(0);
  }

  record(answer: FeedbackAnswer, sums: ErrorSums, task: Task): void {
    const { model, version } = this;
    for (const outcome of ['scored', 'unknown', 'expired', 'duplicate'] as const) if (answer[outcome] > 0) this.labels.labels(model, version, outcome).inc(answer[outcome]);
    if (sums.rows === 0) return;
    this.rows.labels(model, version).inc(sums.rows);
    if (task === 'regression') {
      this.squared.labels(model, version).inc(sums.squaredError);
      this.absolute.labels(model, version).inc(sums.absoluteError);
    } else this.correct.labels(model, version).inc(sums.correct);
  }
}

/** What the server asks of the feedback loop: an id for each prediction it answers, and the feedback endpoint. */
export interface PredictionLedger {
  /**
   * Keeps the prediction of a V2 request (its outputs) and returns the id to answer with: the client's own, else
   * a new one; undefined (no id) when predictions are not kept.
   */
  remember(id: string | undefined, outputs: TensorMap, signature: ModelSignature): string | undefined;
  /** Scores a feedback body; HttpError for a body of the wrong shape or a model whose predictions are not kept. */
  feedback(body: unknown, signature: ModelSignature): FeedbackAnswer;
}

export interface LedgerOptions {
  model: string;
  version: string;
  limits: PredictionStoreLimits;
  /** ms clock. */
  now?(): number;
}

export function createLedger(registry: Registry, options: LedgerOptions): PredictionLedger & { store: PredictionStore } {
  const store = new PredictionStore(options.limits, options.now ?? (() => performance.now()));
  const metrics = new FeedbackMetrics(registry, options.model, options.version, store);
  const outputs = new WeakMap<ModelSignature, ScoredOutput | null>();
  const outputOf = (signature: ModelSignature): ScoredOutput | undefined => {
    let found = outputs.get(signature);
    if (found === undefined) {
      outputs.set(signature, (found = scoredOutput(signature) ?? null));
      if (found) metrics.start(found.task);
    }
    return found ?? undefined;
  };
  return {
    store,
    remember(id, tensors, signature) {
      const output = store.enabled ? outputOf(signature) : undefined;
      if (!output) return id;
      const values = predictedValues(tensors[output.name]);
      if (!values) return id;
      if (id === undefined) return store.putNew(values);
      store.put(id, values);
      return id;
    },
    feedback(body, signature) {
      if (!store.enabled) throw new HttpError(404, `feedback: predictions are not kept (--feedback-max-rows 0); this server takes no feedback`);
      const output = outputOf(signature);
      if (!output) {
        const first = signature.outputs[0];
        throw new HttpError(409, `feedback: the model's first output ${first ? `"${first.name}" of shape [${first.shape.join(',')}]` : ''} has not one value per row; its predictions are not kept`);
      }
      const labels = parseFeedback(body);
      const { answer, sums } = scoreFeedback(store, labels, output);
      metrics.record(answer, sums, output.task);
      return answer;
    },
  };
}
