// Runs the analysts' queries from sql/analytics on the local lake.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_SQL_DIR } from '../handlers/core/pipeline-sql.ts';
import type { LocalLake } from '../handlers/local/local-lake.ts';

/** The names of the analysts' queries: one `<name>.sql` each, shipped as Athena named queries. */
export async function analyticsNames(sqlDir = DEFAULT_SQL_DIR): Promise<string[]> {
  const files = await readdir(path.join(sqlDir, 'analytics'));
  return files.filter((file) => file.endsWith('.sql')).map((file) => file.slice(0, -'.sql'.length)).sort();
}

export async function runAnalytics(lake: LocalLake, name: string, sqlDir = DEFAULT_SQL_DIR): Promise<Record<string, unknown>[]> {
  const sql = await readFile(path.join(sqlDir, 'analytics', `${name}.sql`), 'utf8');
  return lake.session.rows(sql);
}
