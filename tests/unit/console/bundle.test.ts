import { describe, expect, it } from 'vitest';
import { bundleConsoleScripts, isChunkFile } from '../../../src/console/bundle.js';

describe('bundleConsoleScripts', () => {
  it('keeps ECharts out of the entry: a chunk the entry imports when it first draws a chart', async () => {
    const { entry, chunks } = await bundleConsoleScripts();
    const names = Object.keys(chunks);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(isChunkFile(name)).toBe(true);
    // Every chunk the entry names is one the server has.
    const imported = [...entry.matchAll(/["']\.\/(chunk-[A-Z0-9]+\.js)["']/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const name of imported) expect(names).toContain(name);
    // The library is in the chunks, the page's own code in the entry, which stays small.
    // (ECharts marks its elements with the attribute `_echarts_instance_`.)
    expect(Object.values(chunks).some((text) => text.includes('_echarts_instance_'))).toBe(true);
    expect(entry).not.toContain('_echarts_instance_');
    expect(entry.length).toBeLessThan(100_000);
    expect(entry).toContain('cairn:usable');
  }, 60_000);
});

describe('isChunkFile', () => {
  it.each([
    ['chunk-TALXQX2O.js', true],
    ['chunk-WOT6VMZA.js', true],
    ['app.js', false],
    ['chunk-../../etc/passwd', false],
    ['chunk-abc.js', false],
    ['chunk-ABC.js.map', false],
  ])('%s: %s', (name, expected) => {
    expect(isChunkFile(name)).toBe(expected);
  });
});
