// Opens an existing lake for the reading commands, with the lake's schema as the default one,
// so that `SHOW TABLES`, `DESCRIBE cleaned_transactions` and unqualified names work as users
// expect, while `procureflow_db.cleaned_transactions` (the name Athena needs) keeps working.
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { type LocalLake, openLocalLake } from '../handlers/local/local-lake.ts';
import { existingLakeDir } from './lake-option.ts';

export interface ReadLake {
  lake: LocalLake;
  /** The schema holding the lake's tables, e.g. procureflow_db. */
  schema: string;
}

export async function openLakeForReading(flag?: string): Promise<ReadLake> {
  const root = await existingLakeDir(flag);
  const lake = await openLocalLake({ root, log: silentLog });
  try {
    const schema = lake.catalog.tableName('cleaned_transactions').split('.')[0] ?? 'procureflow_db';
    await lake.session.run(`USE ${schema}`);
    return { lake, schema };
  } catch (error) {
    await lake.close();
    throw error;
  }
}
