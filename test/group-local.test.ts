// Group commits on the local lake (real DuckDB): many landed files, one gold statement, commits in
// landing order. The lake is the one separate ingests in the same order give; a crash at any
// step of a group (between its commits too) reruns to that lake; a re-delivered group changes
// nothing.
import test, { type ExecutionContext } from 'ava';
import { goldSlices } from '../handlers/core/gold-turn.ts';
import { handleLandings } from '../handlers/core/handle-landings.ts';
import type { Landing } from '../handlers/core/landing-event.ts';
import { BATCH_STEPS, type BatchStep } from '../handlers/core/process-batch.ts';
import { assertBalance, datFile, goldRows, ingest, lakeContents, landContent, leftovers, line, openTestLake, reopenTestLake, type TestLake } from './helpers/local-lake.ts';

// Cross-file duplicates (A-2 in a and b, A-3 in a and c, B-9 in b and c), in-file duplicates
// (B-9 twice in b), a reject in each, and ids that interleave across files.
const FILES: Array<[string, string]> = [
  ['a.dat', datFile([line('A-1'), line('A-2'), line('A-3', { total_amount: '1.00' }), line('A-4', { store_id: '0' })])],
  ['b.dat', datFile([line('A-2', { customer_id: 'C-late' }), line('B-9'), line('B-9', { transaction_ts: '2026-03-02 10:00:00' }), 'a|b'])],
  ['c.dat', datFile([line('A-3', { total_amount: '9.00' }), line('B-9', { customer_id: 'C-later' }), line('C-5'), line('C-6', { quantity: 'x' })])],
];

async function landAll(lake: TestLake): Promise<Landing[]> {
  const landings: Landing[] = [];
  for (const [key, content] of FILES) landings.push(await landContent(lake, key, content));
  return landings;
}

async function separately(t: ExecutionContext) {
  const lake = await openTestLake(t);
  for (const [key, content] of FILES) await ingest(t, lake, key, content);
  return lakeContents(lake);
}

test('three files as one group give the lake of three separate ingests, each batch balanced', async (t) => {
  const expected = await separately(t);
  const lake = await openTestLake(t);
  const results = await handleLandings(await landAll(lake), lake.lake.ports);
  t.deepEqual(
    results.map((result) => result.status),
    ['committed', 'committed', 'committed'],
  );
  t.deepEqual(await lakeContents(lake), expected);
  // First write wins by landing order: A-2 is a's, A-3 a's (whatever c's total), B-9 b's later line.
  const gold = await goldRows(lake);
  t.deepEqual(
    gold.map((row) => [row.transaction_id, String(row.source_file).split('/').pop()]),
    [
      ['A-1', 'a.dat'],
      ['A-2', 'a.dat'],
      ['A-3', 'a.dat'],
      ['B-9', 'b.dat'],
      ['C-5', 'c.dat'],
    ],
  );
  for (const result of results) if (result.status === 'committed' && result.figures) await assertBalance(t, lake, result.figures);
  const figures = results.map((result) => (result.status === 'committed' ? result.figures : undefined));
  t.like(figures[1], { loaded: 1, duplicatesInBatch: 1, duplicatesInGold: 1, rejected: 1 });
  t.like(figures[2], { loaded: 1, duplicatesInBatch: 0, duplicatesInGold: 2, rejected: 1 });
  // One commit per batch, in landing order.
  t.deepEqual(
    lake.lake.catalog.committed().map((batch) => batch.batchId),
    results.map((result) => (result.status === 'committed' ? result.batchId : '')),
  );
  t.deepEqual(await leftovers(lake), []);
});

test('a turn written as gold slices (three statements, one batch each) gives the same lake: each slice keeps out the ids of the slices landed before it', async (t) => {
  const expected = await separately(t);
  const lake = await openTestLake(t);
  const results = await handleLandings(await landAll(lake), { ...lake.lake.ports, goldStatements: 3, goldSliceMinBytes: 1 });
  t.deepEqual(
    results.map((result) => result.status),
    ['committed', 'committed', 'committed'],
  );
  t.deepEqual(await lakeContents(lake), expected);
  for (const result of results) if (result.status === 'committed' && result.figures) await assertBalance(t, lake, result.figures);
  const figures = results.map((result) => (result.status === 'committed' ? result.figures : undefined));
  // b's A-2 and c's A-3 and B-9 are kept out by the earlier slices, and counted as such.
  t.like(figures[1], { loaded: 1, duplicatesInBatch: 1, duplicatesInGold: 1, rejected: 1 });
  t.like(figures[2], { loaded: 1, duplicatesInBatch: 0, duplicatesInGold: 2, rejected: 1 });
  t.deepEqual(await leftovers(lake), []);
});

