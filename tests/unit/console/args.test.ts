import { describe, expect, it } from 'vitest';
import { parseConsoleArgs } from '../../../src/cli/console.js';

describe('cairn console arguments', () => {
  it('defaults to 127.0.0.1:7420, all namespaces, promote and abort on', () => {
    expect(parseConsoleArgs([])).toEqual({ port: 7420, address: '127.0.0.1', readOnly: false });
    expect(parseConsoleArgs(['-p', '0', '-n', 'ml', '--read-only', '--context', 'kind'])).toEqual({ port: 0, address: '127.0.0.1', namespace: 'ml', readOnly: true, context: 'kind' });
    expect(parseConsoleArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--port', 'http'], '--port: expected a port number from 0 to 65535, got "http"'],
    [['--port', '70000'], '--port: expected a port number from 0 to 65535, got "70000"'],
    [['--address', '0.0.0.0'], '--address: the console listens on loopback only (127.0.0.1, ::1 or localhost), got "0.0.0.0"'],
    [['extra'], 'unexpected argument "extra"'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseConsoleArgs(argv)).toThrow(message);
  });
});
