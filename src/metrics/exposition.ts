/**
 * Reads the samples of the Prometheus text exposition format (what `cairn serve` answers on /metrics), for the
 * rollout analysis and the DriftMonitor. Only what they need: every sample line as name, labels and value;
 * comments and blank lines skipped; label values unescaped (\\, \", \n); NaN and ±Inf values. A line that is not a
 * sample is an error naming its line, never silently dropped.
 *
 * Written here because the one npm parser of this format (parse-prometheus-text-format 1.1.1) merges the series of
 * a histogram with labels into one and drops their labels, sum and count (tried on cairn serve's own output).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class ExpositionError extends Error {
  override readonly name = 'ExpositionError';
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * The special values as Prometheus reads them (Go's strconv.ParseFloat): any case, and Inf with an optional sign
 * and spelled out or not. prom-client writes NaN as "Nan": its event-loop lag mean is NaN when a scrape follows
 * the last one within the lag monitor's 10 ms resolution.
 */
const INFINITE = /^([+-]?)inf(inity)?$/i;
const NOT_A_NUMBER = /^nan$/i;

function parseValue(text: string, line: number): number {
  const infinite = INFINITE.exec(text);
  if (infinite) return infinite[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (NOT_A_NUMBER.test(text)) return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new ExpositionError(`line ${line}: "${text.slice(0, 40)}" is not a sample value`);
  return value;
}

/** The labels between `{` and `}` starting at `start` (just after `{`); returns them and the index after `}`. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  const fail = (what: string): never => {
    throw new ExpositionError(`line ${line}: ${what} at column ${i + 1}`);
  };
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0] ?? fail('expected a label name');
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') fail('expected "="');
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') fail('expected a quoted label value');
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : fail('unknown escape');
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    labels[name] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected "," or "}"');
  }
}

/** Every sample of `text`, in order. Throws ExpositionError naming the first malformed line. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new ExpositionError(`line ${n + 1}: expected a metric name`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, 1, n + 1);
      labels = parsed.labels;
      rest = rest.slice(parsed.end);
    }
    const [value, timestamp, extra] = rest.trim().split(/\s+/);
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new ExpositionError(`line ${n + 1}: expected "value [timestamp]" after the labels`);
    samples.push({ name, labels, value: parseValue(value ?? '', n + 1) });
  }
  return samples;
}
