// The query engine port on DuckDB: a CTAS is a COPY to Snappy Parquet plus a view over it.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { QueryEngine, StepContext } from '../core/ports.ts';
import { literal, renderValue } from '../core/sql-template.ts';
import type { DuckDbSession, Row } from './duckdb-session.ts';

/** The Parquet file a materialized step writes into its location. */
export const PART_FILE = 'part-00000.snappy.parquet';

export class DuckDbEngine implements QueryEngine {
  constructor(private readonly session: DuckDbSession) {}

  async materialize(tableName: string, select: string, location: string, _context: StepContext): Promise<void> {
    await mkdir(location, { recursive: true });
    const file = renderValue(literal(path.join(location, PART_FILE)));
    await this.session.run(`COPY (${select}) TO ${file} (FORMAT parquet, COMPRESSION snappy)`);
    await this.session.run(`CREATE OR REPLACE VIEW ${tableName} AS SELECT * FROM read_parquet(${file})`);
  }

  /** COPY … PARTITION_BY (batch_id): DuckDB writes `<location>batch_id=<id>/data_0.parquet`. */
  async materializePartitioned(tableName: string, select: string, location: string, _context: StepContext): Promise<void> {
    await mkdir(location, { recursive: true });
    await this.session.run(`COPY (${select}) TO ${renderValue(literal(location))} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (batch_id))`);
    const files = (await readdir(location, { recursive: true })).filter((name) => name.endsWith('.parquet')).map((name) => path.join(location, name));
    // A group that loaded no row wrote no file: the view is the SELECT's empty shape.
    const columns = await this.session.describe(select);
    const empty = `SELECT ${columns.map((column) => `CAST(NULL AS ${column.type}) AS "${column.name}"`).join(', ')} WHERE false`;
    const read = files.length === 0 ? empty : `SELECT * FROM read_parquet([${files.map((file) => renderValue(literal(file))).join(', ')}], hive_partitioning = true, hive_types_autocast = false)`;
    await this.session.run(`CREATE OR REPLACE VIEW ${tableName} AS ${read}`);
  }

  async query(select: string, _context: StepContext): Promise<Row[]> {
    return this.session.rows(select);
  }
}
