// Batches as a table and the operations on them, on the local lake (real DuckDB): the
// `procureflow_db.batches` view, drop, reprocess, and each statement docs/data-contract.md makes
// about first write wins after a drop or a reprocess.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { dropBatch, listBatches, reprocessBatch } from '../handlers/core/batch-operations.ts';
import { CommitLog } from '../handlers/local/commit-log.ts';
import { partitionDir } from '../handlers/local/lake-layout.ts';
import { LAKE_TABLES } from '../handlers/core/tables.ts';
import { datFile, goldRows, ingest, landContent, line, openTestLake, reopenTestLake, deliver } from './helpers/local-lake.ts';

// A loads T1 and T2; B repeats T2 (a duplicate of A's) and brings T3.
const A = datFile([line('T1'), line('T2'), line('T9', { store_id: '0' })]);
const B = datFile([line('T2', { customer_id: 'C-from-b' }), line('T3')]);

const ids = async (lake: Parameters<typeof goldRows>[0]) => (await goldRows(lake)).map((row) => `${String(row.transaction_id)}:${String(row.source_file).split('/').pop()}`);

test('procureflow_db.batches has one row per committed batch with its figures as columns', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  const b = await ingest(t, lake, 'b.dat', B);
  const rows = await lake.lake.session.rows(
    `SELECT batch_id, source_file, lines, loaded, duplicates_in_batch, duplicates_in_gold, rejected, rejects_by_reason, bytes_in,
            bytes_out_silver > 0 AS silver_written, bytes_out_gold > 0 AS gold_written, typeof(committed_at) AS committed_type, seconds >= 0 AS timed
       FROM procureflow_db.batches ORDER BY committed_at, batch_id`,
  );
  t.deepEqual(rows, [
    { batch_id: a.batchId, source_file: a.sourceFile, lines: 3, loaded: 2, duplicates_in_batch: 0, duplicates_in_gold: 0, rejected: 1, rejects_by_reason: '{"invalid_store_id":1}', bytes_in: Buffer.byteLength(A), silver_written: true, gold_written: true, committed_type: 'TIMESTAMP', timed: true },
    { batch_id: b.batchId, source_file: b.sourceFile, lines: 2, loaded: 1, duplicates_in_batch: 0, duplicates_in_gold: 1, rejected: 0, rejects_by_reason: '{}', bytes_in: Buffer.byteLength(B), silver_written: true, gold_written: true, committed_type: 'TIMESTAMP', timed: true },
  ]);
  // The same rows through the core's listing (what `procureflow batches` prints).
  t.deepEqual((await listBatches(lake.lake.catalog)).map((row) => [row.batch_id, row.loaded, row.duplicates_in_gold]), [[a.batchId, 2, 0], [b.batchId, 1, 1]]);
  // A view joins like any table: the gold rows of each batch match its `loaded`.
  const joined = await lake.lake.session.rows(
    `SELECT b.batch_id, b.loaded, count(g.transaction_id) AS in_gold FROM procureflow_db.batches b
       LEFT JOIN procureflow_db.cleaned_transactions g USING (batch_id) GROUP BY ALL ORDER BY b.batch_id`,
  );
  t.true(joined.every((row) => Number(row.loaded) === Number(row.in_gold)), JSON.stringify(joined));
});

test('drop removes the batch from silver, gold and rejects and from batches, with a drop entry in the log; other batches stay', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  const b = await ingest(t, lake, 'b.dat', B);
  const result = await dropBatch(lake.lake.ports, a.batchId);
  t.like(result, { batchId: a.batchId, dropped: true, figures: { loaded: 2 } });
  const [counts] = await lake.lake.session.rows(
    `SELECT (SELECT count(*) FROM procureflow_db.raw_transactions WHERE batch_id = '${a.batchId}') AS silver,
            (SELECT count(*) FROM procureflow_db.rejected_transactions WHERE batch_id = '${a.batchId}') AS rejects,
            (SELECT count(*) FROM procureflow_db.cleaned_transactions WHERE batch_id = '${a.batchId}') AS gold,
            (SELECT string_agg(batch_id, ',') FROM procureflow_db.batches) AS batches`,
  );
  t.deepEqual(counts, { silver: 0, rejects: 0, gold: 0, batches: b.batchId });
  for (const table of LAKE_TABLES) t.is(await stat(partitionDir(lake.lake.layout, table, a.batchId)).catch(() => undefined), undefined, `${table} folder removed`);
  const log = new CommitLog(lake.lake.layout);
  const last = await log.readEntry((await log.logVersions()).at(-1) as number);
  t.like(last, { kind: 'drop', batchId: a.batchId });
  // A new process sees the same lake.
  await reopenTestLake(lake);
  t.deepEqual(await ids(lake), ['T3:b.dat']);
  // Dropping it again finds nothing.
  t.like(await dropBatch(lake.lake.ports, a.batchId), { dropped: false, figures: undefined });
  t.deepEqual((await readdir(path.join(lake.lake.layout.root, 'gold', 'cleaned_transactions'))).sort(), [`batch_id=${b.batchId}`]);
});

