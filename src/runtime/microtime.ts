/**
 * A metav1.MicroTime string (RFC 3339 with exactly six fractional digits), as Lease renewTime and Event
 * eventTime require; Date.toISOString gives three.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
