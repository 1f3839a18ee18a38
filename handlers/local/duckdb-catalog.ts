// The catalog port for the local lake: committed batches live in an append-only commit log
// (commit-log.ts) and are exposed as DuckDB views in the `procureflow_db` schema. A partition
// that is not committed is invisible, whatever files sit in its folder; a batch's silver,
// rejects and gold become visible together, with one commit file.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { figuresFromParameters } from '../core/batch-figures.ts';
import { batchRow } from '../core/batch-operations.ts';
import type { Catalog, CommittedBatchRecord, LakeTable, ObjectRef } from '../core/ports.ts';
import { compareIds, type IdRange, rangesOverlap } from '../core/id-range.ts';
import { identifier, literal, renderValue } from '../core/sql-template.ts';
import { type Column, LAKE_TABLES, TABLE_COLUMNS } from '../core/tables.ts';
import {
  applyEntry,
  CatalogDamagedError,
  CHECKPOINT_EVERY,
  type CommitFaults,
  CommitConflictError,
  CommitLog,
  type CommittedBatch,
  type LogEntry,
  type LogState,
  writeFileAtomically,
} from './commit-log.ts';
import { batchesViewSelect } from './batches-view.ts';
import { PART_FILE } from './duckdb-engine.ts';
import type { DuckDbSession } from './duckdb-session.ts';
import { type HeldLock, LOCK_STALE_MS, takeLakeLock } from './lake-lock.ts';
import { prepareLandedText, READER_BUFFER_BYTES, READER_MAX_LINE_BYTES, removePreparedText } from './landed-text-file.ts';
import { COMMIT_MARKER, commitMarkerFile, type LakeLayout, partitionDir, tableDir } from './lake-layout.ts';
import { migrateLegacyCatalog } from './legacy-catalog.ts';

/** Glue column types as DuckDB spells them. */
export const DUCKDB_TYPES: Record<Column['type'], string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  'decimal(12,2)': 'DECIMAL(12,2)',
};

/** A table's columns as typed NULLs (an empty branch or a damaged batch's). */
const nullColumns = (table: LakeTable) => TABLE_COLUMNS[table].map((column) => `CAST(NULL AS ${DUCKDB_TYPES[column.type]}) AS ${column.name}`).join(', ');

/** The commit parameter holding when the batch was committed (ISO 8601, UTC). */
export const COMMITTED_AT = 'procureflow_committed_at';

/** The work table the core registers a batch's landed file as (see processBatch). */
const landedWorkTable = (batchId: string) => `bronze_${batchId}`;

export interface DuckDbCatalogOptions {
  database?: string;
  /** Migrate an old `_catalog/catalog.json` (writers only; a reader refuses it). */
  write?: boolean;
  lockStaleMs?: number;
  faults?: CommitFaults;
}

export class DuckDbCatalog implements Catalog {
  private turn: HeldLock | undefined;
  /** Views made by goldTableFor in this session (each gold turn gets its own name). */
  private rangeViews = 0;
  /** Commits made in this gold turn whose batches the views do not show yet. */
  private viewsStale = false;
  /** Each commit's recorded gold id range, parsed once (key: the commit's parameters). */
  private readonly goldIdsSeen = new WeakMap<Record<string, string>, IdRange | null | undefined>();
  /** Committed files found present (a file deleted later fails with DuckDB's own error until reopened). */
  private readonly seenFiles = new Set<string>();
  private readonly log: CommitLog;

  private constructor(
    private readonly session: DuckDbSession,
    private readonly layout: LakeLayout,
    private readonly database: string,
    private state: LogState,
    private readonly options: DuckDbCatalogOptions,
  ) {
    this.log = new CommitLog(layout);
  }

  static async open(session: DuckDbSession, layout: LakeLayout, options: DuckDbCatalogOptions = {}): Promise<DuckDbCatalog> {
    const database = options.database ?? 'procureflow_db';
    identifier(database);
    await migrateLegacyCatalog(layout, { write: options.write ?? false, lockStaleMs: options.lockStaleMs });
    const state = await new CommitLog(layout).read();
    if (state.version === 0) await assertNoOrphanCommits(layout);
    const catalog = new DuckDbCatalog(session, layout, database, state, options);
    await session.run(`CREATE SCHEMA IF NOT EXISTS ${database}`);
    await catalog.refreshViews();
    return catalog;
  }

