import { describe, expect, it } from 'vitest';
import { TokenFile } from '../../../src/runtime/kube/token-file.js';
import { WatchLineDecoder } from '../../../src/runtime/kube/watch-stream.js';

describe('TokenFile', () => {
  function rotating() {
    const state = { now: 0, content: 'one\n' as string | Error, reads: 0 };
    const token = new TokenFile('/sa/token', {
      now: () => state.now,
      refreshMs: 60_000,
      readFile: async () => {
        state.reads++;
        if (state.content instanceof Error) throw state.content;
        return state.content;
      },
    });
    return { state, token };
  }

  it('reads once per refresh period and picks up a rotated token after it', async () => {
    const { state, token } = rotating();
    expect(await token.get()).toBe('one');
    state.content = 'two';
    state.now = 59_999;
    expect(await token.get()).toBe('one');
    state.now = 60_000;
    expect(await token.get()).toBe('two');
    expect(state.reads).toBe(2);
  });

  it('shares one read between concurrent callers', async () => {
    const { state, token } = rotating();
    expect(await Promise.all([token.get(), token.get(), token.get()])).toEqual(['one', 'one', 'one']);
    expect(state.reads).toBe(1);
  });

  it('keeps the last good token when a re-read fails or finds the file empty, and throws when the first read fails', async () => {
    const { state, token } = rotating();
    await token.get();
    state.now = 120_000;
    state.content = '';
    expect(await token.get()).toBe('one');
    state.now = 240_000;
    state.content = new Error('EACCES');
    expect(await token.get()).toBe('one');

    const fresh = rotating();
    fresh.state.content = new Error('ENOENT: no such file');
    await expect(fresh.token.get()).rejects.toThrow('Cannot read the token file /sa/token: ENOENT: no such file');
  });
});

describe('WatchLineDecoder', () => {
  const line = (type: string, name: string) => JSON.stringify({ type, object: { metadata: { name } } }) + '\n';

  it('decodes events cut anywhere across chunks, and a last line without a newline', () => {
    const text = line('ADDED', 'a') + line('BOOKMARK', 'b') + line('DELETED', 'c').trimEnd();
    for (const size of [1, 7, 40, text.length]) {
      const decoder = new WatchLineDecoder();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...decoder.push(text.slice(i, i + size)));
      events.push(...decoder.end());
      expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED a', 'BOOKMARK b', 'DELETED c']);
    }
  });

  it('throws on a line that is not an event', () => {
    expect(() => new WatchLineDecoder().push('<html>\n')).toThrow('not JSON');
    expect(() => new WatchLineDecoder().push('{"kind":"Status"}\n')).toThrow('not an event');
  });
});
