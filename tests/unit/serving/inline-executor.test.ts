/**
 * The inline executor's time slices (executor.ts): batches run back to back in one event-loop turn while the
 * slice lasts, then the next run waits for a turn (the sockets are served in between). A fake clock and a
 * session that records its runs; a setImmediate callback tells whether a loop turn passed.
 */
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { INLINE_SLICE_MS, InlineExecutor } from '../../../src/serving/executor.js';
import type { SyncSession } from '../../../src/serving/ort-session.js';

const feeds: TensorMap = { x: { type: 'float32', dims: [1, 1], data: Float32Array.from([1]) } };

function fakeSession(fail = false): SyncSession & { runs: number } {
  const session = {
    runs: 0,
    run(input: TensorMap): TensorMap {
      session.runs++;
      if (fail) throw new Error('the model failed');
      return input;
    },
    release(): void {},
  };
  return session as unknown as SyncSession & { runs: number };
}

describe('InlineExecutor', () => {
  it('runs batches back to back within a slice, then yields a loop turn before the next', async () => {
    let now = 0;
    const session = fakeSession();
    const executor = new InlineExecutor(session, () => now);
    await executor.run(feeds); // the first run of a slice waits for a turn
    let turned = false;
    setImmediate(() => (turned = true));
    now += INLINE_SLICE_MS; // still within the slice (not past it)
    expect(await executor.run(feeds)).toBe(feeds);
    await executor.run(feeds);
    expect(turned).toBe(false);
    expect(session.runs).toBe(3);
    now += 1; // past the slice
    await executor.run(feeds);
    expect(turned).toBe(true);
    expect(session.runs).toBe(4);
  });

  it('a run that throws rejects, inside or outside a slice', async () => {
    let now = 0;
    const executor = new InlineExecutor(fakeSession(true), () => now);
    await expect(executor.run(feeds)).rejects.toThrow('the model failed');
    await expect(executor.run(feeds)).rejects.toThrow('the model failed');
    now += INLINE_SLICE_MS + 1;
    await expect(executor.run(feeds)).rejects.toThrow('the model failed');
  });
});
