// Builds the local adapters around one lake folder and hands them to the pipeline core.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Landing } from '../core/landing-event.ts';
import type { LandingPorts } from '../core/handle-landings.ts';
import { jsonLinesLog, type PipelineLog } from '../core/pipeline-log.ts';
import { loadPipelineSql } from '../core/pipeline-sql.ts';
import type { ZipLimits } from '../core/zip-landing.ts';
import { DuckDbEngine } from './duckdb-engine.ts';
import { defaultDuckDbThreads, DuckDbSession } from './duckdb-session.ts';
import { FsObjectStore } from './fs-object-store.ts';
import { lakeLayout, type LakeLayout, LOCAL_BUCKETS } from './lake-layout.ts';
import type { CommitFaults } from './commit-log.ts';
import { registerWriter } from './lake-lock.ts';
import { DuckDbCatalog } from './duckdb-catalog.ts';

const DEFAULT_LAKE_DIR = '.lake';
/** Landed bytes per gold statement of a local group (process-group.ts, maxGroupBytes). */
const LOCAL_MAX_GROUP_BYTES = 1024 ** 3;
/** DuckDB's share; Node, buffers and Parquet writers take the rest of a ~1 GB process. */
export const DEFAULT_MEMORY_LIMIT = '400MB';

export interface LocalLakeOptions {
  root: string;
  /** DuckDB's memory limit (default DEFAULT_MEMORY_LIMIT); the CLI passes --memory-limit / PROCUREFLOW_MEMORY_LIMIT. */
  memoryLimit?: string;
  threads?: number;
  log?: PipelineLog;
  zipLimits?: ZipLimits;
  sqlDir?: string;
  /**
   * A writer (ingest) registers itself so that repair waits for it, and may migrate an old
   * catalog. Readers take no lock: they read immutable commit files, so they see whole commits.
   * Writers hold the lake lock only for gold, figures and the commit (Catalog.withGoldTurn).
   */
  write?: boolean;
  /** A lock not refreshed for this long was left by a dead process; tests shorten it. */
  lockStaleMs?: number;
  /** The dedupe horizon in days (process-group.ts dedupeHorizonDays); none = the whole gold. The CLI's --dedupe-horizon-days. */
  dedupeHorizonDays?: number;
  /** Test hooks that stop a commit half-way. */
  commitFaults?: CommitFaults;
}

export interface LocalLake {
  layout: LakeLayout;
  session: DuckDbSession;
  catalog: DuckDbCatalog;
  store: FsObjectStore;
  ports: LandingPorts;
  close(): Promise<void>;
}

/**
 * The lake folder given, else `./.lake`, as an absolute path. The environment is not read here:
 * the CLI reads PROCUREFLOW_LAKE through commander (cli/lake-option.ts) and passes the value.
 */
export function resolveLakeDir(dir: string = DEFAULT_LAKE_DIR): string {
  return path.resolve(dir);
}

/** Appends the pipeline's JSON lines to the lake's log file. */
function lakeFileLog(layout: LakeLayout): PipelineLog {
  mkdirSync(path.dirname(layout.logFile), { recursive: true });
  return jsonLinesLog((line) => appendFileSync(layout.logFile, line));
}

export async function openLocalLake(options: LocalLakeOptions): Promise<LocalLake> {
  const layout = lakeLayout(options.root);
  const writer = options.write ? await registerWriter(layout, options.lockStaleMs) : undefined;
  const release = async () => writer?.release();
  try {
    const session = await DuckDbSession.open({
      memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      threads: options.threads ?? defaultDuckDbThreads(),
      spillDir: layout.spillDir,
    });
    const catalog = await DuckDbCatalog.open(session, layout, { write: options.write, lockStaleMs: options.lockStaleMs, faults: options.commitFaults }).catch(
      (error: unknown) => {
        session.close();
        throw error;
      },
    );
    const store = new FsObjectStore(layout);
    const log = options.log ?? lakeFileLog(layout);
    const ports: LandingPorts = {
      store,
      catalog,
      engine: new DuckDbEngine(session),
      sql: await loadPipelineSql(options.sqlDir),
      log,
      zipLimits: options.zipLimits,
      workDir: layout.workDir,
      processUnpackedMembers: true,
      // A local group's gold statement takes at most 1 GiB of landed files: measured, a group of
      // 400 MB peaked at 916 MB RSS against 690 MB for the same files one by one.
      maxGroupBytes: LOCAL_MAX_GROUP_BYTES,
      // The gold statement and the duplicates figure would each scan the id column of every
      // committed batch that may hold the group's ids: one scan, into a small work table.
      readGoldOnce: true,
      ...(options.dedupeHorizonDays ? { dedupeHorizonDays: options.dedupeHorizonDays } : {}),
    };
    return {
      layout,
      session,
      catalog,
      store,
      ports,
      async close() {
        session.close();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Lands a local file in bronze under its file name, as an upload to the bronze bucket would. */
export async function landFile(lake: LocalLake, file: string, key = path.basename(file)): Promise<Landing> {
  const ref = { bucket: LOCAL_BUCKETS.bronze, key };
  const written = await lake.store.importFile(ref, file);
  return { ref, size: written.size, etag: written.etag };
}
