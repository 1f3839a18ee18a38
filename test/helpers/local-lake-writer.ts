// A writer process for the concurrency tests: `node --import tsx local-lake-writer.ts LAKE FILE
// [STALE_MS]` ingests FILE into LAKE and prints its results as JSON; `... LAKE --hold-lock
// [STALE_MS]` takes the lake lock, says so, and holds it until killed. The tests run it bundled
// (one file starts faster than tsx compiling each module), so the SQL folder comes from
// PROCUREFLOW_TEST_SQL_DIR.
import { handleLanding } from '../../handlers/core/handle-landings.ts';
import { silentLog } from '../../handlers/core/pipeline-log.ts';
import { takeLakeLock } from '../../handlers/local/lake-lock.ts';
import { lakeLayout } from '../../handlers/local/lake-layout.ts';
import { landFile, openLocalLake } from '../../handlers/local/local-lake.ts';

const [root, file, staleArg] = process.argv.slice(2);
if (!root || !file) throw new Error('usage: local-lake-writer.ts LAKE FILE|--hold-lock [STALE_MS]');
const lockStaleMs = staleArg ? Number(staleArg) : undefined;

if (file === '--hold-lock') {
  await takeLakeLock(lakeLayout(root), lockStaleMs);
  process.stdout.write('locked\n');
  setInterval(() => {}, 60_000);
} else {
  const lake = await openLocalLake({ root, write: true, log: silentLog, threads: 1, lockStaleMs, sqlDir: process.env.PROCUREFLOW_TEST_SQL_DIR });
  try {
    const results = await handleLanding(await landFile(lake, file), lake.ports);
    process.stdout.write(`${JSON.stringify(results)}\n`);
    if (results.some((result) => result.status !== 'committed')) process.exitCode = 1;
  } finally {
    await lake.close();
  }
}
