// Gold writers take turns: one process at a time may write to a local lake.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lake's writer lock, taking over one left by a process that no longer runs. */
export async function acquireWriterLock(lockFile: string): Promise<() => Promise<void>> {
  await mkdir(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new Error(`the lake is being written by process ${holder} (lock ${lockFile}); try again when it is done`, { cause: error });
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lake's writer lock ${lockFile}`);
}
