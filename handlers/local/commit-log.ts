// The local catalog's commit log: one immutable JSON file per commit, `_catalog/log/<version>.json`,
// created put-if-absent, as Delta Lake's and Iceberg's file-system catalogs commit. A writer fills
// a temporary file, flushes it, then link(2)s it to the next version's name: link fails with
// EEXIST when that version exists, so two writers can never both take one version, and the name
// only ever appears with its whole content (an exclusive open followed by a write would leave an
// empty or torn commit behind a crash). Every CHECKPOINT_EVERY versions a checkpoint holds the
// whole state, so opening the lake reads one checkpoint and fewer than CHECKPOINT_EVERY commits.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { LakeLayout } from './lake-layout.ts';
import { processAlive } from './partial-files.ts';

export const CHECKPOINT_EVERY = 100;
const VERSION_DIGITS = 20;
const VERSION_FILE = /^(\d{20})\.json$/;
/** `.<pid>-<random>.tmp`: a commit being written (see writeFlushed). */
const TEMPORARY = /^\.(\d+)-[0-9a-f]+\.tmp$/;

/** One version of the log: a batch made visible, a damaged batch dropped, or a slot repair could not restore. */
export type LogEntry =
  | { version: number; kind: 'commit'; batchId: string; parameters: Record<string, string> }
  | { version: number; kind: 'drop'; batchId: string; reason: string }
  | { version: number; kind: 'lost'; reason: string };
export type NewLogEntry = LogEntry extends infer E ? (E extends LogEntry ? Omit<E, 'version'> : never) : never;

export interface CommittedBatch {
  batchId: string;
  version: number;
  parameters: Record<string, string>;
}

/** The catalog at one version: committed batches in commit order. */
export interface LogState {
  version: number;
  batches: Map<string, CommittedBatch>;
}

/** A catalog file that is missing, empty, truncated or unreadable: never read as an empty lake. */
export class CatalogDamagedError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    root: string,
  ) {
    super(`lake catalog file ${file} ${problem}; run \`procureflow repair --lake ${root}\` to check the lake and rebuild its catalog`);
    this.name = 'CatalogDamagedError';
  }
}

/** Another writer took the version first. */
export class CommitConflictError extends Error {
  constructor(readonly version: number) {
    super(`catalog version ${version} was committed by another writer`);
    this.name = 'CommitConflictError';
  }
}

export function versionFileName(version: number): string {
  return `${String(version).padStart(VERSION_DIGITS, '0')}.json`;
}

export function emptyState(): LogState {
  return { version: 0, batches: new Map() };
}

function cloneState(state: LogState): LogState {
  return { version: state.version, batches: new Map(state.batches) };
}

export function applyEntry(state: LogState, entry: LogEntry): void {
  if (entry.kind === 'commit') state.batches.set(entry.batchId, { batchId: entry.batchId, version: entry.version, parameters: entry.parameters });
  else if (entry.kind === 'drop') state.batches.delete(entry.batchId);
  state.version = entry.version;
}

const isRecordOfStrings = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');

