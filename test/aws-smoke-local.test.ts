// Cross-check of `procureflow smoke`'s hand-written expectations on the real local engine (DuckDB,
// the same SQL): the crafted files, landed in the same order, give exactly the figures, gold ids and
// rejects the smoke command expects. If the contract and the smoke disagree, this fails here
// instead of in a user's account.
import test from 'ava';
import { craftedFiles } from '../cli/commands/smoke.ts';
import { deliver, goldRows, landContent, openTestLake, rejectsByReason } from './helpers/local-lake.ts';

test('each crafted file, through the local pipeline, commits exactly what the smoke command expects', async (t) => {
  const lake = await openTestLake(t);
  for (const crafted of craftedFiles('loc1')) {
    const [result] = await deliver(lake, [await landContent(lake, `smoke-loc1/${crafted.name}`, crafted.body)]);
    if (result?.status !== 'committed' || !result.figures) return t.fail(`${crafted.name}: ${JSON.stringify(result)}`);
    const { lines, loaded, duplicates, rejected } = result.figures;
    const e = crafted.expected;
    t.deepEqual({ lines, loaded, duplicates, rejected }, { lines: e.lines, loaded: e.loaded, duplicates: e.duplicates, rejected: e.rejected }, crafted.name);
    t.deepEqual(await rejectsByReason(lake, result.figures.batchId), e.rejectsByReason, crafted.name);
    const gold = (await goldRows(lake, `batch_id = '${result.figures.batchId}'`)).map((row) => String(row.transaction_id)).sort();
    t.deepEqual(gold, e.goldIds, crafted.name);
  }
});
