/**
 * `POST /v2/models/{name}[/versions/{v}]/feedback` (docs/contracts.md §2, "Feedback"): the body read under the
 * same admission and size limit as an inference request, then scored by the prediction ledger (feedback.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Ticket } from './admission.js';
import { checkDeclaredLength, contentEncoding, declaredLength, parseJson, readBody } from './body.js';
import type { PredictionLedger } from './feedback.js';
import { HttpError } from './errors.js';
import type { ServedModel } from './served-model.js';

export interface FeedbackDeps {
  ledger: PredictionLedger | undefined;
  maxBodyBytes: number;
  checkModel(r: { model: string; version?: string }): ServedModel;
  admit(bytes: number | undefined): Ticket;
}

/** The JSON answer of a feedback request; HttpError for the request's faults. */
export async function handleFeedback(req: IncomingMessage, r: { model: string; version?: string }, deps: FeedbackDeps): Promise<string> {
  const served = deps.checkModel(r);
  if (!deps.ledger) throw new HttpError(404, 'feedback: this server keeps no predictions; it takes no feedback');
  checkDeclaredLength(req, deps.maxBodyBytes);
  contentEncoding(req.headers);
  const ticket = deps.admit(declaredLength(req));
  let raw: Buffer;
  try {
    raw = await readBody(req, deps.maxBodyBytes, ticket);
  } finally {
    ticket.release();
  }
  return JSON.stringify(deps.ledger.feedback(parseJson(raw), served.signature));
}
