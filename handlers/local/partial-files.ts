// Objects are written to `<file>.<pid>.partial` and renamed into place. A process killed while
// writing leaves its partial behind; the pid in the name tells whether its writer still runs.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

const PARTIAL = /^(.*)\.(\d+)\.partial$/;

export function partialFileOf(file: string): string {
  return `${file}.${process.pid}.partial`;
}

/** Whether a process with this id runs (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A partial file's object name and writer, or undefined when the name is not a partial's. */
export function parsePartialName(name: string): { object: string; pid: number } | undefined {
  const match = PARTIAL.exec(name);
  return match ? { object: match[1] ?? '', pid: Number(match[2]) } : undefined;
}

/** Whether a partial file was left by a process that no longer runs. */
export function isStalePartial(name: string): boolean {
  const parsed = parsePartialName(name);
  return parsed !== undefined && parsed.pid !== process.pid && !processAlive(parsed.pid);
}

/** Removes partials of `file` left by dead writers; returns the paths removed. */
export async function removeStalePartials(file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => parsePartialName(name)?.object === base && isStalePartial(name)).map((name) => path.join(dir, name));
  await Promise.all(stale.map((partial) => rm(partial, { force: true })));
  return stale;
}
