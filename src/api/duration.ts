/** Parses the durations the API accepts (`patterns.duration`: 30s, 1m, 1h30m, 500ms) to milliseconds. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration "${text}"`);
  return Math.round(parts.reduce((sum, [, value, unit]) => sum + Number(value) * units[unit!]!, 0));
}
