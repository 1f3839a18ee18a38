// Re-deliveries, re-landings and crashes between steps leave the lake as one clean run would.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { BATCH_STEPS, type BatchStep } from '../handlers/core/process-batch.ts';
import { assertBalance, datFile, deliver, goldRow, goldRows, ingest, lakeContents, landContent, line, openTestLake, reopenTestLake, type TestLake } from './helpers/local-lake.ts';

const DAY1 = datFile([line('TXN-1'), line('TXN-2', { total_amount: '' }), line('TXN-3', { store_id: '0' })]);
const DAY2 = datFile([
  line('TXN-2', { customer_id: 'C-resent' }),
  line('TXN-4', { customer_id: 'C-b' }),
  line('TXN-4', { customer_id: 'C-a' }),
  line('TXN-5', { currency: 'NULL' }),
  line('TXN-6', { quantity: '-1' }),
  'not|a|line',
]);

test('the same file delivered again (same key, same content) is skipped and changes nothing', async (t) => {
  const lake = await openTestLake(t);
  const landing = await landContent(lake, 'day1.dat', DAY1);
  const [first] = await deliver(lake, [landing]);
  if (first?.status !== 'committed') return t.fail(JSON.stringify(first));
  const before = await lakeContents(lake);

  const [again] = await deliver(lake, [landing]);
  t.like(again, { status: 'already_committed', batchId: first.batchId, figures: first.figures });
  t.deepEqual(await lakeContents(lake), before);

  // Uploaded again under the same key with the same bytes: the same batch.
  const relanded = await landContent(lake, 'day1.dat', DAY1);
  const [third] = await deliver(lake, [relanded]);
  t.like(third, { status: 'already_committed', batchId: first.batchId });
  t.deepEqual(await lakeContents(lake), before);
});

test('the same landing twice in one event: committed once, then recognised', async (t) => {
  const lake = await openTestLake(t);
  const landing = await landContent(lake, 'day1.dat', DAY1);
  const results = await deliver(lake, [landing, landing]);
  t.deepEqual(
    results.map((result) => result.status),
    ['committed', 'already_committed'],
  );
  t.is(results[0]?.status === 'committed' && results[1]?.status === 'already_committed' && results[0].batchId === results[1].batchId, true);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'day1.dat'), goldRow('TXN-2', 'day1.dat')]);
  const [counts] = await lake.lake.session.rows(
    `SELECT (SELECT count(*) FROM procureflow_db.raw_transactions) AS silver, (SELECT count(*) FROM procureflow_db.rejected_transactions) AS rejects`,
  );
  t.deepEqual(counts, { silver: 3, rejects: 1 });
});

test('the same key landed again with other content is a new batch; the first batch stays, first write wins', async (t) => {
  // Documented behaviour: a batch is (key, content), so new bytes under an old key are a new
  // batch; ids already in gold are duplicates, new ids are loaded, both batches stay visible.
  const lake = await openTestLake(t);
  const first = await ingest(t, lake, 'daily.dat', DAY1);
  const second = await ingest(t, lake, 'daily.dat', datFile([line('TXN-1', { customer_id: 'C-changed' }), line('TXN-9')]));
  t.not(second.batchId, first.batchId);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'daily.dat'), goldRow('TXN-2', 'daily.dat'), goldRow('TXN-9', 'daily.dat')]);
  t.like(second, { lines: 2, loaded: 1, duplicates: 1, rejected: 0 });
  await assertBalance(t, lake, first, 3);
  await assertBalance(t, lake, second, 2);
  const [silver] = await lake.lake.session.rows('SELECT count(*) AS n, count(DISTINCT batch_id) AS batches FROM procureflow_db.raw_transactions');
  t.deepEqual(silver, { n: 5, batches: 2 });
  // Bronze never loses the replaced bytes: the first content is kept as a version.
  const bronze = lake.lake.layout.bucketDir('bronze');
  const versions = await readdir(path.join(lake.lake.layout.root, '_versions', 'bronze'));
  t.is(versions.length, 1);
  t.regex(versions[0] ?? '', /^daily\.dat@[0-9a-f]{32}$/);
  t.is(await readFile(path.join(lake.lake.layout.root, '_versions', 'bronze', versions[0] ?? ''), 'utf8'), DAY1);
  t.not(await readFile(path.join(bronze, 'daily.dat'), 'utf8'), DAY1);
});

async function cleanRun(t: Parameters<typeof openTestLake>[0]): Promise<{ lake: TestLake; figures: unknown[] }> {
  const lake = await openTestLake(t);
  const figures = [];
  for (const [key, content] of [
    ['day1.dat', DAY1],
    ['day2.dat', DAY2],
  ] as const) {
    const [result] = await deliver(lake, [await landContent(lake, key, content)]);
    if (result?.status !== 'committed') throw new Error(JSON.stringify(result));
    figures.push({ ...result.figures, seconds: 0 });
  }
  return { lake, figures };
}

for (const crashStep of BATCH_STEPS) {
  for (const restart of [false, true]) {
    test(`a crash before step ${crashStep}, then a rerun${restart ? ' by a new process' : ''}: the same lake as one clean run`, async (t) => {
      const clean = await cleanRun(t);
      const expected = await lakeContents(clean.lake);

      const lake = await openTestLake(t);
      const [day1] = await deliver(lake, [await landContent(lake, 'day1.dat', DAY1)]);
      t.is(day1?.status, 'committed');
      const goldBefore = await lakeContents(lake).then((contents) => contents.gold);

      const landing = await landContent(lake, 'day2.dat', DAY2);
      let crashed = 0;
      const beforeStep = (step: BatchStep) => {
        if (step === crashStep && crashed++ === 0) throw new Error(`injected crash before ${step}`);
      };
      const [failed] = await deliver(lake, [landing], { beforeStep });
      t.is(crashed, 1);
      t.is(failed?.status, 'failed');
      t.regex(failed?.status === 'failed' ? failed.error : '', new RegExp(`bronze/day2\\.dat: batch \\S+ failed at step ${crashStep}: injected crash before ${crashStep}`));
      // Until the gold commit nothing of the batch is in gold.
      if (crashStep !== 'cleanup') t.deepEqual((await lakeContents(lake)).gold, goldBefore);

      if (restart) await reopenTestLake(lake);
      const [rerun] = await deliver(lake, [landing], { beforeStep });
      t.is(rerun?.status, crashStep === 'cleanup' ? 'already_committed' : 'committed');
      if (rerun?.status !== 'committed' && rerun?.status !== 'already_committed') return;
      t.deepEqual({ ...rerun.figures, seconds: 0 }, clean.figures[1]);
      t.deepEqual(await lakeContents(lake), expected);
      if (rerun.figures) await assertBalance(t, lake, rerun.figures, 6);

      // And once more: nothing changes.
      const [third] = await deliver(lake, [landing]);
      t.is(third?.status, 'already_committed');
      t.deepEqual(await lakeContents(lake), expected);
    });
  }
}
