// A fresh local lake per test on a real DuckDB: files are landed in bronze and handed to the
// pipeline core as one group, then the lake's tables are read back as plain rows.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { BatchFigures } from '../../handlers/core/batch-figures.ts';
import { handleLandings, type LandingResult } from '../../handlers/core/handle-landings.ts';
import type { Landing } from '../../handlers/core/landing-event.ts';
import { silentLog } from '../../handlers/core/pipeline-log.ts';
import type { BatchPorts } from '../../handlers/core/process-batch.ts';
import { loadPipelineSql } from '../../handlers/core/pipeline-sql.ts';
import { fillTemplate, identifier, literal } from '../../handlers/core/sql-template.ts';
import { BRONZE_COLUMNS, HEADER_LINE, LAKE_TABLES } from '../../handlers/core/tables.ts';
import type { Row } from '../../handlers/local/duckdb-session.ts';
import { tableDir } from '../../handlers/local/lake-layout.ts';
import { landFile, type LocalLake, type LocalLakeOptions, openLocalLake } from '../../handlers/local/local-lake.ts';

export interface TestLake {
  lake: LocalLake;
  /** Scratch folder for input files, outside the lake. */
  inputDir: string;
  options: LocalLakeOptions;
}

/** Opens a lake in its own temp folder; the lake is closed and the folder removed when the test ends. */
export async function openTestLake(t: ExecutionContext, options: Partial<LocalLakeOptions> = {}): Promise<TestLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-test-'));
  const inputDir = path.join(dir, 'input');
  const lakeOptions: LocalLakeOptions = { root: path.join(dir, 'lake'), write: true, log: silentLog, threads: 2, ...options };
  const testLake: TestLake = { lake: await openLocalLake(lakeOptions), inputDir, options: lakeOptions };
  t.teardown(async () => {
    await testLake.lake.close();
    await rm(dir, { recursive: true, force: true });
  });
  return testLake;
}

/** Closes the lake and opens it again on the same folder, as a new process would after a crash. */
export async function reopenTestLake(testLake: TestLake): Promise<void> {
  await testLake.lake.close();
  testLake.lake = await openLocalLake(testLake.options);
}

