/** Pure: the table of cairn.dev objects the demo prints. */

export interface Row {
  kind: string;
  name: string;
  ready: string;
  source: string;
  revision: string;
}

export function renderTable(rows: readonly Row[]): string {
  const header: Row = { kind: 'KIND', name: 'NAME', ready: 'READY', source: 'SOURCE', revision: 'REVISION' };
  const all = [header, ...rows];
  const columns = ['kind', 'name', 'ready', 'source', 'revision'] as const;
  const widths = columns.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => columns.map((c, i) => r[c].padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function shortRevision(revision: string | undefined): string {
  if (!revision) return '-';
  const match = /^(.*@sha1:)([0-9a-f]{40})$/.exec(revision);
  return match ? `${match[1]}${match[2]!.slice(0, 12)}` : revision;
}
