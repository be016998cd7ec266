/**
 * The Triton extensions of the Open Inference Protocol that Triton's tools call besides inference: model
 * configuration (`GET /v2/models/{name}/config`), statistics (`GET /v2/models[/{name}]/stats`) and the
 * repository index (`POST /v2/repository/index`). The configuration is what cairn serve knows of the model
 * (its signature, no batch dimension split off: `max_batch_size` 0 and full dims); the statistics count
 * inference requests and model runs since the start, in Triton's field names.
 */
import type { ModelSignature, TensorSpec } from './signature.js';

/** The extensions `GET /v2` lists. */
export const EXTENSIONS = ['model_configuration', 'statistics', 'model_repository'];

export function modelConfig(name: string, signature: ModelSignature): object {
  const tensor = (s: TensorSpec) => ({ name: s.name, data_type: `TYPE_${s.datatype === 'BYTES' ? 'STRING' : s.datatype}`, dims: s.shape });
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: 0,
    input: signature.inputs.map(tensor),
    output: signature.outputs.map(tensor),
  };
}

interface Duration {
  count: number;
  ns: number;
}

/** Counters of one model version, in Triton's statistics layout. */
export class ModelStats {
  private readonly success: Duration = { count: 0, ns: 0 };
  private readonly fail: Duration = { count: 0, ns: 0 };
  /** Rows inferred (a request without a batch dimension counts 1). */
  private inferences = 0;
  private lastInferenceMs = 0;

  /** One inference request answered (`ok`) or failed by the server, `seconds` from its start. */
  request(ok: boolean, seconds: number, rows: number): void {
    const d = ok ? this.success : this.fail;
    d.count++;
    d.ns += Math.round(seconds * 1e9);
    if (ok) this.inferences += Math.max(rows, 1);
    this.lastInferenceMs = Date.now();
  }

  /** The statistics; `executions` is the count of model runs (batches). */
  json(name: string, version: string, executions: number): object {
    const zero = { count: 0, ns: 0 };
    return {
      model_stats: [
        {
          name,
          version,
          last_inference: this.lastInferenceMs,
          inference_count: this.inferences,
          execution_count: executions,
          inference_stats: { success: { ...this.success }, fail: { ...this.fail }, queue: zero, compute_input: zero, compute_infer: zero, compute_output: zero, cache_hit: zero, cache_miss: zero },
          batch_stats: [],
        },
      ],
    };
  }
}
