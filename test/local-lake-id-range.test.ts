// First write wins reads only the gold that can hold a batch's ids: the local catalog records each
// committed batch's gold id range and hands the gold step a view over the overlapping batches
// only (Catalog.goldTableFor). The outcome is the contract's whatever is skipped.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { type BatchFigures, figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { handleLandings } from '../handlers/core/handle-landings.ts';
import type { QueryEngine } from '../handlers/core/ports.ts';
import { PART_FILE } from '../handlers/local/duckdb-engine.ts';
import { partitionDir } from '../handlers/local/lake-layout.ts';
import { datFile, deliver, goldRows, ingest, landContent, lakeContents, leftovers, line, openTestLake, reopenTestLake, type TestLake } from './helpers/local-lake.ts';

const EARLY = datFile([line('TXN-0001'), line('TXN-0002'), line('TXN-0003', { store_id: '0' })]);
const LATER = datFile([line('TXN-0005'), line('TXN-0007')]);

test('each commit records the range of ids it loaded into gold; a batch that loaded none records null', async (t) => {
  const lake = await openTestLake(t);
  t.deepEqual((await ingest(t, lake, 'early.dat', EARLY)).goldIds, { min: 'TXN-0001', max: 'TXN-0002' });
  // Every valid line is a duplicate: nothing loaded, nothing to read for later batches.
  t.is((await ingest(t, lake, 'again.dat', EARLY)).goldIds, null);
  const recorded = lake.lake.catalog.committed().map((batch) => figuresFromParameters(batch.parameters)?.goldIds);
  t.deepEqual(recorded, [{ min: 'TXN-0001', max: 'TXN-0002' }, null]);
});

test('the gold view for a range holds the overlapping batches only, and batches with no recorded range always', async (t) => {
  const lake = await openTestLake(t);
  await ingest(t, lake, 'early.dat', EARLY);
  await ingest(t, lake, 'later.dat', LATER);
  const { catalog, session } = lake.lake;
  const ids = async (range: { min: string; max: string }) =>
    (await session.rows(`SELECT transaction_id FROM ${await catalog.goldTableFor(range)} ORDER BY transaction_id`)).map((row) => row.transaction_id);
  t.deepEqual(await ids({ min: 'TXN-0006', max: 'TXN-0009' }), ['TXN-0005', 'TXN-0007']);
  t.deepEqual(await ids({ min: 'TXN-0000', max: 'TXN-0001' }), ['TXN-0001', 'TXN-0002']);
  t.deepEqual(await ids({ min: 'TXN-0003', max: 'TXN-0004' }), []);
  t.deepEqual(await ids({ min: 'TXN-0002', max: 'TXN-0005' }), ['TXN-0001', 'TXN-0002', 'TXN-0005', 'TXN-0007']);
  // A commit made before ranges were recorded (no goldIds in its figures) is read for any range.
  const early = catalog.committed()[0];
  if (!early) return t.fail();
  const figures = figuresFromParameters(early.parameters);
  delete figures?.goldIds;
  early.parameters = { ...early.parameters, procureflow_figures: JSON.stringify(figures) };
  t.deepEqual(await ids({ min: 'TXN-0006', max: 'TXN-0009' }), ['TXN-0001', 'TXN-0002', 'TXN-0005', 'TXN-0007']);
});

test('a batch whose ids lie outside a damaged gold batch does not read it and commits; one whose ids overlap fails naming it', async (t) => {
  const lake = await openTestLake(t);
  const early = await ingest(t, lake, 'early.dat', EARLY);
  await rm(path.join(partitionDir(lake.lake.layout, 'cleaned_transactions', early.batchId), PART_FILE));
  await reopenTestLake(lake);

  await ingest(t, lake, 'later.dat', LATER);
  const [overlapping] = await deliver(lake, [await landContent(lake, 'resent.dat', datFile([line('TXN-0008'), line('TXN-0002')]))]);
  t.is(overlapping?.status, 'failed');
  t.regex(overlapping?.status === 'failed' ? overlapping.error : '', new RegExp(`failed at step gold: .*batch ${early.batchId} of cleaned_transactions is damaged`));
  t.deepEqual(await goldRows(lake, "batch_id <> '" + early.batchId + "'").then((rows) => rows.map((row) => row.transaction_id)), ['TXN-0005', 'TXN-0007']);
});

