/** Pure: the table of cairn.dev objects the demo prints. */

export interface Row {
  kind: string;
  name: string;
  ready: string;
  source: string;
  revision: string;
  /** Ready's message: what each stage came to (a version served, a run registered, no drift). */
  message?: string;
}

export function renderTable(rows: readonly Row[]): string {
  const header: Required<Row> = { kind: 'KIND', name: 'NAME', ready: 'READY', source: 'SOURCE', revision: 'REVISION', message: 'MESSAGE' };
  const all: Array<Required<Row>> = [header, ...rows.map((r) => ({ ...r, message: r.message ?? '' }))];
  const columns = ['kind', 'name', 'ready', 'source', 'revision', 'message'] as const;
  const widths = columns.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => columns.map((c, i) => r[c].padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function shortRevision(revision: string | undefined): string {
  if (!revision) return '-';
  const match = /^(.*@sha1:)([0-9a-f]{40})$/.exec(revision);
  return match ? `${match[1]}${match[2]!.slice(0, 12)}` : revision;
}
