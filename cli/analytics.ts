// Runs the analysts' queries from sql/analytics on the local lake.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_SQL_DIR } from '../handlers/core/pipeline-sql.ts';
import type { LocalLake } from '../handlers/local/local-lake.ts';

export async function runAnalytics(lake: LocalLake, name: string, sqlDir = DEFAULT_SQL_DIR): Promise<Record<string, unknown>[]> {
  const sql = await readFile(path.join(sqlDir, 'analytics', `${name}.sql`), 'utf8');
  return lake.session.rows(sql);
}
