import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { OperatorMetrics } from '../metrics.js';
import { verifyGitWebhook } from './signature.js';

/** What the webhook receiver needs from the GitSource side, injected. */
export interface GitWebhookCallbacks {
  /** The webhook secret of GitSource namespace/name, or undefined if there is no such source or no secret. */
  lookupSecret(namespace: string, name: string): Promise<string | Buffer | undefined>;
  /** Starts a sync of that GitSource now (enqueue, or ask the leader). */
  triggerSync(namespace: string, name: string): Promise<void> | void;
}

export interface GitWebhookOptions {
  callbacks: GitWebhookCallbacks;
  log: Logger;
  metrics?: OperatorMetrics;
  /** Largest accepted payload. Default 5 MiB. */
  bodyLimit?: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `POST /hooks/git/{namespace}/{name}`: verifies the delivery's signature against the GitSource's secret on
 * the raw body, then triggers a sync. 202 when triggered; 401 for a missing, malformed or wrong signature and
 * for unknown sources (the same answer, so the endpoint does not reveal which sources exist); 400 for names
 * that cannot be Kubernetes names; 503 when the secret cannot be read. Never triggers without a valid signature.
 */
export function gitWebhookRoutes(o: GitWebhookOptions): FastifyPluginAsync {
  return async (app) => {
    // The signature covers the exact bytes: take every content type raw, in this plugin's scope only.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.bodyLimit ?? 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));

    app.post<{ Params: { namespace: string; name: string } }>('/hooks/git/:namespace/:name', async (req, reply) => {
      const { namespace, name } = req.params;
      const answer = (code: number, body: Record<string, string>) => {
        o.metrics?.webhookRequests.inc({ code: String(code) });
        return reply.code(code).send(body);
      };
      if (!DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) return answer(400, { error: 'invalid GitSource name' });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let secret: string | Buffer | undefined;
      try {
        secret = await o.callbacks.lookupSecret(namespace, name);
      } catch (err) {
        o.log.warn({ namespace, name, err: describeError(err) }, 'Failed to read the webhook secret of GitSource');
        return answer(503, { error: 'secret unavailable' });
      }
      const verdict = verifyGitWebhook(req.headers, body, secret);
      if (!verdict.ok) {
        o.log.info({ namespace, name, reason: verdict.reason }, 'Rejected Git webhook for GitSource');
        return answer(401, { error: 'invalid signature' });
      }
      try {
        await o.callbacks.triggerSync(namespace, name);
      } catch (err) {
        o.log.warn({ namespace, name, err: describeError(err) }, 'Failed to trigger a sync of GitSource from a Git webhook');
        return answer(503, { error: 'could not trigger the sync; the provider will retry' });
      }
      o.log.info({ namespace, name, provider: verdict.provider }, 'Accepted Git webhook for GitSource');
      return answer(202, { status: 'sync triggered' });
    });
  };
}
