// Lakes written by earlier releases keep their catalog in one `_catalog/catalog.json`, rewritten
// per commit. A writer (ingest, repair) migrates it once, under the lake lock: each batch whose
// gold partition it registered becomes a commit in the log, in registration order, and the old
// file is renamed `catalog.json.migrated`. A batch registered in silver only (a crash of the old
// three-step commit) was never committed and is left for repair as unregistered folders.
// A reader refuses an unmigrated lake rather than guess.
import { readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { CatalogDamagedError, CommitLog, writeFileAtomically } from './commit-log.ts';
import { commitMarkerFile, type LakeLayout } from './lake-layout.ts';
import { withLakeLock } from './lake-lock.ts';

interface LegacyState {
  tables?: Record<string, { partitions?: Record<string, { parameters?: Record<string, string> }> }>;
}

export async function migrateLegacyCatalog(layout: LakeLayout, options: { write: boolean; lockStaleMs?: number }): Promise<number> {
  const file = layout.legacyCatalogFile;
  if (!(await stat(file).catch(() => undefined))) return 0;
  if (!options.write) {
    throw new Error(`${file} is the catalog of an earlier release; run \`procureflow repair --lake ${layout.root}\` (or any ingest) once to migrate it`);
  }
  return withLakeLock(
    layout,
    async () => {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (text === undefined) return 0; // migrated meanwhile by another writer
      let legacy: LegacyState;
      try {
        legacy = JSON.parse(text) as LegacyState;
      } catch (error) {
        throw new CatalogDamagedError(file, `(a catalog of an earlier release) is not valid JSON: ${(error as Error).message}`, layout.root);
      }
      const log = new CommitLog(layout);
      const state = await log.read();
      let migrated = 0;
      for (const [batchId, partition] of Object.entries(legacy.tables?.cleaned_transactions?.partitions ?? {})) {
        if (state.batches.has(batchId)) continue;
        const entry = await log.append({ kind: 'commit', batchId, parameters: partition.parameters ?? {} }, state.version + 1);
        state.version = entry.version;
        state.batches.set(batchId, { batchId, version: entry.version, parameters: partition.parameters ?? {} });
        const marker = commitMarkerFile(layout, batchId);
        if (await stat(path.dirname(marker)).catch(() => undefined)) await writeFileAtomically(marker, JSON.stringify(entry));
        migrated++;
      }
      if (state.version > 0) await log.writeCheckpoint(state);
      await rename(file, `${file}.migrated`);
      return migrated;
    },
    options.lockStaleMs,
  );
}