  tableName(table: LakeTable): string {
    return `${this.database}.${table}`;
  }

  tableLocation(table: LakeTable): string {
    return tableDir(this.layout, table) + path.sep;
  }

  partitionLocation(table: LakeTable, batchId: string): string {
    identifier(batchId);
    return partitionDir(this.layout, table, batchId) + path.sep;
  }

  partFile(table: LakeTable, batchId: string): string {
    return path.join(this.partitionLocation(table, batchId), PART_FILE);
  }

  async registerLandedFile(tableName: string, ref: ObjectRef): Promise<void> {
    identifier(tableName);
    const prepared = await prepareLandedText(this.layout.objectPath(ref.bucket, ref.key), this.layout.workDir, tableName);
    // One VARCHAR column per line: NUL never occurs in a prepared file, so it is the delimiter,
    // and quoting is off so that `"` is plain text as in Athena's reader. new_line '\n' makes LF
    // and a lone CR each end a line, as Trino's reader does; a detected CR LF would drop the byte
    // after a stray CR.
    await this.session.run(
      `CREATE OR REPLACE VIEW ${tableName} AS SELECT line FROM read_csv(${renderValue(literal(prepared.path))},
        columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '', header = false,
        new_line = '\\n', auto_detect = false, strict_mode = false, max_line_size = ${READER_MAX_LINE_BYTES}, buffer_size = ${READER_BUFFER_BYTES},
        compression = '${prepared.gzip ? 'gzip' : 'none'}')`,
    );
  }

  async dropWorkTable(tableName: string): Promise<void> {
    identifier(tableName);
    await this.session.run(`DROP VIEW IF EXISTS ${tableName}`);
    // A landed file's prepared copy (or link) goes with its table.
    await removePreparedText(this.layout.workDir, tableName);
  }

  /**
   * The commit, under the lake lock: the batch's entry is copied into its gold partition, then
   * created as the log's next version, put-if-absent. Should another writer have taken that
   * version (only possible if the lock was lost), the log is read again and the commit retried
   * at the next version, unless the batch is committed by then or the other commits' gold shares
   * ids with this batch's (its first-write-wins dedupe would be stale): that fails loudly.
   */
  async commitBatch(batchId: string, parameters: Record<string, string>, goldLocation?: string): Promise<void> {
    if (!this.turn) return this.withGoldTurn(() => this.commitBatch(batchId, parameters, goldLocation));
    identifier(batchId);
    await this.refresh();
    if (this.state.batches.has(batchId)) return;
    if (goldLocation !== undefined) await this.takeGroupGold(batchId, goldLocation);
    for (const table of LAKE_TABLES) {
      const file = this.partFile(table, batchId);
      if (!(await this.filePresent(file))) throw new Error(`batch ${batchId}: ${file} is missing; nothing committed`);
    }
    const basedOn = this.state.version;
    for (;;) {
      const lost = this.turn.lost();
      if (lost) throw new Error(`batch ${batchId}: the lake lock was lost before the commit (${lost.message}); nothing committed, ingest the file again`);
      const version = this.state.version + 1;
      // The commit time rides in the parameters, so the log's entry format stays as it is.
      const entry = { kind: 'commit' as const, batchId, parameters: { ...parameters, [COMMITTED_AT]: new Date().toISOString() } };
      let written: LogEntry;
      try {
        written = await this.log.append(entry, version, this.options.faults);
      } catch (error) {
        if (!(error instanceof CommitConflictError)) throw error;
        await this.refresh();
        if (this.state.batches.has(batchId)) return;
        await this.assertGoldStillFirst(batchId, basedOn);
        continue;
      }
      await this.options.faults?.afterCommitFile?.(this.log.logFile(version));
      await writeCommitMarker(this.layout, written);
      applyEntry(this.state, written);
      // The views list every committed file: rebuilt once when the gold turn ends, not per commit
      // of a group (withGoldTurn), so a group's commits do not each cost the lake's size.
      this.viewsStale = true;
      if (version % CHECKPOINT_EVERY === 0) await this.log.writeCheckpoint(this.state);
      return;
    }
  }

