// A damaged catalog is a loud error naming the file and `procureflow repair`, never an empty lake;
// repair puts back what the files vouch for and reports what it cannot. A batch whose Parquet
// file is missing fails only the queries that read it.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { CommitLog } from '../handlers/local/commit-log.ts';
import { PART_FILE } from '../handlers/local/duckdb-engine.ts';
import { commitMarkerFile, partitionDir } from '../handlers/local/lake-layout.ts';
import { repairLake } from '../handlers/local/lake-repair.ts';
import { openLocalLake } from '../handlers/local/local-lake.ts';
import { datFile, deliver, ingest, lakeContents, landContent, line, openTestLake, reopenTestLake, tableRows, type TestLake } from './helpers/local-lake.ts';

const DAY1 = datFile([line('TXN-1'), line('TXN-2', { total_amount: '' })]);
const DAY2 = datFile([line('TXN-2', { customer_id: 'C-resent' }), line('TXN-3'), line('TXN-4', { quantity: '-1' })]);
const DAY3 = datFile([line('TXN-5'), line('TXN-1')]);

async function twoDays(t: ExecutionContext): Promise<{ lake: TestLake; batches: string[]; before: Awaited<ReturnType<typeof lakeContents>> }> {
  const lake = await openTestLake(t);
  const batches = [(await ingest(t, lake, 'day1.dat', DAY1)).batchId, (await ingest(t, lake, 'day2.dat', DAY2)).batchId];
  return { lake, batches, before: await lakeContents(lake) };
}

const logFile = (lake: TestLake, version: number) => new CommitLog(lake.lake.layout).logFile(version);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Opening for reading and for writing both fail with a message naming `file` and repair. */
async function assertLoud(t: ExecutionContext, lake: TestLake, file: string, problem: RegExp): Promise<void> {
  await lake.lake.close();
  for (const write of [false, true]) {
    const error = await t.throwsAsync(openLocalLake({ ...lake.options, write }));
    t.regex(error?.message ?? '', new RegExp(`lake catalog file ${escape(file)} ${problem.source}`));
    t.regex(error?.message ?? '', new RegExp(`run \`procureflow repair --lake ${escape(lake.lake.layout.root)}\``));
  }
}

async function repairAndReopen(t: ExecutionContext, lake: TestLake): Promise<Awaited<ReturnType<typeof repairLake>>> {
  const report = await repairLake(lake.lake.layout);
  lake.lake = await openLocalLake(lake.options);
  return report;
}

for (const [damage, problem, spoil] of [
  ['emptied', /is empty/, async (file: string) => writeFile(file, '')],
  ['truncated', /is not valid JSON \(truncated\?\)/, async (file: string) => writeFile(file, (await readFile(file, 'utf8')).slice(0, 60))],
  ['deleted', /is missing \(version 2 exists\)/, async (file: string) => rm(file)],
] as const) {
  test(`a ${damage} commit file is a loud error naming it; repair rebuilds it from the gold partition and the lake is as before`, async (t) => {
    const { lake, batches, before } = await twoDays(t);
    const file = logFile(lake, 1);
    await spoil(file);
    await assertLoud(t, lake, file, problem);

    const report = await repairAndReopen(t, lake);
    t.deepEqual(report.problems, []);
    t.true(report.actions.some((action) => action.startsWith(`rebuild ${file}`) && action.includes(batches[0] ?? '?')), report.actions.join('\n'));
    t.deepEqual(await lakeContents(lake), before);
    t.deepEqual(lake.lake.catalog.batches(), batches);
    // The lake takes new batches again.
    await ingest(t, lake, 'day3.dat', DAY3);
  });
}

test('a deleted catalog folder is a loud error, not an empty lake; repair rebuilds the log from the gold partitions', async (t) => {
  const { lake, batches, before } = await twoDays(t);
  await rm(lake.lake.layout.catalogDir, { recursive: true });
  await assertLoud(t, lake, lake.lake.layout.commitLogDir, /is missing or empty, but gold partitions hold commits/);
  const report = await repairAndReopen(t, lake);
  t.deepEqual(report.problems, []);
  t.deepEqual(await lakeContents(lake), before);
  t.deepEqual(lake.lake.catalog.batches(), batches);
});

test('a commit with no intact copy anywhere: repair reports the file it cannot vouch for, keeps the rest, removes the orphans', async (t) => {
  const { lake, batches } = await twoDays(t);
  const file = logFile(lake, 1);
  await writeFile(file, '{"version":1,"kind":"comm');
  await rm(commitMarkerFile(lake.lake.layout, batches[0] ?? ''));
  await lake.lake.close();

  const dry = await repairLake(lake.lake.layout, { dryRun: true });
  t.is(dry.problems.length, 1);
  await t.throwsAsync(openLocalLake(lake.options), { message: /is not valid JSON/ }, 'a dry run changes nothing');

  const report = await repairAndReopen(t, lake);
  t.deepEqual(report.problems, [
    `${file} is damaged (is not valid JSON (truncated?): Unterminated string in JSON at position 25) and no intact copy exists: the batch it committed, if any, cannot be vouched for (its folders are reported as uncommitted below)`,
  ]);
  t.true(report.actions.includes(`remove uncommitted partition folder ${partitionDir(lake.lake.layout, 'raw_transactions', batches[0] ?? '')}`));
  t.deepEqual(lake.lake.catalog.batches(), [batches[1]]);
  const [gold] = await lake.lake.session.rows('SELECT count(*) AS n, min(source_file) AS source FROM procureflow_db.cleaned_transactions');
  t.deepEqual(gold, { n: 1, source: 'bronze/day2.dat' });
  // day1 was lost from the catalog, not from bronze: ingesting it again brings it back.
  await ingest(t, lake, 'day1.dat', DAY1);
  await lake.lake.close();
  t.deepEqual((await repairAndReopen(t, lake)).problems, []);
});