test('gold slices: contiguous in landing order, about equal bytes, at most the statements asked and each at least the least bytes', (t) => {
  const sized = (...sizes: number[]) => sizes.map((size, i) => ({ id: i, info: { size } }));
  const ids = (slices: Array<Array<{ id: number }>>) => slices.map((slice) => slice.map((batch) => batch.id));
  t.deepEqual(ids(goldSlices(sized(10, 10, 10, 10), 2, 1)), [[0, 1], [2, 3]]);
  t.deepEqual(ids(goldSlices(sized(10, 10, 10, 10), 3, 1)), [[0, 1], [2], [3]]);
  t.deepEqual(ids(goldSlices(sized(30, 10, 10, 10), 2, 1)), [[0], [1, 2, 3]]);
  t.deepEqual(ids(goldSlices(sized(10, 10, 10, 10), 4, 20)), [[0, 1], [2, 3]], 'no slice under 20 bytes: 40 bytes make at most 2');
  t.deepEqual(ids(goldSlices(sized(10, 10, 10, 10), 4, 25)), [[0, 1, 2, 3]], '40 bytes hold one slice of at least 25');
  t.deepEqual(ids(goldSlices(sized(10, 10), 4, 1)), [[0], [1]], 'never more slices than batches');
  t.deepEqual(ids(goldSlices(sized(5), 4, 1000)), [[0]], 'a small turn is one statement');
});

test('a group re-delivered, and a group holding a committed file and the same file twice, change nothing', async (t) => {
  const lake = await openTestLake(t);
  const landings = await landAll(lake);
  await handleLandings(landings, lake.lake.ports);
  const before = await lakeContents(lake);
  const again = await handleLandings(landings, lake.lake.ports);
  t.deepEqual(
    again.map((result) => result.status),
    ['already_committed', 'already_committed', 'already_committed'],
  );
  const [first] = landings;
  const fresh = await landContent(lake, 'd.dat', datFile([line('D-1'), line('A-1')]));
  const mixed = await handleLandings([first as Landing, fresh, fresh], lake.lake.ports);
  t.deepEqual(
    mixed.map((result) => result.status),
    ['already_committed', 'committed', 'already_committed'],
  );
  t.deepEqual((await lakeContents(lake)).rejects, before.rejects);
  t.deepEqual((await goldRows(lake)).map((row) => row.transaction_id), ['A-1', 'A-2', 'A-3', 'B-9', 'C-5', 'D-1']);
});

test('a file that fails on its own does not stop the others of a local group; they commit in landing order', async (t) => {
  const lake = await openTestLake(t);
  const [a, b, c] = await landAll(lake);
  const gone = { ref: { bucket: 'bronze', key: 'gone.dat' } };
  const results = await handleLandings([a as Landing, gone, b as Landing, c as Landing], lake.lake.ports);
  t.deepEqual(
    results.map((result) => result.status),
    ['committed', 'failed', 'committed', 'committed'],
  );
  t.is(results[1]?.status === 'failed' ? results[1].error : '', 'bronze/gone.dat: the landed object does not exist');
  t.deepEqual((await goldRows(lake)).map((row) => row.transaction_id), ['A-1', 'A-2', 'A-3', 'B-9', 'C-5']);
});

// Every step, for the first and for a later batch of the group (a crash before the second commit
// leaves the first committed: the rerun skips it and redoes the rest). Cleanup runs once a group.
const CRASHES: Array<{ step: BatchStep; nth: number }> = BATCH_STEPS.flatMap((step: BatchStep) => (step === 'cleanup' ? [1] : [1, 2]).map((nth) => ({ step, nth })));

for (const { step, nth } of CRASHES) {
  test(`a crash before step ${step} (${nth === 1 ? 'first' : 'second'} time it runs in the group), then a rerun by a new process: the lake of one clean run`, async (t) => {
    const expected = await separately(t);
    const lake = await openTestLake(t);
    const landings = await landAll(lake);
    let seen = 0;
    let crashed = false;
    const beforeStep = (name: BatchStep) => {
      if (name !== step || crashed) return;
      if (++seen === nth) {
        crashed = true;
        throw new Error(`injected crash before ${step}`);
      }
    };
    // A crash ends the process: nothing landed after the crash point commits ('stop', as a FIFO
    // group runs), where an ordinary local failure lets the other files go on.
    const first = await handleLandings(landings, { ...lake.lake.ports, beforeStep, afterFailure: 'stop' });
    t.true(crashed);
    t.true(first.some((result) => result.status === 'failed'));
    await reopenTestLake(lake);
    const rerun = await handleLandings(landings, lake.lake.ports);
    t.true(rerun.every((result) => result.status === 'committed' || result.status === 'already_committed'), JSON.stringify(rerun));
    t.deepEqual(await lakeContents(lake), expected);
    t.deepEqual(await leftovers(lake), []);
  });
}

test('a group larger than maxGroupBytes commits in chunks, one gold turn each, in landing order: the same lake', async (t) => {
  const expected = await separately(t);
  const lake = await openTestLake(t);
  let goldTurns = 0;
  const beforeStep = (step: BatchStep) => {
    if (step === 'gold') goldTurns++;
  };
  // 1 byte: every file is a chunk of its own.
  const results = await handleLandings(await landAll(lake), { ...lake.lake.ports, beforeStep, maxGroupBytes: 1 });
  t.deepEqual(
    results.map((result) => result.status),
    ['committed', 'committed', 'committed'],
  );
  t.is(goldTurns, 3);
  t.deepEqual(await lakeContents(lake), expected);
});
