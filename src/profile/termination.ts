/**
 * The termination message `cairn profile` leaves for the Dataset controller: one JSON object of at most 4 KiB
 * (the kubelet's limit, src/render/termination.ts). The validation figures go in whole when they fit; else only
 * the columns the message names, else none, and a message that is still too long is cut.
 */
import type { ValidationFigures } from './types.js';

export const TERMINATION_MAX_BYTES = 4096;

export interface TerminationReport {
  reason: string;
  message: string;
  validation?: ValidationFigures;
  [key: string]: unknown;
}

export function terminationMessage(report: TerminationReport): string {
  const fits = (r: TerminationReport): string | undefined => {
    const text = JSON.stringify(r);
    return Buffer.byteLength(text, 'utf8') <= TERMINATION_MAX_BYTES ? text : undefined;
  };
  const whole = fits(report);
  if (whole) return whole;
  const { validation, ...rest } = report;
  if (validation) {
    const named = (map: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(map).filter(([name]) => report.message.includes(`column ${name} `)));
    const some = fits({ ...report, validation: { nullFraction: named(validation.nullFraction), outOfRange: named(validation.outOfRange) } });
    if (some) return some;
  }
  let message = rest.message;
  for (;;) {
    const text = fits({ ...rest, message });
    if (text) return text;
    message = `${message.slice(0, Math.max(0, Math.floor(message.length * 0.8) - 1))}…`;
  }
}
