/**
 * Stopping the operator never waits on a slow HTTP client: the webhook is reachable without credentials, and a
 * client that trickles a request body must not keep the controllers from draining and the lease from being
 * released until the kubelet's SIGKILL.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseOperatorArgs } from '../../../src/cli/operator.js';
import { startOperator } from '../../../src/operator/operator.js';
import { FakeKube } from '../../support/index.js';
import { captureLogger } from './helpers.js';

describe('operator stop', () => {
  it('cuts a connection that trickles the headers of a webhook request instead of waiting for it', { timeout: 20_000 }, async () => {
    const parsed = parseOperatorArgs(['--metrics-addr', '127.0.0.1:0']);
    if (parsed === 'help') throw new Error('unexpected help');
    const { log, lines } = captureLogger('info');
    const operator = await startOperator(parsed, { log, kube: new FakeKube(), components: { controllers: [] } });
    const { port } = new URL(operator.address);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write('POST /hooks/git/ml/cfg HTTP/1.1\r\nHost: x\r\n');
    let n = 0;
    const trickle = setInterval(() => socket.write(`X-Slow-${n++}: 1\r\n`), 200); // headers that never end
    const closed = new Promise((resolve) => socket.once('close', resolve));
    try {
      await operator.stop(); // before: pending for as long as the client kept sending
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'Stopped operator' }));
      await closed;
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });
});
