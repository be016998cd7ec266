/**
 * The demo's reporting (src/demo/progress.ts): the test environment logs pino-style `(fields, msg)`, and the
 * demo shows those entries as lines (it used to print `[object Object]` where the build's progress belonged).
 */
import { describe, expect, it } from 'vitest';
import { demoLogger, formatEntry, step } from '../../../src/demo/progress.js';

describe('formatEntry', () => {
  it.each([
    { fields: {}, msg: 'Building the test environment binaries', line: 'Building the test environment binaries' },
    { fields: { script: '/work/scripts/testenv/build.sh' }, msg: 'Building', line: 'Building script=/work/scripts/testenv/build.sh' },
    { fields: { binDir: '/c/bin', missing: ['etcd', 'kwok'] }, msg: 'Test environment binaries are missing', line: 'Test environment binaries are missing binDir=/c/bin missing=etcd,kwok' },
    { fields: { port: 6443, ok: false, skipped: undefined }, msg: 'm', line: 'm port=6443 ok=false' },
  ])('$line', ({ fields, msg, line }) => expect(formatEntry(fields, msg)).toBe(line));
});

describe('demoLogger', () => {
  it('writes the build progress (info) when asked, warnings and errors always, never [object Object]', () => {
    const lines: string[] = [];
    const verbose = demoLogger((l) => lines.push(l), { info: true });
    verbose.info({ binDir: '/c/bin', missing: ['etcd'] }, 'Test environment binaries are missing');
    verbose.info({ script: 'build.sh' }, 'Building the test environment binaries');
    const quiet = demoLogger((l) => lines.push(l));
    quiet.info({ x: 1 }, 'not shown');
    quiet.warn({ component: 'kwok' }, 'slow start');
    quiet.error({}, 'gone');
    expect(lines).toEqual([
      '  Test environment binaries are missing binDir=/c/bin missing=etcd',
      '  Building the test environment binaries script=build.sh',
      '  warning: slow start component=kwok',
      '  error: gone',
    ]);
    expect(lines.join('\n')).not.toContain('[object Object]');
  });
});

describe('step', () => {
  it('names the step that failed; passes results and Ctrl-C through unchanged', async () => {
    await expect(step('building the control-plane binaries (bash scripts/testenv/build.sh)', () => Promise.reject(new Error('build.sh failed with exit code 1')))).rejects.toThrow(
      'building the control-plane binaries (bash scripts/testenv/build.sh): build.sh failed with exit code 1',
    );
    await expect(step('waiting', () => Promise.reject(new Error('Interrupted')))).rejects.toThrow(/^Interrupted$/);
    await expect(step('x', () => Promise.resolve(42))).resolves.toBe(42);
  });
});
