// Opens an existing lake for the reading commands, with the lake's schema as the default one,
// so that `SHOW TABLES`, `DESCRIBE cleaned_transactions` and unqualified names work as users
// expect, while `procureflow_db.cleaned_transactions` (the name Athena needs) keeps working.
import type { Command } from 'commander';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { type LocalLake, openLocalLake } from '../handlers/local/local-lake.ts';
import { existingLakeDir, lakeOrigin } from './lake-option.ts';

export interface ReadLake {
  lake: LocalLake;
  /** The schema holding the lake's tables, e.g. procureflow_db. */
  schema: string;
}

/** The lake of a command given withLakeOption and withMemoryLimitOption. */
export async function openLakeForReading(command: Command): Promise<ReadLake> {
  const options = command.opts<{ lake?: string; memoryLimit?: string }>();
  const root = await existingLakeDir(options.lake, lakeOrigin(command));
  const lake = await openLocalLake({ root, log: silentLog, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) });
  try {
    const schema = lake.catalog.tableName('cleaned_transactions').split('.')[0] ?? 'procureflow_db';
    await lake.session.run(`USE ${schema}`);
    return { lake, schema };
  } catch (error) {
    await lake.close();
    throw error;
  }
}