  /** The batch's figures if committed, read from the log as it is on disk now. */
  async committedBatch(batchId: string): Promise<Record<string, string> | undefined> {
    await this.refresh();
    const committed = this.state.batches.get(batchId)?.parameters;
    // A crash between the commit and the cleanup step leaves the landed file's prepared copy;
    // the re-delivery that finds the batch committed is the moment to remove it.
    if (committed) await removePreparedText(this.layout.workDir, landedWorkTable(batchId));
    return committed;
  }

  /**
   * Holds the lake lock for `run`, on the catalog as committed on disk when the lock was taken.
   * Group gold staging is written only under the lock, so whatever is there at either end of a
   * turn is a crashed or finished group's and goes.
   */
  async withGoldTurn<T>(run: () => Promise<T>): Promise<T> {
    if (this.turn) return run();
    const lock = await takeLakeLock(this.layout, this.options.lockStaleMs ?? LOCK_STALE_MS);
    this.turn = lock;
    try {
      await rm(this.groupsDir(), { recursive: true, force: true });
      await this.refresh();
      return await run();
    } finally {
      this.turn = undefined;
      await rm(this.groupsDir(), { recursive: true, force: true }).catch(() => undefined);
      await lock.release();
      if (this.viewsStale) {
        this.viewsStale = false;
        await this.refreshViews();
      }
    }
  }

  /** Group gold staging: under the work folder, moved into each batch's partition at its commit. */
  groupLocation(groupId: string): string {
    identifier(groupId);
    return path.join(this.groupsDir(), groupId) + path.sep;
  }

  private groupsDir(): string {
    return path.join(this.layout.workDir, 'gold-groups');
  }

  /**
   * Moves a batch's gold file from the group's staging (`<goldLocation>`, one DuckDB file per
   * batch) to the batch's own partition file, so every committed batch keeps its one file at
   * partFile (what the views, repair and the damage checks read). A batch that loaded no row has
   * no staging file: it gets an empty Parquet file with gold's columns. A rename on one file
   * system: the file is whole at its new name or still at the old one.
   */
  private async takeGroupGold(batchId: string, goldLocation: string): Promise<void> {
    const target = this.partFile('cleaned_transactions', batchId);
    const staged = (await readdir(goldLocation).catch(() => [] as string[])).filter((name) => name.endsWith('.parquet'));
    if (staged.length > 1) throw new Error(`batch ${batchId}: ${staged.length} gold files in ${goldLocation}, expected one; nothing committed`);
    await mkdir(path.dirname(target), { recursive: true });
    if (staged.length === 1) {
      await rename(path.join(goldLocation, staged[0] as string), target);
      return;
    }
    if ((await stat(target).catch(() => undefined))?.isFile()) return;
    await this.session.run(`COPY (SELECT ${nullColumns('cleaned_transactions')} WHERE false) TO ${renderValue(literal(target))} (FORMAT parquet, COMPRESSION snappy)`);
  }

  async listCommitted(): Promise<CommittedBatchRecord[]> {
    await this.refresh();
    return this.committed().map((batch) => ({ batchId: batch.batchId, parameters: batch.parameters, committedAt: batch.parameters[COMMITTED_AT] }));
  }

  /**
   * A `drop` entry in the commit log, under the lake lock: silver, rejects and gold of the batch
   * disappear from the views together. Its folders are removed by the caller (and by repair,
   * which removes folders no commit names, should the caller crash first).
   */
  async dropBatch(batchId: string, reason: string): Promise<boolean> {
    identifier(batchId);
    return this.withGoldTurn(async () => {
      for (;;) {
        if (!this.state.batches.has(batchId)) return false;
        let written: LogEntry;
        try {
          written = await this.log.append({ kind: 'drop', batchId, reason }, this.state.version + 1, this.options.faults);
        } catch (error) {
          if (!(error instanceof CommitConflictError)) throw error;
          await this.refresh();
          continue;
        }
        applyEntry(this.state, written);
        for (const table of LAKE_TABLES) this.seenFiles.delete(this.partFile(table, batchId));
        await this.refreshViews();
        if (written.version % CHECKPOINT_EVERY === 0) await this.log.writeCheckpoint(this.state);
        return true;
      }
    });
  }

