// Plain-text rendering of query results and batch figures for a terminal.
import type { LandingResult } from '../handlers/core/handle-landings.ts';

type Row = Record<string, unknown>;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  return String(value);
}

/** An aligned text table; numbers are right-aligned. */
export function formatTable(rows: Row[], columns = Object.keys(rows[0] ?? {})): string {
  if (columns.length === 0) return '(no rows)\n';
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const numeric = columns.map((column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] === null));
  const render = (line: string[]) =>
    line.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [render(columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(render)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** RFC 4180 CSV with a header row. */
export function formatCsv(rows: Row[], columns = Object.keys(rows[0] ?? {})): string {
  const quote = (value: unknown) => {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[columns.map(quote).join(','), ...rows.map((row) => columns.map((column) => quote(row[column])).join(','))].join('\n')}\n`;
}

/** A horizontal bar chart of one numeric column, labelled by another. */
export function formatBarChart(rows: Row[], label: string, value: string, width = 40): string {
  const values = rows.map((row) => Number(row[value] ?? 0));
  const max = Math.max(...values, 0);
  const labelWidth = Math.max(...rows.map((row) => String(row[label]).length), 0);
  return `${rows
    .map((row, i) => {
      const v = values[i] ?? 0;
      const bar = max > 0 ? '█'.repeat(Math.max(1, Math.round((v / max) * width))) : '';
      return `${String(row[label]).padEnd(labelWidth)} │${bar} ${cellText(v)}`;
    })
    .join('\n')}\n`;
}

/** One line per landing result, for ingest and demo. */
export function formatResult(result: LandingResult): string {
  switch (result.status) {
    case 'committed':
    case 'already_committed': {
      const f = result.figures;
      const what = result.status === 'committed' ? 'committed' : 'already committed, skipped';
      if (!f) return `${result.sourceFile}: ${what} (batch ${result.batchId})`;
      return `${result.sourceFile}: ${what}: batch ${f.batchId}: ${f.lines} lines = ${f.loaded} loaded + ${f.duplicates} duplicates + ${f.rejected} rejected`;
    }
    case 'unpacked':
      return `${result.sourceFile}: unpacked ${result.members.length} .dat member(s)${result.skipped.length ? `, skipped ${result.skipped.join(', ')}` : ''}${
        result.refused.length ? `, REFUSED ${result.refused.map((r) => `${r.entry} (${r.reason})`).join(', ')}` : ''
      }`;
    case 'ignored':
      return `${result.sourceFile}: ignored: ${result.reason}`;
    case 'failed':
      return `${result.sourceFile}: FAILED: ${result.error}`;
  }
}
