// Cross-process locks of a local lake, on proper-lockfile: a lock is a folder created by mkdir
// (atomic on local file systems) whose mtime the holder refreshes; a lock left by a process that
// died (kill -9 included) goes stale and is taken over. Two kinds:
// - the lake lock, held for gold, figures and the commit (the only gold writer at a time);
// - one writer registration per writing process, so that repair never runs beside an ingest.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { LakeLayout } from './lake-layout.ts';

/** A lock not refreshed for this long belongs to a dead process (proper-lockfile's default). */
export const LOCK_STALE_MS = 10_000;

export interface HeldLock {
  release(): Promise<void>;
  /** Set when the lock was lost while held (its folder removed or not refreshed in time). */
  lost(): Error | undefined;
}

async function takeLock(lockPath: string, staleMs: number, wait: boolean): Promise<HeldLock> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  let lostWith: Error | undefined;
  const release = await lockfile.lock(lockPath, {
    lockfilePath: lockPath,
    realpath: false,
    stale: staleMs,
    retries: wait ? { forever: true, minTimeout: 10, maxTimeout: 250, factor: 1.5, randomize: true } : 0,
    // The default throws from a timer and kills the process; the commit checks this instead.
    onCompromised: (error) => {
      lostWith = error;
    },
  });
  return {
    release: async () => {
      // Releasing a lock already lost is not an error worth hiding the real one.
      if (!lostWith) await release();
    },
    lost: () => lostWith,
  };
}

/** Waits for and takes the lake lock. */
export function takeLakeLock(layout: LakeLayout, staleMs = LOCK_STALE_MS): Promise<HeldLock> {
  return takeLock(layout.lockFile, staleMs, true);
}

/** Runs `run` holding the lake lock. */
export async function withLakeLock<T>(layout: LakeLayout, run: (lock: HeldLock) => Promise<T>, staleMs = LOCK_STALE_MS): Promise<T> {
  const lock = await takeLakeLock(layout, staleMs);
  try {
    return await run(lock);
  } finally {
    await lock.release();
  }
}

/**
 * Registers this process as a writer of the lake until released. Taken under the lake lock, so
 * that a repair (which holds the lake lock throughout) either sees the registration or runs
 * before it.
 */
export function registerWriter(layout: LakeLayout, staleMs = LOCK_STALE_MS): Promise<HeldLock> {
  const name = path.join(layout.writersDir, `${process.pid}-${randomBytes(4).toString('hex')}.lock`);
  return withLakeLock(layout, () => takeLock(name, staleMs, false), staleMs);
}

/** Writer registrations of live processes (stale ones are ignored). */
export async function liveWriters(layout: LakeLayout, staleMs = LOCK_STALE_MS): Promise<string[]> {
  const names = await readdir(layout.writersDir).catch(() => [] as string[]);
  const live: string[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.lock'))) {
    const lockPath = path.join(layout.writersDir, name);
    if (await lockfile.check(lockPath, { lockfilePath: lockPath, realpath: false, stale: staleMs })) live.push(name);
  }
  return live;
}