  /**
   * A view of the committed gold that can hold ids in `range`: only the batches whose recorded
   * gold range (BatchFigures.goldIds) overlaps it, so the dedupe reads a bounded part of gold when
   * ids grow with time (DuckDB would otherwise open every file for its statistics). A batch with
   * no recorded range (committed before ranges were recorded) is always read; one that loaded no
   * row never is. A damaged batch in the range fails the read, naming the batch and the fix.
   */
  async goldTableFor(range: IdRange): Promise<string> {
    const name = `gold_for_range_${++this.rangeViews}`;
    const overlapping = this.committed().filter((batch) => {
      const ids = this.goldIdsOf(batch);
      return ids === undefined || (ids !== null && rangesOverlap(ids, range));
    });
    // A damaged batch that may hold some of these ids fails the gold step here, naming it: an
    // error branch inside the view could be pruned away by the optimizer (its columns are constant
    // NULLs, so a filter such as the dedupe horizon's date test folds to false before it runs).
    for (const batch of overlapping) {
      const file = this.partFile('cleaned_transactions', batch.batchId);
      if (!(await this.filePresent(file))) throw new Error(this.damageMessage('cleaned_transactions', batch, file));
    }
    const parts = await this.tableBranches('cleaned_transactions', overlapping);
    await this.session.run(`CREATE OR REPLACE VIEW ${name} AS ${parts.join('\nUNION ALL ')}`);
    return name;
  }

  async goldIdCeiling(): Promise<string | undefined> {
    let ceiling: string | undefined;
    for (const batch of this.committed()) {
      const ids = this.goldIdsOf(batch);
      if (ids === undefined) return undefined;
      if (ids !== null && (ceiling === undefined || compareIds(ids.max, ceiling) > 0)) ceiling = ids.max;
    }
    return ceiling;
  }

  private goldIdsOf(batch: CommittedBatch): IdRange | null | undefined {
    if (!this.goldIdsSeen.has(batch.parameters)) this.goldIdsSeen.set(batch.parameters, figuresFromParameters(batch.parameters)?.goldIds);
    return this.goldIdsSeen.get(batch.parameters);
  }

  /** Committed batches, in commit order. */
  committed(): CommittedBatch[] {
    return [...this.state.batches.values()];
  }

  /** Committed batch ids, in commit order (the same for the three tables). */
  batches(_table?: LakeTable): string[] {
    return [...this.state.batches.keys()];
  }

  get version(): number {
    return this.state.version;
  }

  /** Reads the commits made since this catalog last looked, and shows them. */
  async refresh(): Promise<void> {
    const latest = await this.log.read(this.state);
    if (latest.version === this.state.version) return;
    this.state = latest;
    await this.refreshViews();
  }

  private async assertGoldStillFirst(batchId: string, basedOn: number): Promise<void> {
    const others = this.committed()
      .filter((batch) => batch.version > basedOn)
      .map((batch) => renderValue(literal(this.partFile('cleaned_transactions', batch.batchId))));
    if (others.length === 0) return;
    const [row] = await this.session.rows(
      `SELECT count(*) AS shared FROM read_parquet(${renderValue(literal(this.partFile('cleaned_transactions', batchId)))})
       WHERE transaction_id IN (SELECT transaction_id FROM read_parquet([${others.join(', ')}]))`,
    );
    if (Number(row?.shared) > 0) {
      throw new Error(`batch ${batchId}: other batches committed gold with the same transaction ids while this one held the lake lock; nothing committed, ingest the file again`);
    }
  }

