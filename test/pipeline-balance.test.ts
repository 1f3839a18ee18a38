// Generated data: every batch balances, read from the tables, and the rejects by reason are
// exactly what the generator says it injected.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { generateDataset } from '../generator/generate.ts';
import { assertBalance, ingest, openTestLake, rejectsByReason } from './helpers/local-lake.ts';

test('generated files: the balance holds per batch and reject counts equal the injected ones', async (t) => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'procureflow-generated-'));
  t.teardown(() => rm(outDir, { recursive: true, force: true }));
  const files = await generateDataset({ sizeBytes: 3 * 1024 * 1024, files: 3, seed: 7, outDir, concurrency: 1 });
  t.is(files.length, 3);
  const lake = await openTestLake(t);
  let goldTotal = 0;
  for (const file of files) {
    const figures = await ingest(t, lake, path.basename(file.path), await readFile(file.path));
    const counts = await assertBalance(t, lake, figures, file.lines);
    const injected = Object.fromEntries(Object.entries(file.injected.rejects).filter(([, n]) => n > 0));
    t.deepEqual(await rejectsByReason(lake, figures.batchId), injected, `rejects of ${file.path}`);
    t.deepEqual(figures.rejectsByReason, injected);
    t.true(Object.keys(injected).length >= 9, 'every reject reason is injected');
    t.is(figures.duplicates, file.injected.exactDuplicates + file.injected.resentIds, `duplicates of ${file.path}`);
    goldTotal += counts.gold;
  }
  const [gold] = await lake.lake.session.rows(
    'SELECT count(*) AS n, count(DISTINCT transaction_id) AS ids FROM procureflow_db.cleaned_transactions',
  );
  t.deepEqual(gold, { n: goldTotal, ids: goldTotal });
});