test('first write wins across batches whose ranges interleave: an old id resent among new ones is still a duplicate', async (t) => {
  const lake = await openTestLake(t);
  await ingest(t, lake, 'early.dat', EARLY);
  await ingest(t, lake, 'later.dat', LATER);
  const figures = await ingest(t, lake, 'mixed.dat', datFile([line('TXN-0009'), line('TXN-0001', { customer_id: 'C-resent' }), line('TXN-0006')]));
  t.is(figures.duplicatesInGold, 1);
  t.is(figures.loaded, 2);
  t.deepEqual(figures.goldIds, { min: 'TXN-0006', max: 'TXN-0009' });
  const gold = await goldRows(lake);
  t.deepEqual(gold.map((row) => row.transaction_id), ['TXN-0001', 'TXN-0002', 'TXN-0005', 'TXN-0006', 'TXN-0007', 'TXN-0009']);
  t.not(gold[0]?.customer_id, 'C-resent');
});

/** The real DuckDB engine, recording the text of every statement it runs. */
function recording(engine: QueryEngine): { engine: QueryEngine; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    engine: {
      materialize: (table, select, location, context) => (statements.push(select), engine.materialize(table, select, location, context)),
      materializePartitioned: (table, select, location, context) => (statements.push(select), engine.materializePartitioned(table, select, location, context)),
      query: (select, context) => (statements.push(select), engine.query(select, context)),
    },
  };
}

/** Two committed batches, then a group of two files holding ids of committed gold and of each other. */
async function resentGroup(t: Parameters<typeof ingest>[0], lake: TestLake, ports: { readGoldOnce: boolean; engine?: QueryEngine }): Promise<BatchFigures[]> {
  await ingest(t, lake, 'early.dat', EARLY);
  await ingest(t, lake, 'later.dat', LATER);
  const first = await landContent(lake, 'first.dat', datFile([line('TXN-0009'), line('TXN-0001', { customer_id: 'C-resent' }), line('TXN-0010')]));
  const second = await landContent(lake, 'second.dat', datFile([line('TXN-0010', { customer_id: 'C-second' }), line('TXN-0002'), line('TXN-0005'), line('TXN-0011')]));
  const results = await handleLandings([first, second], { ...lake.lake.ports, ...ports });
  return results.map((result) => {
    if (result.status !== 'committed' || !result.figures) throw new Error(JSON.stringify(result));
    return { ...result.figures, seconds: 0 };
  });
}

test('the group ids in committed gold are read once per turn, into a work table that the gold statement and the duplicates figure both read', async (t) => {
  const lake = await openTestLake(t);
  t.true(lake.lake.ports.readGoldOnce, 'the local lake reads committed gold once');
  const recorder = recording(lake.lake.ports.engine);
  const figures = await resentGroup(t, lake, { readGoldOnce: true, engine: recorder.engine });
  // first.dat: TXN-0001 is in committed gold. second.dat: TXN-0010 was first.dat's, TXN-0002 and TXN-0005 are in gold.
  t.like(figures[0], { lines: 3, loaded: 2, duplicatesInGold: 1, duplicates: 1, goldIds: { min: 'TXN-0009', max: 'TXN-0010' } });
  t.like(figures[1], { lines: 4, loaded: 1, duplicatesInGold: 3, duplicates: 3, goldIds: { min: 'TXN-0011', max: 'TXN-0011' } });
  const gold = await goldRows(lake, "transaction_id IN ('TXN-0001', 'TXN-0010')");
  t.deepEqual(gold.map((row) => [row.transaction_id, row.customer_id]), [['TXN-0001', 'CUST-0001'], ['TXN-0010', 'CUST-0001']]);
  // Of the group turn's statements, exactly one reads the committed gold view: the lookup.
  const turn = recorder.statements.filter((sql) => /stage_gold_lookup_|gold_for_range_/.test(sql));
  const readingGold = turn.filter((sql) => sql.includes('gold_for_range_'));
  t.is(readingGold.length, 1, readingGold.join('\n---\n'));
  t.true(readingGold[0]?.startsWith('SELECT DISTINCT transaction_id, transaction_date FROM gold_for_range_'));
  t.is(turn.filter((sql) => sql.includes('stage_gold_lookup_')).length, 2, 'the gold statement and the duplicates figure read the lookup');
  // The lookup's work table and folder go with the turn.
  const views = await lake.lake.session.rows("SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'stage_gold_lookup_%'");
  t.deepEqual(views, []);
  t.deepEqual(await leftovers(lake), []);
});

test('reading committed gold once gives the lake and the figures of reading it in each query', async (t) => {
  const once = await openTestLake(t);
  const twice = await openTestLake(t);
  const onceFigures = await resentGroup(t, once, { readGoldOnce: true });
  const twiceFigures = await resentGroup(t, twice, { readGoldOnce: false });
  const withoutBytes = (figures: BatchFigures[]) => figures.map(({ bytesOut: _bytesOut, ...rest }) => rest);
  t.deepEqual(withoutBytes(onceFigures), withoutBytes(twiceFigures));
  t.deepEqual(await lakeContents(once), await lakeContents(twice));
});