test('after a drop, ids the dropped batch loaded are loadable again by any later landing', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  await dropBatch(lake.lake.ports, a.batchId);
  const c = await ingest(t, lake, 'c.dat', datFile([line('T1'), line('T2')]));
  t.like(c, { loaded: 2, duplicatesInGold: 0 });
  t.deepEqual(await ids(lake), ['T1:c.dat', 'T2:c.dat']);
});

test('after a drop, ids a later batch skipped as duplicates of the dropped batch do NOT come back, until that file is reprocessed', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  const b = await ingest(t, lake, 'b.dat', B);
  t.like(b, { loaded: 1, duplicatesInGold: 1 });
  await dropBatch(lake.lake.ports, a.batchId);
  // T2 was A's; B skipped it. It is absent from gold, and B's figures still count it as a duplicate.
  t.deepEqual(await ids(lake), ['T3:b.dat']);
  const [row] = await lake.lake.session.rows(`SELECT loaded, duplicates_in_gold FROM procureflow_db.batches WHERE batch_id = '${b.batchId}'`);
  t.deepEqual(row, { loaded: 1, duplicates_in_gold: 1 });
  // Landing B again is the same batch: skipped, T2 still absent.
  const [again] = await deliver(lake, [await landContent(lake, 'b.dat', B)]);
  t.like(again, { status: 'already_committed', batchId: b.batchId });
  t.deepEqual(await ids(lake), ['T3:b.dat']);
  // Reprocessing B (same batch id) loads T2 from B now.
  const { before, result } = await reprocessBatch(lake.lake.ports, b.batchId);
  t.like(before, { loaded: 1, duplicatesInGold: 1 });
  t.like(result, { status: 'committed', figures: { batchId: b.batchId, loaded: 2, duplicatesInGold: 0 } });
  t.deepEqual(await ids(lake), ['T2:b.dat', 'T3:b.dat']);
});

test('reprocess after a drop loads the dropped ids again under the same batch id; reprocess of a committed batch reruns it in place', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  const { result } = await reprocessBatch(lake.lake.ports, a.batchId);
  t.like(result, { status: 'committed', figures: { batchId: a.batchId, lines: 3, loaded: 2, duplicatesInGold: 0, rejected: 1 } });
  t.deepEqual(await ids(lake), ['T1:a.dat', 'T2:a.dat']);
  t.deepEqual((await listBatches(lake.lake.catalog)).map((row) => row.batch_id), [a.batchId]);
  // Reprocess needs a committed batch: a dropped one is landed again instead (same key and bytes = same id).
  await dropBatch(lake.lake.ports, a.batchId);
  await t.throwsAsync(reprocessBatch(lake.lake.ports, a.batchId), { message: /is not committed/ });
  const [relanded] = await deliver(lake, [await landContent(lake, 'a.dat', A)]);
  t.like(relanded, { status: 'committed', batchId: a.batchId });
  t.deepEqual(await ids(lake), ['T1:a.dat', 'T2:a.dat']);
});

test('reprocess refuses a batch whose bronze object changed, and drops nothing', async (t) => {
  const lake = await openTestLake(t);
  const a = await ingest(t, lake, 'a.dat', A);
  await landContent(lake, 'a.dat', datFile([line('T7')])); // the same key, new bytes: another batch
  await t.throwsAsync(reprocessBatch(lake.lake.ports, a.batchId), { message: /has changed since the batch was made/ });
  t.deepEqual(await ids(lake), ['T1:a.dat', 'T2:a.dat']);
});
