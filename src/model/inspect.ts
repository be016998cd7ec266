/**
 * inspectModel: what `cairn model inspect` does in the ModelVersion's Job. Fetches the model with
 * fetchVerified (nothing unverified is ever parsed: a wrong sha256 is ChecksumMismatch and the bytes are gone),
 * loads it in ONNX Runtime (ModelUnloadable when it cannot), and reads its signature. The file lives in a
 * temporary folder that is removed whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { fetchVerified } from '../storage/fetch-verified.js';
import type { Storage } from '../storage/types.js';
import { displayUri } from '../storage/uri.js';
import { ModelError } from './errors.js';
import { signatureOf, type ModelSignature } from './signature.js';

export interface InspectOptions {
  uri: string;
  /** The expected sha256 (64 hex digits, optionally `sha256:`-prefixed). */
  sha256: string;
  storage: Storage;
  /** Where the temporary copy goes (default the OS's temporary folder; /tmp is the Job's emptyDir). */
  workDir?: string;
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface InspectResult {
  uri: string;
  sha256: string;
  size: number;
  signature: ModelSignature;
}

/** ONNX Runtime's messages can run to pages (a protobuf dump): the first line, bounded. */
function shortReason(error: unknown): string {
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  // ORT names the temporary copy it was given; the URI already says which model.
  const text = first.replace(/^Load model from \S+ failed:\s*/, '');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

export async function inspectModel(options: InspectOptions): Promise<InspectResult> {
  const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'cairn-model-'));
  try {
    const fetched = await fetchVerified(options.storage, options.uri, { sha256: options.sha256, to: join(dir, 'model.onnx'), maxBytes: options.maxBytes, signal: options.signal });
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(fetched.path, { logSeverityLevel: 4, intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (error) {
      throw new ModelError('ModelUnloadable', `ONNX Runtime could not load ${displayUri(options.uri)} (corrupt, truncated, or not an ONNX model): ${shortReason(error)}`);
    }
    try {
      return { uri: fetched.uri, sha256: fetched.sha256, size: fetched.size, signature: signatureOf(session) };
    } finally {
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
