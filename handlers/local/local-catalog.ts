// The catalog port for the local lake: partitions are registered in a JSON file (written
// atomically) and exposed as DuckDB views in the `procureflow_db` schema. A partition that is
// not registered is invisible, whatever files sit in its folder.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Catalog, LakeTable, ObjectRef } from '../core/ports.ts';
import { identifier, literal, renderValue } from '../core/sql-template.ts';
import { type Column, LAKE_TABLES, TABLE_COLUMNS, TABLE_LAYER } from '../core/tables.ts';
import { PART_FILE } from './duckdb-engine.ts';
import type { DuckDbSession } from './duckdb-session.ts';
import { prepareLandedText, READER_BUFFER_BYTES, READER_MAX_LINE_BYTES, removePreparedText } from './landed-text-file.ts';
import type { LakeLayout } from './lake-layout.ts';

interface CatalogState {
  tables: Record<string, { partitions: Record<string, { parameters: Record<string, string> }> }>;
}

/** Glue column types as DuckDB spells them. */
export const DUCKDB_TYPES: Record<Column['type'], string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  'decimal(12,2)': 'DECIMAL(12,2)',
};

export class LocalCatalog implements Catalog {
  private constructor(
    private readonly session: DuckDbSession,
    private readonly layout: LakeLayout,
    private readonly database: string,
    private state: CatalogState,
  ) {}

  static async open(session: DuckDbSession, layout: LakeLayout, database = 'procureflow_db'): Promise<LocalCatalog> {
    identifier(database);
    const text = await readFile(layout.catalogFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const state: CatalogState = text ? (JSON.parse(text) as CatalogState) : { tables: {} };
    const catalog = new LocalCatalog(session, layout, database, state);
    await session.run(`CREATE SCHEMA IF NOT EXISTS ${database}`);
    for (const table of LAKE_TABLES) await catalog.refreshView(table);
    return catalog;
  }

  tableName(table: LakeTable): string {
    return `${this.database}.${table}`;
  }

  tableLocation(table: LakeTable): string {
    return path.join(this.layout.bucketDir(TABLE_LAYER[table]), table) + path.sep;
  }

  partitionLocation(table: LakeTable, batchId: string): string {
    identifier(batchId);
    return path.join(this.tableLocation(table), `batch_id=${batchId}`) + path.sep;
  }

  async registerLandedFile(tableName: string, ref: ObjectRef): Promise<void> {
    identifier(tableName);
    const prepared = await prepareLandedText(this.layout.objectPath(ref.bucket, ref.key), this.layout.workDir, tableName);
    // One VARCHAR column per line: NUL never occurs in a prepared file, so it is the delimiter,
    // and quoting is off so that `"` is plain text as in Athena's reader.
    await this.session.run(
      `CREATE OR REPLACE VIEW ${tableName} AS SELECT line FROM read_csv(${renderValue(literal(prepared.path))},
        columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '', header = false,
        auto_detect = false, strict_mode = false, max_line_size = ${READER_MAX_LINE_BYTES}, buffer_size = ${READER_BUFFER_BYTES},
        compression = '${prepared.gzip ? 'gzip' : 'none'}')`,
    );
  }

  async dropWorkTable(tableName: string): Promise<void> {
    identifier(tableName);
    await this.session.run(`DROP VIEW IF EXISTS ${tableName}`);
    // A landed file's prepared copy (or link) goes with its table.
    await removePreparedText(this.layout.workDir, tableName);
  }

  async commitBatch(batchId: string, parameters: Record<string, string>): Promise<void> {
    await this.registerPartition('raw_transactions', batchId);
    await this.registerPartition('rejected_transactions', batchId);
    await this.registerPartition('cleaned_transactions', batchId, parameters);
  }

  async committedBatch(batchId: string): Promise<Record<string, string> | undefined> {
    return this.partitionParameters('cleaned_transactions', batchId);
  }

  async withGoldTurn<T>(run: () => Promise<T>): Promise<T> {
    return run();
  }

  async registerPartition(table: LakeTable, batchId: string, parameters: Record<string, string> = {}): Promise<void> {
    identifier(batchId);
    const entry = (this.state.tables[table] ??= { partitions: {} });
    if (entry.partitions[batchId]) return;
    entry.partitions[batchId] = { parameters };
    try {
      await this.refreshView(table);
    } catch (error) {
      delete entry.partitions[batchId];
      throw error;
    }
    await this.save();
  }

  async partitionParameters(table: LakeTable, batchId: string): Promise<Record<string, string> | undefined> {
    return this.state.tables[table]?.partitions[batchId]?.parameters;
  }

  /** Committed batch ids of a table, in registration order. */
  batches(table: LakeTable): string[] {
    return Object.keys(this.state.tables[table]?.partitions ?? {});
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.layout.catalogFile), { recursive: true });
    const partial = `${this.layout.catalogFile}.${process.pid}.partial`;
    await writeFile(partial, JSON.stringify(this.state, null, 1));
    await rename(partial, this.layout.catalogFile);
  }

  /** The table's view: its registered partitions, or no rows with the right columns. */
  private async refreshView(table: LakeTable): Promise<void> {
    const columns = TABLE_COLUMNS[table].map((column) => `CAST(NULL AS ${DUCKDB_TYPES[column.type]}) AS ${column.name}`);
    const parts = this.batches(table).map(
      (batchId) =>
        `SELECT *, ${renderValue(literal(batchId))} AS batch_id FROM read_parquet(${renderValue(
          literal(path.join(this.partitionLocation(table, batchId), PART_FILE)),
        )}, hive_partitioning = false)`,
    );
    const empty = `SELECT ${columns.join(', ')}, CAST(NULL AS VARCHAR) AS batch_id WHERE false`;
    await this.session.run(`CREATE OR REPLACE VIEW ${this.tableName(table)} AS ${[empty, ...parts].join('\nUNION ALL ')}`);
  }
}