test('a deleted rejects file of a committed batch fails only rejects queries, naming the batch and the fix; repair drops it and a re-ingest restores the lake', async (t) => {
  const { lake, batches, before } = await twoDays(t);
  const [day1] = batches;
  if (!day1) return t.fail();
  await rm(path.join(partitionDir(lake.lake.layout, 'rejected_transactions', day1), PART_FILE));
  await reopenTestLake(lake);

  // Gold and silver read as before, whole.
  t.deepEqual(await tableRows(lake, 'cleaned_transactions'), before.gold);
  t.deepEqual(await tableRows(lake, 'raw_transactions'), before.silver);
  const fix = new RegExp(
    `batch ${day1} of rejected_transactions is damaged: its committed file \\S+ is missing; run \`procureflow repair --lake ${escape(lake.lake.layout.root)} --drop-damaged\`, then ingest bronze/day1.dat again`,
  );
  await t.throwsAsync(lake.lake.session.rows('SELECT count(*) FROM procureflow_db.rejected_transactions'), { message: fix });
  // Other batches' rejects stay readable.
  t.deepEqual(await lake.lake.session.rows(`SELECT count(*) AS n FROM procureflow_db.rejected_transactions WHERE batch_id = '${batches[1]}'`), [{ n: 1 }]);
  // New ingests still work.
  await ingest(t, lake, 'day3.dat', DAY3);

  await lake.lake.close();
  const report = await repairLake(lake.lake.layout);
  t.is(report.problems.length, 1);
  t.regex(report.problems[0] ?? '', new RegExp(`^batch ${day1} \\(bronze/day1.dat\\): rejected_transactions file \\S+ is missing; run repair with --drop-damaged, then ingest bronze/day1.dat again`));

  const dropped = await repairLake(lake.lake.layout, { dropDamaged: true });
  t.deepEqual(dropped.problems, []);
  lake.lake = await openLocalLake(lake.options);
  await ingest(t, lake, 'day1.dat', DAY1);

  // The same lake as day1, day2, day3 ingested cleanly.
  const clean = await openTestLake(t);
  for (const [key, content] of [['day1.dat', DAY1], ['day2.dat', DAY2], ['day3.dat', DAY3]] as const) await ingest(t, clean, key, content);
  t.deepEqual(await lakeContents(lake), await lakeContents(clean));
});

test('an ingest whose gold step would read a damaged gold batch fails loudly, naming that batch', async (t) => {
  const { lake, batches } = await twoDays(t);
  await rm(path.join(partitionDir(lake.lake.layout, 'cleaned_transactions', batches[0] ?? ''), PART_FILE));
  await reopenTestLake(lake);
  const [result] = await deliver(lake, [await landContent(lake, 'day3.dat', DAY3)]);
  t.is(result?.status, 'failed');
  t.regex(result?.status === 'failed' ? result.error : '', new RegExp(`failed at step gold: .*batch ${batches[0]} of cleaned_transactions is damaged`));
});

test('repair removes leftovers of crashed runs: partial files, work copies, uncommitted folders, temporary commit files', async (t) => {
  const { lake } = await twoDays(t);
  const { layout } = lake.lake;
  const deadPid = 2 ** 22 + 1; // above Linux's pid_max: never a live process
  const leftovers = [
    path.join(layout.bucketDir('bronze'), `day9.dat.${deadPid}.partial`),
    path.join(layout.workDir, 'bronze_day9_0123456789ab.dat'),
    path.join(partitionDir(layout, 'raw_transactions', 'day9_0123456789ab'), PART_FILE),
    path.join(layout.commitLogDir, `.${deadPid}-abcdef.tmp`),
  ];
  for (const file of leftovers) {
    await writeFile(file, 'x').catch(async () => {
      await (await import('node:fs/promises')).mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'x');
    });
  }
  await lake.lake.close();
  const dry = await repairLake(layout, { dryRun: true });
  t.is(dry.actions.length, 4, dry.actions.join('\n'));
  for (const file of leftovers) t.truthy(await stat(file).catch(() => undefined), `dry run keeps ${file}`);

  const report = await repairLake(layout);
  t.deepEqual(report.problems, []);
  t.is(report.actions.length, 4, report.actions.join('\n'));
  for (const file of leftovers) t.is(await stat(file).catch(() => undefined), undefined, `${file} removed`);
  t.deepEqual((await readdir(path.join(layout.bucketDir('silver'), 'raw_transactions'))).length, 2);
  t.deepEqual((await repairLake(layout)).actions, [], 'a second repair finds nothing to do');
  lake.lake = await openLocalLake({ ...lake.options, log: silentLog });
});

test('repair refuses to run while an ingest process is registered as a writer', async (t) => {
  const { lake } = await twoDays(t);
  await t.throwsAsync(repairLake(lake.lake.layout), { message: /1 ingest process\(es\) write to .* right now/ });
});
