// One embedded DuckDB for the local run, with a memory limit and a spill folder so that it
// spills to disk rather than dies on a large file.
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { DuckDBConnection, DuckDBDecimalValue, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export interface DuckDbSettings {
  /** DuckDB's own memory limit, e.g. '600MB'; the process stays under ~1 GB with the default. */
  memoryLimit: string;
  threads: number;
  spillDir: string;
}

export type Row = Record<string, unknown>;

/** Functions that Athena (Trino) has and DuckDB names differently, so sql/ runs on both. */
const TRINO_COMPATIBILITY_MACROS = [
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO cardinality(l) AS len(l)',
  // Trino's to_utf8(varchar) → varbinary and from_utf8(varbinary) → varchar. A DuckDB VARCHAR is
  // always valid UTF-8 (the local reader decodes bad bytes to U+FFFD first), so the round trip
  // never fails here; Trino's from_utf8 replaces invalid sequences with U+FFFD.
  'CREATE OR REPLACE MACRO to_utf8(s) AS encode(s)',
  'CREATE OR REPLACE MACRO from_utf8(b) AS decode(b)',
];

export class DuckDbSession {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(settings: DuckDbSettings): Promise<DuckDbSession> {
    await mkdir(settings.spillDir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: settings.memoryLimit,
      threads: String(settings.threads),
      temp_directory: settings.spillDir,
      // Order across threads does not matter to any table here, and keeping it costs memory.
      preserve_insertion_order: 'false',
      // The local lake is local files only; never reach out for extensions.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    const session = new DuckDbSession(instance, connection);
    for (const macro of TRINO_COMPATIBILITY_MACROS) await session.run(macro);
    return session;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async rows(sql: string): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjects().map((row) => {
      const plain: Row = {};
      for (const [name, value] of Object.entries(row)) plain[name] = plainValue(value);
      return plain;
    });
  }

  /** Column names and DuckDB types of a SELECT, without running it. */
  async describe(sql: string): Promise<Array<{ name: string; type: string }>> {
    const rows = await this.rows(`DESCRIBE ${sql}`);
    return rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Numbers as numbers (counts, money), dates and timestamps as their SQL text. */
export function plainValue(value: DuckDBValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  return String(value);
}

export const defaultDuckDbThreads = () => Math.max(1, os.availableParallelism());
