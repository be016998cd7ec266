/**
 * Golden files for the builders: `expectGolden(name, value)` compares `JSON.stringify(value, null, 2)` and a
 * newline with tests/unit/render/golden/<name>.json. With UPDATE_GOLDEN=1 in the environment it writes the
 * file instead (review the diff before committing it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE_COMMAND = 'UPDATE_GOLDEN=1 npx vitest run --project unit tests/unit/render';

/** The golden file's text for `value`; throws for a value JSON cannot show (undefined, a function). */
export function goldenText(value: unknown): string {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) throw new Error(`${String(value)} has no JSON form`);
  return `${text}\n`;
}

/** Compares (or, when `update`, writes) the golden file `file`. */
export function checkGolden(file: string, value: unknown, update: boolean): void {
  const actual = goldenText(value);
  const shown = relative(process.cwd(), file);
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${shown} does not exist: create it with \`${UPDATE_COMMAND}\`, then review and commit it`);
  expect(actual, `${shown} differs; if the change is intended, rewrite it with \`${UPDATE_COMMAND}\` and review the diff`).toBe(readFileSync(file, 'utf8'));
}

/** Compares `value` with tests/unit/render/golden/<name>.json (UPDATE_GOLDEN=1: writes it). */
export function expectGolden(name: string, value: unknown): void {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`golden name ${JSON.stringify(name)}: lower case letters, digits, '.' and '-' only`);
  checkGolden(join(GOLDEN_DIR, `${name}.json`), value, process.env.UPDATE_GOLDEN === '1');
}
