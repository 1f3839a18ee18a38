// Generated data: every batch balances, read from the tables, and the rejects by reason are
// exactly what the generator says it injected. A wrong gold or rejects SQL breaks the balance.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { generateDataset } from '../generator/generate.ts';
import { DEFAULT_SQL_DIR, loadPipelineSql, type PipelineSql } from '../handlers/core/pipeline-sql.ts';
import { assertBalance, datFile, deliver, goldRows, ingest, landContent, line, openTestLake, rejectRows, rejectsByReason } from './helpers/local-lake.ts';

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
    t.is(figures.duplicatesInBatch + figures.duplicatesInGold, figures.duplicates);
    goldTotal += counts.gold;
  }
  const [gold] = await lake.lake.session.rows(
    'SELECT count(*) AS n, count(DISTINCT transaction_id) AS ids FROM procureflow_db.cleaned_transactions',
  );
  t.deepEqual(gold, { n: goldTotal, ids: goldTotal });
});

/** The repository's SQL with one replacement in one file, in a test-only sql folder. */
async function sqlWithEdit(t: ExecutionContext, file: string, from: string, to: string): Promise<PipelineSql> {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-sql-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await cp(DEFAULT_SQL_DIR, dir, { recursive: true });
  const text = await readFile(path.join(dir, file), 'utf8');
  t.true(text.includes(from), `${file} holds ${from}`);
  await writeFile(path.join(dir, file), text.replace(from, to));
  return loadPipelineSql(dir);
}

const WRONG_SQL: Array<[string, string, string, string]> = [
  // A gold that drops one row it should load.
  ['gold drops a row', 'gold/cleaned_transactions.sql', 'WHERE g.transaction_id IS NULL', "WHERE g.transaction_id IS NULL AND w.transaction_id <> 'TXN-2'"],
  // A gold that loads an in-batch loser too (one id twice).
  ['gold keeps a duplicate', 'gold/cleaned_transactions.sql', 'WHERE rank_in_group = 1', 'WHERE rank_in_group <= 2'],
  // A rejects stage that loses a line.
  ['rejects lose a line', 'gold/rejected_transactions.sql', 'WHERE reject_reason IS NOT NULL', "WHERE reject_reason IS NOT NULL AND reject_reason <> 'invalid_quantity'"],
];

for (const [name, file, from, to] of WRONG_SQL) {
  test(`a batch whose figures do not add up fails before its commit: ${name}`, async (t) => {
    const lake = await openTestLake(t);
    const sql = await sqlWithEdit(t, file, from, to);
    const content = datFile([line('TXN-1'), line('TXN-2'), line('TXN-3'), line('TXN-3', { customer_id: 'C-other' }), line('TXN-4', { quantity: '0' })]);
    const [result] = await deliver(lake, [await landContent(lake, 'wrong.dat', content)], { sql });
    t.is(result?.status, 'failed');
    t.regex(result?.status === 'failed' ? result.error : '', /failed at step figures: .*the batch does not balance/);
    // Nothing was committed.
    t.deepEqual(await goldRows(lake), []);
    t.deepEqual(await rejectRows(lake), []);
  });
}