/** Writes `content` to the input folder and lands it in bronze under `key`. */
export async function landContent(lake: TestLake, key: string, content: string | Buffer): Promise<Landing> {
  await mkdir(lake.inputDir, { recursive: true });
  const file = path.join(lake.inputDir, `input-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, content);
  return landFile(lake.lake, file, key);
}

/** Delivers the given landings as one group and returns the core's results. */
export function deliver(lake: TestLake, landings: Landing[], ports: Partial<BatchPorts> = {}): Promise<LandingResult[]> {
  return handleLandings(landings, { ...lake.lake.ports, ...ports });
}

/** Lands and processes one file; fails the test unless it is committed; returns its figures. */
export async function ingest(t: ExecutionContext, lake: TestLake, key: string, content: string | Buffer): Promise<BatchFigures> {
  const results = await deliver(lake, [await landContent(lake, key, content)]);
  t.is(results.length, 1, JSON.stringify(results));
  const [result] = results;
  if (result?.status !== 'committed' || !result.figures) throw new Error(`${key} was not committed: ${JSON.stringify(result)}`);
  return result.figures;
}

export const GOLD_COLUMNS =
  'transaction_id, transaction_ts, store_id, customer_id, product_id, product_category, quantity, unit_price, discount, total_amount, payment_method, currency, source_file, transaction_date';

/** The whole gold table (without batch_id), in transaction_id order. */
export function goldRows(lake: TestLake, where = 'true'): Promise<Row[]> {
  return lake.lake.session.rows(`SELECT ${GOLD_COLUMNS} FROM procureflow_db.cleaned_transactions WHERE ${where} ORDER BY transaction_id`);
}

/** Full contents of a lake table, every column, in a total order (for before/after comparisons). */
export function tableRows(lake: TestLake, table: 'raw_transactions' | 'cleaned_transactions' | 'rejected_transactions'): Promise<Row[]> {
  return lake.lake.session.rows(`SELECT * FROM procureflow_db.${table} ORDER BY ALL`);
}

/** All three tables' full contents. */
export async function lakeContents(lake: TestLake): Promise<Record<string, Row[]>> {
  return {
    silver: await tableRows(lake, 'raw_transactions'),
    gold: await tableRows(lake, 'cleaned_transactions'),
    rejects: await tableRows(lake, 'rejected_transactions'),
  };
}


/**
 * What a crashed run could leave and no clean run has: partial, temporary and repair files, work
 * copies of landed files and group gold folders, and table folders of batches not committed.
 */
export async function leftovers(lake: TestLake): Promise<string[]> {
  const { layout, catalog } = lake.lake;
  const found: string[] = [];
  for (const entry of await readdir(layout.root, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (/\.(partial|tmp|repair)$/.test(entry.name)) found.push(file);
    if (entry.parentPath === layout.workDir && (entry.name.startsWith('bronze_') || entry.name === 'gold-groups')) found.push(file);
  }
  const committed = new Set(catalog.batches().map((batchId) => `batch_id=${batchId}`));
  for (const table of LAKE_TABLES) {
    for (const folder of await readdir(tableDir(layout, table)).catch(() => [] as string[])) if (!committed.has(folder)) found.push(path.join(table, folder));
  }
  return found;
}
/** (reason, raw_line) of every reject, in raw_line order. */
export function rejectRows(lake: TestLake): Promise<Row[]> {
  return lake.lake.session.rows('SELECT reason, raw_line FROM procureflow_db.rejected_transactions ORDER BY raw_line, reason');
}

export interface TableCounts {
  silver: number;
  gold: number;
  rejects: number;
  silverRejected: number;
}

/** Row counts of one batch, read from the tables themselves rather than the batch's figures. */
export async function countsOfBatch(lake: TestLake, batchId: string): Promise<TableCounts> {
  const id = batchId.replace(/'/g, "''");
  const [row] = await lake.lake.session.rows(
    `SELECT
       (SELECT count(*) FROM procureflow_db.raw_transactions WHERE batch_id = '${id}') AS silver,
       (SELECT count(reject_reason) FROM procureflow_db.raw_transactions WHERE batch_id = '${id}') AS silver_rejected,
       (SELECT count(*) FROM procureflow_db.cleaned_transactions WHERE batch_id = '${id}') AS gold,
       (SELECT count(*) FROM procureflow_db.rejected_transactions WHERE batch_id = '${id}') AS rejects`,
  );
  return { silver: Number(row?.silver), gold: Number(row?.gold), rejects: Number(row?.rejects), silverRejected: Number(row?.silver_rejected) };
}

/** Reject counts of one batch by reason, from the rejects table. */
export async function rejectsByReason(lake: TestLake, batchId: string): Promise<Record<string, number>> {
  const id = batchId.replace(/'/g, "''");
  const rows = await lake.lake.session.rows(
    `SELECT reason, count(*) AS n FROM procureflow_db.rejected_transactions WHERE batch_id = '${id}' GROUP BY reason ORDER BY reason`,
  );
  return Object.fromEntries(rows.map((row) => [String(row.reason), Number(row.n)]));
}

/** Asserts the contract's balance for one batch from the tables: lines = silver = loaded + duplicates + rejects. */
export async function assertBalance(t: ExecutionContext, lake: TestLake, figures: BatchFigures, expectedLines?: number): Promise<TableCounts> {
  const counts = await countsOfBatch(lake, figures.batchId);
  if (expectedLines !== undefined) t.is(counts.silver, expectedLines, `silver rows of ${figures.sourceFile}`);
  t.is(counts.silver, figures.lines, 'silver rows = lines');
  t.is(counts.gold, figures.loaded, 'gold rows = loaded');
  t.is(counts.rejects, figures.rejected, 'reject rows = rejected');
  t.is(counts.silverRejected, counts.rejects, 'silver lines with a reason = reject rows');
  t.is(counts.silver, counts.gold + figures.duplicates + counts.rejects, 'lines = loaded + duplicates + rejects');
  t.true(figures.duplicates >= 0);
  return counts;
}

// ---- Hand-written .dat lines and the gold rows the contract expects from them ----
export const HEADER =
  'transaction_id|transaction_ts|store_id|customer_id|product_id|product_category|quantity|unit_price|discount|total_amount|payment_method|currency';

/**
 * The fields `line()` writes, in the code's column order. HEADER above stays spelled out as the
 * contract gives it (an expectation, not a copy): the pipeline checks a file's header against it.
 */
export const FIELDS = BRONZE_COLUMNS;
export type Field = (typeof FIELDS)[number];

/** A valid line's raw fields: 3 × 19.99 − 1.00 = 58.97. */
export const BASE: Record<Field, string> = {
  transaction_id: 'TXN-BASE',
  transaction_ts: '2026-03-01 14:05:09',
  store_id: '42',
  customer_id: 'CUST-0001',
  product_id: 'SKU-0001',
  product_category: 'electronics',
  quantity: '3',
  unit_price: '19.99',
  discount: '1.00',
  total_amount: '58.97',
  payment_method: 'card',
  currency: 'usd',
};

/** One data line: the base line with its id and some fields replaced. */
export function line(id: string, overrides: Partial<Record<Field, string>> = {}): string {
  const fields = { ...BASE, transaction_id: id, ...overrides };
  return FIELDS.map((field) => fields[field]).join('|');
}

export interface GoldRow {
  transaction_id: string;
  transaction_ts: string;
  store_id: number;
  customer_id: string | null;
  product_id: string;
  product_category: string;
  quantity: number;
  unit_price: number;
  discount: number;
  total_amount: number;
  payment_method: string;
  currency: string;
  source_file: string;
  transaction_date: string;
}

/** The gold row of a base line landed as `bronze/<key>`, with some values replaced. */
export function goldRow(id: string, key: string, overrides: Partial<GoldRow> = {}): GoldRow {
  const row: GoldRow = {
    transaction_id: id,
    transaction_ts: '2026-03-01 14:05:09',
    store_id: 42,
    customer_id: 'CUST-0001',
    product_id: 'SKU-0001',
    product_category: 'electronics',
    quantity: 3,
    unit_price: 19.99,
    discount: 1,
    total_amount: 58.97,
    payment_method: 'CARD',
    currency: 'USD',
    source_file: `bronze/${key}`,
    transaction_date: '2026-03-01',
    ...overrides,
  };
  if (overrides.transaction_ts && !overrides.transaction_date) row.transaction_date = overrides.transaction_ts.slice(0, 10);
  return row;
}

/** A file: header, then the lines, LF-terminated. */
export function datFile(lines: string[], { header = true, eol = '\n' }: { header?: boolean; eol?: string } = {}): string {
  return [...(header ? [HEADER] : []), ...lines].map((l) => `${l}${eol}`).join('');
}

/** Sorts rows by transaction_id, as the lake helpers return them. */
export function byId<T extends { transaction_id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (a.transaction_id < b.transaction_id ? -1 : a.transaction_id > b.transaction_id ? 1 : 0));
}

/**
 * Lands one valid line under each key, in order, and checks that every file commits with its key
 * kept verbatim as source_file, each gold row names its file, and every batch balances.
 */
export async function assertKeysLoadVerbatim(t: ExecutionContext, keys: string[]): Promise<void> {
  const lake = await openTestLake(t);
  const landings = [];
  for (const [i, key] of keys.entries()) landings.push(await landContent(lake, key, datFile([line(`TXN-${i}`)])));
  const results = await deliver(lake, landings);
  t.deepEqual(
    results.map((result) => [result.sourceFile, result.status]),
    keys.map((key) => [`bronze/${key}`, 'committed']),
  );
  t.deepEqual(
    await goldRows(lake),
    keys.map((key, i) => goldRow(`TXN-${i}`, key)),
  );
  for (const result of results) if (result.status === 'committed' && result.figures) await assertBalance(t, lake, result.figures, 1);
}

/**
 * The pipeline's silver SELECT over `lines` given as a one-column view named `view` (no landed
 * file, so a test controls every byte the SQL sees, as Trino would read it).
 */
export async function silverOverLines(lake: LocalLake, view: string, lines: string[], sourceFile: string): Promise<string> {
  await lake.session.run(`CREATE VIEW ${view} AS SELECT * FROM (VALUES ${lines.map((text) => `(${fillTemplate('{{v}}', { v: literal(text) })})`).join(', ')}) AS t(line)`);
  return fillTemplate((await loadPipelineSql()).silver, { source_table: identifier(view), source_file: literal(sourceFile), header: literal(HEADER_LINE) });
}
