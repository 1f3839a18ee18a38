// Streams a DuckDB result to a terminal or a pipe, one chunk (≈2 048 rows) at a time, so that
// memory stays bounded whatever the result's size: no format ever holds more than one chunk,
// plus, in table mode, the text of the rows it shows.
import type { Writable } from 'node:stream';
import { DuckDBDecimalValue, type DuckDBResult, DuckDBTypeId, type DuckDBValue } from '@duckdb/node-api';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Rows a table shows when neither --limit nor --all is given. */
export const DEFAULT_TABLE_LIMIT = 100;
/** With --all, a table's column widths come from its first rows; later rows may overflow them. */
const WIDTH_SAMPLE_ROWS = 1000;

export interface OutputOptions {
  format: Format;
  /** Rows to print; undefined prints them all. */
  limit: number | undefined;
}

export interface OutputSummary {
  /** Rows of the result, printed or not (counted to the end of the stream). */
  rows: number;
  printed: number;
}

const NUMERIC_TYPES = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** CSV field text: decimals keep their scale (`0.00`), NULL is empty. */
function csvField(value: DuckDBValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** JSON value text: numbers (decimals with their scale, `0.00`, which JSON allows) as numbers. */
function jsonValue(value: DuckDBValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'bigint' || value instanceof DuckDBDecimalValue) return value.toString();
  return JSON.stringify(String(value));
}

/** Groups the integer part in thousands and keeps the rest: `-1234.50` → `-1,234.50`. */
function groupDigits(text: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  return `${match[1]}${(match[2] ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${match[3] ?? ''}`;
}

/** Table cell text: grouped digits, decimals at their scale, control characters made visible. */
function tableCell(value: DuckDBValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? groupDigits(String(value)) : value.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
  }
  if (typeof value === 'bigint' || value instanceof DuckDBDecimalValue) return groupDigits(value.toString());
  return JSON.stringify(String(value))
    .slice(1, -1)
    .replaceAll('\\"', '"')
    .replaceAll('\\\\', '\\');
}

/** Writes to `out`, waiting for each write; a reader that went away (EPIPE, `| head`) ends the output quietly. */
class Sink {
  closed = false;

  constructor(private readonly out: Writable) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
    });
  }

  write(text: string): Promise<void> {
    if (this.closed || text === '') return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.out.write(text, (error) => {
        if (!error) resolve();
        else if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
          this.closed = true;
          resolve();
        } else reject(error);
      }),
    );
  }
}

/**
 * Rows a table counts past its cap before it stops reading: counting a whole large result would
 * hold DuckDB's chunks in native memory, which V8 does not see and so does not collect in time
 * (723 MB on 3 M gold rows); past this, the table says "more than N more rows".
 */
const COUNT_AHEAD_ROWS = 100_000;

/**
 * Feeds each chunk's rows to `take` until it returns false, then counts on, without reading
 * values, up to `countAhead` rows more. `complete` says whether `rows` is the whole result.
 */
async function eachChunk(
  result: DuckDBResult,
  sink: Sink,
  take: (rows: DuckDBValue[][]) => Promise<boolean>,
  countAhead = Number.POSITIVE_INFINITY,
): Promise<{ rows: number; complete: boolean }> {
  let rows = 0;
  let taken = 0;
  let taking = true;
  for (;;) {
    if (!taking && rows - taken > countAhead) return { rows, complete: false };
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return { rows, complete: true };
    rows += chunk.rowCount;
    if (sink.closed) return { rows, complete: false };
    if (taking) {
      taking = await take(chunk.getRows());
      taken = rows;
    }
    // The rows taken are JS copies already; the chunk's native buffers can go now.
    chunk.reset();
  }
}

export async function writeResult(result: DuckDBResult, out: Writable, options: OutputOptions): Promise<OutputSummary> {
  const sink = new Sink(out);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (options.format === 'table') return writeTable(result, sink, options.limit);
  let printed = 0;
  const take = async (rows: DuckDBValue[][], render: (row: DuckDBValue[]) => string, separator: string) => {
    const lines: string[] = [];
    for (const row of rows) {
      if (printed >= limit) break;
      lines.push(render(row));
      printed++;
    }
    if (lines.length > 0) await sink.write((printed > lines.length ? separator : '') + lines.join(separator));
    return printed < limit;
  };
  if (options.format === 'csv') {
    await sink.write(`${result.columnNames().map((name) => csvField(name)).join(',')}\n`);
    const { rows } = await eachChunk(result, sink, (chunk) => take(chunk, (row) => `${row.map(csvField).join(',')}\n`, ''));
    return { rows, printed };
  }
  // JSON: one array of row objects; keys are the column names made unique (a, a_1) as DuckDB does.
  const keys = result.deduplicatedColumnNames().map((name) => `${JSON.stringify(name)}:`);
  await sink.write('[');
  const { rows } = await eachChunk(result, sink, (chunk) => take(chunk, (row) => `{${row.map((value, i) => `${keys[i]}${jsonValue(value)}`).join(',')}}`, ',\n'));
  await sink.write(']\n');
  return { rows, printed };
}

/** An aligned table of at most `limit` rows, then "… N more rows"; numeric columns right-aligned. */
async function writeTable(result: DuckDBResult, sink: Sink, limit: number | undefined): Promise<OutputSummary> {
  const columns = result.columnNames();
  if (columns.length === 0) {
    await sink.write('(no columns)\n');
    return { rows: 0, printed: 0 };
  }
  const numeric = result.columnTypes().map((type) => NUMERIC_TYPES.has(type.typeId));
  const cap = limit ?? Number.POSITIVE_INFINITY;
  const firstRows = Math.min(cap, WIDTH_SAMPLE_ROWS);
  const held: string[][] = [];
  let widths: number[] | undefined;
  let printed = 0;
  const render = (cells: string[]) =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths?.[i] ?? 0) : cell.padEnd(widths?.[i] ?? 0))).join('  ').trimEnd();
  const flushHeld = async () => {
    widths = columns.map((column) => column.length);
    for (const cells of held) for (const [i, cell] of cells.entries()) if (cell.length > (widths[i] ?? 0)) widths[i] = cell.length;
    const header = [render(columns), widths.map((width) => '-'.repeat(width)).join('  ')];
    await sink.write(`${[...header, ...held.map(render)].join('\n')}\n`);
    held.length = 0;
  };
  const { rows, complete } = await eachChunk(
    result,
    sink,
    async (chunk) => {
      const lines: string[] = [];
      for (const row of chunk) {
        if (printed >= cap) break;
        const cells = row.map(tableCell);
        printed++;
        if (widths) lines.push(render(cells));
        else {
          held.push(cells);
          if (held.length >= firstRows) await flushHeld();
        }
      }
      if (lines.length > 0) await sink.write(`${lines.join('\n')}\n`);
      return printed < cap;
    },
    COUNT_AHEAD_ROWS,
  );
  if (!widths) await flushHeld();
  const more = rows - printed;
  const plural = (n: number) => `${groupDigits(String(n))} row${n === 1 ? '' : 's'}`;
  let footer = `(${plural(rows)})`;
  if (!complete) footer = `… more than ${groupDigits(String(COUNT_AHEAD_ROWS))} more rows (--limit N or --all to see more)`;
  else if (more > 0) footer = `… ${groupDigits(String(more))} more rows (${plural(rows)} in all; --limit N or --all to see more)`;
  await sink.write(`${footer}\n`);
  return { rows, printed };
}
