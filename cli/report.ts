// Plain-text rendering of query results and batch figures for a terminal.
import type { LandingResult } from '../handlers/core/handle-landings.ts';
import { MB } from '../generator/size.ts';

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
  // A loop, not Math.max(...cells): spreading a large array overflows the call stack.
  const widths = columns.map((column) => column.length);
  for (const line of cells) for (const [i, cell] of line.entries()) if (cell.length > (widths[i] ?? 0)) widths[i] = cell.length;
  const numeric = columns.map((column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] === null));
  const render = (line: string[]) =>
    line.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [render(columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(render)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** A horizontal bar chart of one numeric column, labelled by another. */
export function formatBarChart(rows: Row[], label: string, value: string, width = 40): string {
  const values = rows.map((row) => Number(row[value] ?? 0));
  const max = values.reduce((top, v) => Math.max(top, v), 0);
  const labelWidth = rows.reduce((widest, row) => Math.max(widest, String(row[label]).length), 0);
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
    case 'refused':
      return `${result.sourceFile}: REFUSED: ${result.reason}`;
    case 'failed':
      return `${result.sourceFile}: FAILED: ${result.error}`;
  }
}

/**
 * The closing line of ingest and demo: what this run did, with a rate only over the bytes that
 * made new batches (a run that skipped everything has no rate to boast).
 */
export function formatIngestSummary(outcome: { newBatches: number; alreadyCommitted: number; failures: unknown[]; newBytes: number; seconds: number }): string {
  const parts = [`${outcome.newBatches} new batch${outcome.newBatches === 1 ? '' : 'es'}`, `${outcome.alreadyCommitted} already committed`];
  if (outcome.failures.length > 0) parts.push(`${outcome.failures.length} failed or refused`);
  const rate =
    outcome.newBatches > 0 && outcome.seconds > 0
      ? `; ${formatBytes(outcome.newBytes)} in ${outcome.seconds.toFixed(1)} s (${(outcome.newBytes / MB / outcome.seconds).toFixed(1)} MB/s)`
      : ` in ${outcome.seconds.toFixed(1)} s`;
  return `${parts.join(', ')}${rate}`;
}
