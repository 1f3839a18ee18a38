// The local lake mirrors the cloud one: a folder per bucket, Hive-style partition folders.
import path from 'node:path';
import type { LakeTable } from '../core/ports.ts';
import { TABLE_LAYER } from '../core/tables.ts';

export const LOCAL_BUCKETS = { bronze: 'bronze', silver: 'silver', gold: 'gold' } as const;

export interface LakeLayout {
  root: string;
  bucketDir(bucket: string): string;
  objectPath(bucket: string, key: string): string;
  /** The catalog's folder: the commit log, its checkpoints and the lake lock. */
  catalogDir: string;
  /** One immutable file per commit, `<version>.json`, created put-if-absent. */
  commitLogDir: string;
  /** Snapshots of the log every few commits, so opening reads a bounded number of files. */
  checkpointDir: string;
  /** The catalog of earlier releases (one JSON rewritten per commit); migrated, then renamed. */
  legacyCatalogFile: string;
  workDir: string;
  spillDir: string;
  logFile: string;
  /** The lake lock (a folder, taken by mkdir): held for gold, figures and the commit. */
  lockFile: string;
  /** One live lock per writing process, so repair knows when no ingest runs. */
  writersDir: string;
}

/** Characters DuckDB would read as a glob in a file path; the lake root may not contain them. */
const GLOB_CHARACTERS = /[*?[\]{}]/;

export function lakeLayout(rootDir: string): LakeLayout {
  const root = path.resolve(rootDir);
  if (GLOB_CHARACTERS.test(root)) {
    throw new Error(`lake folder ${JSON.stringify(root)} contains a glob character (* ? [ ] { }); choose another folder`);
  }
  const bucketDir = (bucket: string) => {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket)) throw new Error(`invalid bucket name ${JSON.stringify(bucket)}`);
    return path.join(root, bucket);
  };
  return {
    root,
    bucketDir,
    objectPath(bucket, key) {
      const dir = bucketDir(bucket);
      const resolved = path.resolve(dir, key);
      if (!resolved.startsWith(dir + path.sep)) throw new Error(`object key ${JSON.stringify(key)} escapes its bucket`);
      return resolved;
    },
    catalogDir: path.join(root, '_catalog'),
    commitLogDir: path.join(root, '_catalog', 'log'),
    checkpointDir: path.join(root, '_catalog', 'checkpoints'),
    legacyCatalogFile: path.join(root, '_catalog', 'catalog.json'),
    workDir: path.join(root, '_work'),
    spillDir: path.join(root, '_work', 'spill'),
    logFile: path.join(root, '_logs', 'pipeline.jsonl'),
    lockFile: path.join(root, '_catalog', 'lake.lock'),
    writersDir: path.join(root, '_catalog', 'writers'),
  };
}

/** A lake table's folder: `<layer bucket>/<table>/`. */
export function tableDir(layout: LakeLayout, table: LakeTable): string {
  return path.join(layout.bucketDir(TABLE_LAYER[table]), table);
}

/** One batch's partition folder of a lake table (Hive style, as in the cloud). */
export function partitionDir(layout: LakeLayout, table: LakeTable, batchId: string): string {
  return path.join(tableDir(layout, table), `batch_id=${batchId}`);
}

/** The gold partition's copy of its commit entry (see DuckDbCatalog.commitBatch). */
export const COMMIT_MARKER = '_commit.json';

export function commitMarkerFile(layout: LakeLayout, batchId: string): string {
  return path.join(partitionDir(layout, 'cleaned_transactions', batchId), COMMIT_MARKER);
}
