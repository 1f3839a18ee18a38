// The analyst-owned SELECTs the core runs, read once from the `sql/` folder.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PipelineSql {
  silver: string;
  gold: string;
  rejects: string;
}

/** The repository's `sql/` folder, for runs from a clone. */
export const DEFAULT_SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');

export async function loadPipelineSql(sqlDir = DEFAULT_SQL_DIR): Promise<PipelineSql> {
  const read = (name: string) => readFile(path.join(sqlDir, name), 'utf8');
  const [silver, gold, rejects] = await Promise.all([
    read('silver/raw_transactions.sql'),
    read('gold/cleaned_transactions.sql'),
    read('gold/rejected_transactions.sql'),
  ]);
  return { silver, gold, rejects };
}