  /**
   * Each table's view: one read of every committed batch's Parquet file. A committed file that
   * is missing becomes a branch that raises an error naming the batch and the fix, so only
   * queries that read that batch of that table fail.
   */
  private async refreshViews(): Promise<void> {
    const batches = this.committed();
    for (const table of LAKE_TABLES) {
      const parts = await this.tableBranches(table, batches);
      await this.session.run(`CREATE OR REPLACE VIEW ${this.tableName(table)} AS ${parts.join('\nUNION ALL ')}`);
    }
    // `batches`: each committed batch's figures as columns (batch-operations.ts).
    const rows = batches.map((batch) => batchRow(batch.batchId, batch.parameters, batch.parameters[COMMITTED_AT]));
    await this.session.run(`CREATE OR REPLACE VIEW ${this.database}.batches AS ${batchesViewSelect(rows)}`);
  }

  /** Each file is looked for once per catalog, so a commit's cost does not grow with the lake. */
  private async filePresent(file: string): Promise<boolean> {
    if (this.seenFiles.has(file)) return true;
    const found = (await stat(file).catch(() => undefined))?.isFile() === true;
    if (found) this.seenFiles.add(file);
    return found;
  }

  /**
   * The UNION ALL branches of a table over `batches`: one read of their Parquet files, and for
   * each committed file that is missing a branch that raises an error naming the batch and the fix.
   */
  private async tableBranches(table: LakeTable, batches: CommittedBatch[]): Promise<string[]> {
    const present: string[] = [];
    const missing: string[] = [];
    await Promise.all(
      batches.map(async (batch, i) => {
        const file = this.partFile(table, batch.batchId);
        if (await this.filePresent(file)) present[i] = file;
        else missing[i] = this.damagedBranch(table, batch, file);
      }),
    );
    const parts = [`SELECT ${nullColumns(table)}, CAST(NULL AS VARCHAR) AS batch_id WHERE false`];
    const files = present.filter(Boolean);
    if (files.length > 0) {
      // hive_partitioning reads batch_id from the `batch_id=<id>/` folder, as a string.
      parts.push(
        `SELECT * FROM read_parquet([${files.map((file) => renderValue(literal(file))).join(', ')}], hive_partitioning = true, hive_types_autocast = false)`,
      );
    }
    parts.push(...missing.filter(Boolean));
    return parts;
  }

  private damageMessage(table: LakeTable, batch: CommittedBatch, file: string): string {
    const source = figuresFromParameters(batch.parameters)?.sourceFile ?? 'its landed file';
    return `batch ${batch.batchId} of ${table} is damaged: its committed file ${file} is missing; run \`procureflow repair --lake ${this.layout.root} --drop-damaged\`, then ingest ${source} again`;
  }

  private damagedBranch(table: LakeTable, batch: CommittedBatch, file: string): string {
    // The batch_id literal lets a filter on other batches skip this branch.
    return `SELECT ${nullColumns(table)}, ${renderValue(literal(batch.batchId))} AS batch_id FROM range(1) WHERE error(${renderValue(literal(this.damageMessage(table, batch, file)))}) IS NULL`;
  }
}

/**
 * Copies a commit entry into its batch's gold partition, right after the commit file (so a
 * marker always means "committed"): repair can rebuild a lost or damaged log from the markers.
 */
export async function writeCommitMarker(layout: LakeLayout, entry: LogEntry): Promise<void> {
  if (entry.kind !== 'commit') return;
  await writeFileAtomically(commitMarkerFile(layout, entry.batchId), JSON.stringify(entry));
}

/**
 * An empty log beside gold partitions that hold commit markers means the catalog was deleted:
 * that is damage to repair, not an empty lake to write over.
 */
async function assertNoOrphanCommits(layout: LakeLayout): Promise<void> {
  const goldDir = tableDir(layout, 'cleaned_transactions');
  const folders = await readdir(goldDir).catch(() => [] as string[]);
  for (const folder of folders) {
    if (await stat(path.join(goldDir, folder, COMMIT_MARKER)).catch(() => undefined)) {
      throw new CatalogDamagedError(layout.commitLogDir, `is missing or empty, but gold partitions hold commits (${path.join(goldDir, folder)})`, layout.root);
    }
  }
}
