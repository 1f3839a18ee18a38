// The query engine port on DuckDB: a CTAS is a COPY to Snappy Parquet plus a view over it.
import { mkdir } from 'node:fs/promises';
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

  async query(select: string, _context: StepContext): Promise<Row[]> {
    return this.session.rows(select);
  }
}
