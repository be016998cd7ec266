/**
 * The demo's second data version: the example driver data with conv_rate moved up (0.6 + 0.4 x, still in the
 * schema's 0..1), and trip_minutes moved with it by the data's own relation (4 minutes per unit of conv_rate,
 * examples/data/generate.py), so a model trained on it fits as well as on the first version. Deterministic: the
 * same file in, the same bytes out. Pure.
 */
import { createHash } from 'node:crypto';

/** conv_rate -> SHIFT_BASE + SHIFT_SCALE * conv_rate. */
export const SHIFT_BASE = 0.6;
export const SHIFT_SCALE = 0.4;
/** Minutes per unit of conv_rate in examples/data/generate.py. */
const MINUTES_PER_CONV = 4;

export class ShiftedDataError extends Error {
  override readonly name = 'ShiftedDataError';
}

/** The shifted CSV text: the same header, rows and other columns; conv_rate and trip_minutes rewritten. */
export function shiftDriverData(csvText: string): string {
  const [header = '', ...lines] = csvText.replace(/\n$/, '').split('\n');
  const columns = header.split(',');
  const conv = columns.indexOf('conv_rate');
  const minutes = columns.indexOf('trip_minutes');
  if (conv < 0 || minutes < 0) throw new ShiftedDataError(`the driver data needs columns conv_rate and trip_minutes (columns: ${columns.join(', ')})`);
  const rows = lines.map((line, i) => {
    const cells = line.split(',');
    const before = Number(cells[conv]);
    const trip = Number(cells[minutes]);
    if (cells.length !== columns.length || !Number.isFinite(before) || !Number.isFinite(trip)) throw new ShiftedDataError(`row ${i + 2} is not a driver row: ${JSON.stringify(line.slice(0, 80))}`);
    const after = Number((SHIFT_BASE + SHIFT_SCALE * before).toFixed(4));
    cells[conv] = after.toFixed(4);
    cells[minutes] = (trip + MINUTES_PER_CONV * (after - before)).toFixed(3);
    return cells.join(',');
  });
  return [header, ...rows].join('\n') + '\n';
}

/** The hex sha256 of the text's UTF-8 bytes: what the Dataset pins. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
