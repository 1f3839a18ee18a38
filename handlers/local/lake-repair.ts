// `procureflow repair`: checks a local lake against its catalog and puts back what the files on
// disk vouch for. It holds the lake lock throughout and refuses to run beside a live ingest.
//
// What it can vouch for:
// - a commit whose log file is intact;
// - a commit whose log file is missing or damaged, from the copy of the entry its gold partition
//   keeps (`_commit.json`, written right after the commit file) or from a checkpoint holding it;
// - a committed batch is sound when its three Parquet files exist with the sizes its figures
//   recorded.
// What it cannot: a log version with no intact copy anywhere (recorded as a `lost` entry so the
// log stays gapless, and reported), and a committed batch whose files are missing or changed
// (reported; `dropDamaged` drops it from the catalog so that ingesting its file again redoes it).
// Leftovers it removes: partition folders of batches that are not committed, `.partial` files,
// landed-file copies and unpacked zips under `_work/` (not spill files: a running query may own them), temporary catalog files and
// registrations of dead writers.
import { link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { figuresFromParameters } from '../core/batch-figures.ts';
import type { LakeTable } from '../core/ports.ts';
import { LAKE_TABLES } from '../core/tables.ts';
import { applyEntry, CommitLog, emptyState, type LogEntry, type LogState, parseEntry, writeFileAtomically } from './commit-log.ts';
import { PART_FILE } from './duckdb-engine.ts';
import { LOCK_STALE_MS, liveWriters, withLakeLock } from './lake-lock.ts';
import { COMMIT_MARKER, commitMarkerFile, type LakeLayout, LOCAL_BUCKETS, partitionDir, tableDir } from './lake-layout.ts';
import { migrateLegacyCatalog } from './legacy-catalog.ts';
import { isStalePartial, parsePartialName } from './partial-files.ts';

export interface RepairOptions {
  dryRun?: boolean;
  /** Drop committed batches whose files are missing or changed, so their files can be ingested again. */
  dropDamaged?: boolean;
  lockStaleMs?: number;
}

export interface RepairReport {
  /** What was done (or, in a dry run, would be done). */
  actions: string[];
  /** What is left that repair could not vouch for or mend. */
  problems: string[];
  /** Committed batches after the repair. */
  batches: number;
}

interface Slot {
  entry?: LogEntry;
  /** Why the slot's log file cannot be used as it is. */
  damage?: string;
}

export async function repairLake(layout: LakeLayout, options: RepairOptions = {}): Promise<RepairReport> {
  const report: RepairReport = { actions: [], problems: [], batches: 0 };
  const dry = options.dryRun ?? false;
  const act = async (description: string, run: () => Promise<unknown>) => {
    report.actions.push(description);
    if (!dry) await run();
  };
  const staleMs = options.lockStaleMs ?? LOCK_STALE_MS;
  if (await stat(layout.legacyCatalogFile).catch(() => undefined)) {
    await act(`migrate the catalog of an earlier release ${layout.legacyCatalogFile} to the commit log`, () =>
      migrateLegacyCatalog(layout, { write: true, lockStaleMs: staleMs }),
    );
  }
  await withLakeLock(
    layout,
    async () => {
      const writers = await liveWriters(layout, staleMs);
      if (writers.length > 0) {
        throw new Error(`${writers.length} ingest process(es) write to ${layout.root} right now (${layout.writersDir}); run repair when they are done`);
      }
      const state = await repairLog(layout, report, act);
      report.batches = state.batches.size;
      await repairPartitions(layout, state, report, act, options.dropDamaged ?? false);
      await removeLeftovers(layout, report, act);
    },
    staleMs,
  );
  return report;
}

type Act = (description: string, run: () => Promise<unknown>) => Promise<void>;

async function readMaybe(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** Gold partitions' copies of their commit entries, by version. */
async function commitMarkers(layout: LakeLayout): Promise<Map<number, LogEntry[]>> {
  const byVersion = new Map<number, LogEntry[]>();
  const goldDir = tableDir(layout, 'cleaned_transactions');
  for (const folder of await readdir(goldDir).catch(() => [] as string[])) {
    const text = await readMaybe(path.join(goldDir, folder, COMMIT_MARKER));
    const entry = text === undefined ? undefined : parseEntry(text);
    if (!entry || typeof entry === 'string' || entry.kind !== 'commit' || folder !== `batch_id=${entry.batchId}`) continue;
    byVersion.set(entry.version, [...(byVersion.get(entry.version) ?? []), entry]);
  }
  return byVersion;
}

/** Makes the log whole again from the log, the markers and the checkpoints; returns the state. */
async function repairLog(layout: LakeLayout, report: RepairReport, act: Act): Promise<LogState> {
  const log = new CommitLog(layout);
  const slots = new Map<number, Slot>();
  for (const version of await log.logVersions()) {
    const text = (await readMaybe(log.logFile(version))) ?? '';
    const entry = parseEntry(text);
    if (typeof entry === 'string') slots.set(version, { damage: entry });
    else if (entry.version !== version) slots.set(version, { damage: `holds version ${entry.version}` });
    else slots.set(version, { entry });
  }
  // Checkpoints are derived: a damaged one is removed, a sound one can restore commits.
  const fromCheckpoints = new Map<number, LogEntry>();
  let checkpointsDamaged = false;
  for (const version of await log.checkpointVersions()) {
    try {
      const checkpoint = await log.readCheckpoint(version);
      for (const batch of checkpoint.batches.values()) fromCheckpoints.set(batch.version, { kind: 'commit', ...batch });
    } catch (error) {
      checkpointsDamaged = true;
      await act(`remove damaged checkpoint ${log.checkpointFile(version)} (${(error as Error).message.split(';')[0]})`, () => rm(log.checkpointFile(version), { force: true }));
    }
  }
  const markers = await commitMarkers(layout);
  const latest = Math.max(0, ...slots.keys(), ...markers.keys(), ...fromCheckpoints.keys());
  const state = emptyState();
  let changed = checkpointsDamaged;
  for (let version = 1; version <= latest; version++) {
    const slot = slots.get(version);
    const file = log.logFile(version);
    let entry = slot?.entry;
    if (!entry) {
      const problem = slot ? `is damaged (${slot.damage})` : 'is missing';
      const copies = markers.get(version) ?? [];
      const copy = copies.length === 1 ? copies[0] : fromCheckpoints.get(version);
      if (copy) {
        entry = copy;
        await act(`rebuild ${file}, which ${problem}, from ${copies.length === 1 ? 'its gold partition' : 'a checkpoint'}: batch ${'batchId' in copy ? copy.batchId : '?'}`, () =>
          replaceLogFile(layout, file, copy),
        );
      } else {
        entry = { version, kind: 'lost', reason: `repair found ${file} ${problem} and no copy of it` };
        report.problems.push(`${file} ${problem} and no intact copy exists: the batch it committed, if any, cannot be vouched for (its folders are reported as uncommitted below)`);
        await act(`record version ${version} as lost in ${file}, so that the log continues`, () => replaceLogFile(layout, file, entry as LogEntry));
      }
      changed = true;
    }
    applyEntry(state, entry);
  }
  // A commit whose gold partition lacks its marker (a crash right after the commit file) gets it.
  for (const batch of state.batches.values()) {
    const marker = commitMarkerFile(layout, batch.batchId);
    if ((await stat(path.dirname(marker)).catch(() => undefined)) && !(await readMaybe(marker))) {
      await act(`write the commit copy ${marker}`, () => writeFileAtomically(marker, JSON.stringify({ kind: 'commit', ...batch })));
    }
  }
  if (changed && state.version > 0) await act(`write checkpoint ${log.checkpointFile(state.version)}`, () => log.writeCheckpoint(state));
  return state;
}

/** Puts `entry` in place of a missing or damaged log file, keeping the damaged one aside. */
async function replaceLogFile(layout: LakeLayout, file: string, entry: LogEntry): Promise<void> {
  if (await stat(file).catch(() => undefined)) {
    const aside = path.join(layout.catalogDir, 'damaged', `${path.basename(file)}.${Date.now()}`);
    await mkdir(path.dirname(aside), { recursive: true });
    await rename(file, aside);
  }
  const temporary = `${file}.${process.pid}.repair`;
  await writeFileAtomically(temporary, `${JSON.stringify(entry)}\n`);
  try {
    await link(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}

function expectedBytes(parameters: Record<string, string>, table: LakeTable): number | undefined {
  const bytesOut = figuresFromParameters(parameters)?.bytesOut;
  if (!bytesOut) return undefined;
  return { raw_transactions: bytesOut.silver, cleaned_transactions: bytesOut.gold, rejected_transactions: bytesOut.rejects }[table];
}

async function repairPartitions(layout: LakeLayout, state: LogState, report: RepairReport, act: Act, dropDamaged: boolean): Promise<void> {
  // Committed batches: every file present, with the size its figures recorded.
  for (const batch of [...state.batches.values()]) {
    const damage: string[] = [];
    for (const table of LAKE_TABLES) {
      const file = path.join(partitionDir(layout, table, batch.batchId), PART_FILE);
      const info = await stat(file).catch(() => undefined);
      const expected = expectedBytes(batch.parameters, table);
      if (!info?.isFile()) damage.push(`${table} file ${file} is missing`);
      else if (expected !== undefined && info.size !== expected) damage.push(`${table} file ${file} has ${info.size} bytes, not the ${expected} committed`);
    }
    if (damage.length === 0) continue;
    const source = figuresFromParameters(batch.parameters)?.sourceFile ?? 'its landed file';
    if (!dropDamaged) {
      report.problems.push(`batch ${batch.batchId} (${source}): ${damage.join('; ')}; run repair with --drop-damaged, then ingest ${source} again`);
      continue;
    }
    await act(`drop damaged batch ${batch.batchId} (${damage.join('; ')}); ingest ${source} again to process it anew`, async () => {
      const log = new CommitLog(layout);
      const entry = await log.append({ kind: 'drop', batchId: batch.batchId, reason: damage.join('; ') }, state.version + 1);
      applyEntry(state, entry);
    });
    state.batches.delete(batch.batchId); // in a dry run too, so the folders below are judged as they would be
  }
  report.batches = state.batches.size;
  // Folders of batches that are not committed: crashed, dropped or superseded runs.
  for (const table of LAKE_TABLES) {
    const dir = tableDir(layout, table);
    for (const folder of await readdir(dir).catch(() => [] as string[])) {
      const batchId = /^batch_id=(.+)$/.exec(folder)?.[1];
      if (batchId && state.batches.has(batchId)) continue;
      await act(`remove uncommitted partition folder ${path.join(dir, folder)}`, () => rm(path.join(dir, folder), { recursive: true, force: true }));
    }
  }
}

async function removeLeftovers(layout: LakeLayout, report: RepairReport, act: Act): Promise<void> {
  // No writer runs, so every partial file is a dead writer's.
  const bronze = layout.bucketDir(LOCAL_BUCKETS.bronze);
  for (const entry of await readdir(bronze, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile() || !parsePartialName(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    await act(`remove partial file ${file}${isStalePartial(entry.name) ? ' (its writer is dead)' : ''}`, () => rm(file, { force: true }));
  }
  for (const name of await readdir(layout.workDir).catch(() => [] as string[])) {
    if (!/^bronze_.+\.dat(\.gz)?$/.test(name) && !name.startsWith('procureflow-zip-')) continue;
    const file = path.join(layout.workDir, name);
    await act(`remove work copy ${file}`, () => rm(file, { recursive: true, force: true }));
  }
  for (const dir of [layout.commitLogDir, layout.checkpointDir]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!/\.(tmp|repair)$/.test(name)) continue;
      await act(`remove temporary catalog file ${path.join(dir, name)}`, () => rm(path.join(dir, name), { force: true }));
    }
  }
  const live = new Set(await liveWriters(layout));
  for (const name of await readdir(layout.writersDir).catch(() => [] as string[])) {
    if (live.has(name)) continue;
    await act(`remove registration of a dead writer ${path.join(layout.writersDir, name)}`, () => rm(path.join(layout.writersDir, name), { recursive: true, force: true }));
  }
  const oldLock = path.join(layout.catalogDir, 'writer.lock');
  if (await stat(oldLock).catch(() => undefined)) await act(`remove the old writer lock ${oldLock}`, () => rm(oldLock, { force: true }));
}