/** Parses a commit file (or a gold partition's copy of one); undefined with a reason when it is not one. */
export function parseEntry(text: string): LogEntry | string {
  if (text.length === 0) return 'is empty';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON (truncated?): ${(error as Error).message}`;
  }
  const entry = value as Partial<Record<string, unknown>>;
  if (typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.version) || (entry.version as number) < 1) return 'has no valid version';
  if (entry.kind === 'commit' && typeof entry.batchId === 'string' && isRecordOfStrings(entry.parameters)) return entry as LogEntry;
  if (entry.kind === 'drop' && typeof entry.batchId === 'string' && typeof entry.reason === 'string') return entry as LogEntry;
  if (entry.kind === 'lost' && typeof entry.reason === 'string') return entry as LogEntry;
  return 'is not a commit, drop or lost entry';
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/** Writes `text` under a temporary name in `dir`, flushed to disk, and returns that name. */
async function writeFlushed(dir: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const temporary = path.join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return temporary;
}

/** Replaces `file` with `text` atomically (a reader sees the old or the new content, whole). */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temporary = await writeFlushed(path.dirname(file), text);
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function versionsIn(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names
    .map((name) => VERSION_FILE.exec(name)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export class CommitLog {
  constructor(private readonly layout: LakeLayout) {}

  logFile(version: number): string {
    return path.join(this.layout.commitLogDir, versionFileName(version));
  }

  checkpointFile(version: number): string {
    return path.join(this.layout.checkpointDir, versionFileName(version));
  }

  logVersions(): Promise<number[]> {
    return versionsIn(this.layout.commitLogDir);
  }

  checkpointVersions(): Promise<number[]> {
    return versionsIn(this.layout.checkpointDir);
  }

  private damaged(file: string, problem: string): CatalogDamagedError {
    return new CatalogDamagedError(file, problem, this.layout.root);
  }

  /** Reads one commit file; a missing, empty or unreadable one is damage, named. */
  async readEntry(version: number): Promise<LogEntry> {
    const file = this.logFile(version);
    const text = await readText(file);
    if (text === undefined) throw this.damaged(file, 'is missing (later versions exist)');
    const entry = parseEntry(text);
    if (typeof entry === 'string') throw this.damaged(file, entry);
    if (entry.version !== version) throw this.damaged(file, `holds version ${entry.version}, not ${version}`);
    return entry;
  }

  async readCheckpoint(version: number): Promise<LogState> {
    const file = this.checkpointFile(version);
    const text = (await readText(file)) ?? '';
    const problem = (reason: string) => this.damaged(file, reason);
    if (text.length === 0) throw problem('is empty');
    let value: { version?: unknown; batches?: unknown };
    try {
      value = JSON.parse(text) as typeof value;
    } catch (error) {
      throw problem(`is not valid JSON (truncated?): ${(error as Error).message}`);
    }
    if (value.version !== version || !Array.isArray(value.batches)) throw problem('is not a checkpoint of this version');
    const state = emptyState();
    state.version = version;
    for (const batch of value.batches as Partial<CommittedBatch>[]) {
      if (typeof batch.batchId !== 'string' || !Number.isSafeInteger(batch.version) || !isRecordOfStrings(batch.parameters)) throw problem('holds a malformed batch');
      state.batches.set(batch.batchId, batch as CommittedBatch);
    }
    return state;
  }

  /**
   * The catalog's latest state. From `known` only the versions after it are read; otherwise the
   * latest checkpoint and the commits after it. Versions must follow each other without a gap.
   */
  async read(known?: LogState): Promise<LogState> {
    let state: LogState;
    if (known) state = cloneState(known);
    else {
      const checkpoint = (await this.checkpointVersions()).at(-1);
      state = checkpoint === undefined ? emptyState() : await this.readCheckpoint(checkpoint);
    }
    const newer = (await this.logVersions()).filter((version) => version > state.version);
    for (const [i, version] of newer.entries()) {
      const expected = state.version + 1;
      if (version !== expected) throw this.damaged(this.logFile(expected), `is missing (version ${newer[i]} exists)`);
      applyEntry(state, await this.readEntry(version));
    }
    return state;
  }

  /**
   * Creates `entry` as the given version, put-if-absent; throws CommitConflictError when that
   * version exists. Returns the entry as written.
   */
  async append(entry: NewLogEntry, version: number, faults?: CommitFaults): Promise<LogEntry> {
    const written = { version, ...entry } as LogEntry;
    const text = `${JSON.stringify(written)}\n`;
    await this.removeStaleTemporaries();
    const temporary = await writeFlushed(this.layout.commitLogDir, text);
    try {
      await faults?.whileWritingCommit?.(temporary);
      await link(temporary, this.logFile(version));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CommitConflictError(version);
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
    return written;
  }

  /** Temporary commit files of writers killed before they linked them. */
  private async removeStaleTemporaries(): Promise<void> {
    const names = await readdir(this.layout.commitLogDir).catch(() => [] as string[]);
    const stale = names.filter((name) => {
      const pid = Number(TEMPORARY.exec(name)?.[1]);
      return pid > 0 && pid !== process.pid && !processAlive(pid);
    });
    await Promise.all(stale.map((name) => rm(path.join(this.layout.commitLogDir, name), { force: true })));
  }

  /** Writes a checkpoint of `state` (an existing one of the same version holds the same state). */
  async writeCheckpoint(state: LogState): Promise<void> {
    const text = JSON.stringify({ version: state.version, batches: [...state.batches.values()] });
    await writeFileAtomically(this.checkpointFile(state.version), text);
  }
}

/** Test hooks that stop a commit half-way, as a crash would. */
export interface CommitFaults {
  /** After the commit's temporary file is written and flushed, before it is linked into the log. */
  whileWritingCommit?: (temporaryFile: string) => void | Promise<void>;
  /** After the commit file is in the log, before anything else. */
  afterCommitFile?: (file: string) => void | Promise<void>;
}
