// Deduplication by transaction_id: the in-batch tie-breaks, independence from line order,
// first write wins across batches, and the balance of every batch read from the tables.
import test, { type ExecutionContext } from 'ava';
import { earliestOf, horizonStart } from '../handlers/core/dedupe-horizon.ts';
import { renderValue } from '../handlers/core/sql-template.ts';
import { assertBalance, byId, datFile, type Field, type GoldRow, goldRow, goldRows, ingest, line, openTestLake, rejectRows, tableRows } from './helpers/local-lake.ts';

test('in a batch the greatest transaction_ts wins (compared as time, not as text)', async (t) => {
  const lake = await openTestLake(t);
  const key = 'ts.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { transaction_ts: '2026-03-01 09:00:00', customer_id: 'C-early', total_amount: '999.00' }),
      line('TXN-1', { transaction_ts: '2026-03-01 10:00:00', customer_id: 'C-late' }),
      // As text, 'T' sorts after ' ': this line would win a string comparison.
      line('TXN-1', { transaction_ts: '2026-03-01T09:30:00', customer_id: 'C-textual' }),
      line('TXN-2', { transaction_ts: '2026-03-02T00:00:00', customer_id: 'C-next-day' }),
      line('TXN-2', { transaction_ts: '2026-03-01 23:59:59', customer_id: 'C-day-before' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { transaction_ts: '2026-03-01 10:00:00', customer_id: 'C-late' }),
    goldRow('TXN-2', key, { transaction_ts: '2026-03-02 00:00:00', customer_id: 'C-next-day' }),
  ]);
  t.like(figures, { lines: 5, loaded: 2, duplicates: 3, rejected: 0 });
  await assertBalance(t, lake, figures, 5);
});

test('same ts: the greatest total_amount wins (numerically, derived totals included)', async (t) => {
  const lake = await openTestLake(t);
  const key = 'total.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { total_amount: '9.50', customer_id: 'C-nine' }),
      line('TXN-1', { total_amount: '10.00', customer_id: 'C-ten' }),
      line('TXN-1', { total_amount: '-20.00', customer_id: 'C-negative' }),
      // A missing total is derived (58.97) before the comparison.
      line('TXN-2', { total_amount: '', customer_id: 'C-derived' }),
      line('TXN-2', { total_amount: '58.96', customer_id: 'C-given' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { total_amount: 10, customer_id: 'C-ten' }),
    goldRow('TXN-2', key, { total_amount: 58.97, customer_id: 'C-derived' }),
  ]);
  await assertBalance(t, lake, figures, 5);
});

test('same ts and total: the smallest typed field in column order wins, not the raw text', async (t) => {
  const lake = await openTestLake(t);
  const key = 'typed.dat';
  // In each pair the raw text would sort the other way: a raw-text tie-break picks the loser.
  const pairs: Array<[string, Partial<Record<Field, string>>, Partial<Record<Field, string>>, Partial<GoldRow>]> = [
    ['TXN-S', { store_id: '10' }, { store_id: '9' }, { store_id: 9 }],
    ['TXN-C', { customer_id: 'CUST-A' }, { customer_id: 'NULL' }, { customer_id: null }],
    ['TXN-P', { product_id: '\tb' }, { product_id: 'A' }, { product_id: 'A' }],
    ['TXN-G', { product_category: 'Toys' }, { product_category: 'books' }, { product_category: 'books' }],
    ['TXN-Q', { quantity: '10' }, { quantity: '9' }, { quantity: 9 }],
    ['TXN-U', { unit_price: '10.00' }, { unit_price: '9' }, { unit_price: 9 }],
    ['TXN-D', { discount: '10.00' }, { discount: '9' }, { discount: 9 }],
    ['TXN-M', { payment_method: 'Visa' }, { payment_method: 'cash' }, { payment_method: 'CASH' }],
    ['TXN-Y', { currency: 'Usd' }, { currency: 'eur' }, { currency: 'EUR' }],
    // Column order: store_id decides before customer_id, customer_id before currency.
    ['TXN-O1', { store_id: '1', customer_id: 'Z' }, { store_id: '2', customer_id: 'NULL' }, { store_id: 1, customer_id: 'Z' }],
    ['TXN-O2', { customer_id: 'A', currency: 'zzz' }, { customer_id: 'B', currency: 'aaa' }, { customer_id: 'A', currency: 'ZZZ' }],
  ];
  const lines = pairs.flatMap(([id, loser, winner]) => [line(id, { total_amount: '58.97', ...loser }), line(id, { total_amount: '58.97', ...winner })]);
  const figures = await ingest(t, lake, key, datFile(lines));
  t.deepEqual(await goldRows(lake), byId(pairs.map(([id, , , row]) => goldRow(id, key, row))));
  t.like(figures, { lines: lines.length, loaded: pairs.length, duplicates: pairs.length, duplicatesInBatch: pairs.length, duplicatesInGold: 0, rejected: 0 });
  await assertBalance(t, lake, figures, lines.length);
});

test('strings tie-break in byte order (code points), on both engines: not a locale, not UTF-16', async (t) => {
  const lake = await openTestLake(t);
  const key = 'bytes.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { customer_id: 'CUST-B' }),
      line('TXN-1', { customer_id: 'CUST-A' }),
      line('TXN-1', { customer_id: 'CUST-C' }),
      // 'B' (0x42) < 'a' (0x61), and 'Z' (0x5A) < 'é' (0xC3 0xA9): no case folding, no locale.
      line('TXN-2', { customer_id: 'CUST-a' }),
      line('TXN-2', { customer_id: 'CUST-B' }),
      line('TXN-3', { customer_id: 'CUST-é' }),
      line('TXN-3', { customer_id: 'CUST-Z' }),
      // U+FF21 (EF BC A1) < U+1F600 (F0 9F 98 80) in bytes; in UTF-16 units the emoji (D83D) sorts first.
      line('TXN-4', { customer_id: 'CUST-\u{1F600}' }),
      line('TXN-4', { customer_id: 'CUST-\uFF21' }),
      // Upper-casing happens before the comparison: 'ÉUR' vs 'EUR' compares the cleaned values.
      line('TXN-5', { currency: 'éur' }),
      line('TXN-5', { currency: 'eur' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { customer_id: 'CUST-A' }),
    goldRow('TXN-2', key, { customer_id: 'CUST-B' }),
    goldRow('TXN-3', key, { customer_id: 'CUST-Z' }),
    goldRow('TXN-4', key, { customer_id: 'CUST-\uFF21' }),
    goldRow('TXN-5', key, { currency: 'EUR' }),
  ]);
  t.like(figures, { lines: 11, loaded: 5, duplicates: 6, rejected: 0 });
  await assertBalance(t, lake, figures, 11);
});

test('lines equal on every typed field give the same gold row, whatever their raw text or order', async (t) => {
  const spellings = [
    line('TXN-1'),
    line(' TXN-1\t', { transaction_ts: '2026-03-01T14:05:09', payment_method: 'CARD', currency: 'USD' }),
    line('TXN-1', { product_category: ' Electronics', customer_id: 'CUST-0001 ' }),
    line('TXN-1', { unit_price: '+19.99', discount: '1', total_amount: '' }),
    line('TXN-1'),
  ];
  const runs = [];
  for (const order of [spellings, [...spellings].reverse()]) {
    const lake = await openTestLake(t);
    const figures = await ingest(t, lake, 'same.dat', datFile(order));
    t.like(figures, { lines: 5, loaded: 1, duplicates: 4, duplicatesInBatch: 4, rejected: 0 });
    runs.push(await goldRows(lake));
  }
  t.deepEqual(runs[0], [goldRow('TXN-1', 'same.dat')]);
  t.deepEqual(runs[1], runs[0]);
});

test('a rejected line never takes part in the dedupe', async (t) => {
  const lake = await openTestLake(t);
  const key = 'reject-dup.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { transaction_ts: '2026-03-09 00:00:00', quantity: '0' }),
      line('TXN-1', { customer_id: 'C-valid' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', key, { customer_id: 'C-valid' })]);
  t.like(figures, { lines: 2, loaded: 1, duplicates: 0, rejected: 1 });
  await assertBalance(t, lake, figures, 2);
});

/** A small seeded shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

test('the result does not depend on the order of the lines', async (t) => {
  const lines: string[] = [];
  for (let id = 0; id < 40; id++) {
    const txn = `TXN-${String(id).padStart(3, '0')}`;
    for (let copy = 0; copy < 1 + (id % 4); copy++) {
      lines.push(
        line(txn, {
          transaction_ts: `2026-03-0${1 + ((id + copy) % 2)}${copy % 2 ? 'T' : ' '}10:00:0${copy % 3}`,
          total_amount: copy % 3 === 1 ? '' : `${50 + ((id * copy) % 3)}.00`,
          customer_id: `CUST-${'zyxw'[copy] ?? 'q'}`,
        }),
      );
    }
  }
  lines.push(line('TXN-BAD', { store_id: '-5' }));
  const runs = [];
  for (const seed of [0, 1, 2]) {
    const lake = await openTestLake(t);
    const figures = await ingest(t, lake, 'shuffled.dat', datFile(seed === 0 ? lines : shuffled(lines, seed)));
    await assertBalance(t, lake, figures, lines.length);
    runs.push({ gold: await goldRows(lake), rejects: await rejectRows(lake), counts: [figures.lines, figures.loaded, figures.duplicates, figures.rejected] });
  }
  t.is(runs[0]?.gold.length, 40);
  t.deepEqual(runs[1], runs[0]);
  t.deepEqual(runs[2], runs[0]);
});

test('across batches the first write wins; a later line with the same id is a duplicate', async (t) => {
  const lake = await openTestLake(t);
  const first = await ingest(t, lake, 'day1.dat', datFile([line('TXN-1'), line('TXN-2', { quantity: '0' })]));
  const second = await ingest(
    t,
    lake,
    'day2.dat',
    datFile([
      // Newer and bigger, but TXN-1 is already in gold.
      line('TXN-1', { transaction_ts: '2026-04-01 00:00:00', customer_id: 'C-new', total_amount: '1000.00' }),
      line('TXN-1', { customer_id: 'C-again' }),
      // TXN-2 was rejected on day 1, so it is loaded now.
      line('TXN-2', { customer_id: 'C-fixed' }),
      line('TXN-3'),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', 'day1.dat'),
    goldRow('TXN-2', 'day2.dat', { customer_id: 'C-fixed' }),
    goldRow('TXN-3', 'day2.dat'),
  ]);
  t.like(first, { lines: 2, loaded: 1, duplicates: 0, rejected: 1 });
  // TXN-1 twice: one in-batch loser, and one id already in gold.
  t.like(second, { lines: 4, loaded: 2, duplicates: 2, duplicatesInBatch: 1, duplicatesInGold: 1, rejected: 0 });
  await assertBalance(t, lake, first, 2);
  await assertBalance(t, lake, second, 4);
});

test('the same content under a new key is a new batch: every valid line is a duplicate, gold unchanged', async (t) => {
  const lake = await openTestLake(t);
  const content = datFile([line('TXN-1'), line('TXN-2', { total_amount: '' }), line('TXN-2', { customer_id: 'C-2' }), line('TXN-3', { unit_price: '-1' })]);
  const first = await ingest(t, lake, 'orig.dat', content);
  const goldBefore = await tableRows(lake, 'cleaned_transactions');
  const copy = await ingest(t, lake, 'copy.dat', content);
  t.not(copy.batchId, first.batchId);
  t.deepEqual(await tableRows(lake, 'cleaned_transactions'), goldBefore);
  t.like(first, { lines: 4, loaded: 2, duplicates: 1, rejected: 1 });
  t.like(copy, { lines: 4, loaded: 0, duplicates: 3, duplicatesInBatch: 1, duplicatesInGold: 2, rejected: 1 });
  // Its rejects are still recorded, under the new file.
  const rejects = await lake.lake.session.rows('SELECT reason, source_file FROM procureflow_db.rejected_transactions ORDER BY source_file');
  t.deepEqual(rejects, [
    { reason: 'invalid_unit_price', source_file: 'bronze/copy.dat' },
    { reason: 'invalid_unit_price', source_file: 'bronze/orig.dat' },
  ]);
  await assertBalance(t, lake, first, 4);
  await assertBalance(t, lake, copy, 4);
});

// The dedupe horizon (docs/data-contract.md, off by default): with N days, an id already in gold
// counts as a duplicate only when its gold row is dated at most N days before the group's earliest
// valid transaction date; an older one is loaded again, and the balance still holds.
async function reloadAcrossHorizon(t: ExecutionContext, dedupeHorizonDays: number | undefined) {
  const lake = await openTestLake(t, dedupeHorizonDays === undefined ? {} : { dedupeHorizonDays });
  const first = await ingest(
    t,
    lake,
    'early.dat',
    datFile([
      // 40 and 10 days before 2026-03-01, the earliest date of the second file.
      line('TXN-OLD', { transaction_ts: '2026-01-20 08:00:00' }),
      line('TXN-RECENT', { transaction_ts: '2026-02-19 08:00:00' }),
    ]),
  );
  const second = await ingest(
    t,
    lake,
    'later.dat',
    datFile([line('TXN-OLD', { customer_id: 'C-again' }), line('TXN-RECENT', { customer_id: 'C-again' }), line('TXN-NEW')]),
  );
  const gold = await lake.lake.session.rows('SELECT transaction_id, customer_id, source_file FROM procureflow_db.cleaned_transactions ORDER BY transaction_id, source_file');
  await assertBalance(t, lake, first, 2);
  await assertBalance(t, lake, second, 3);
  return { first, second, gold };
}

test('dedupe horizon of 30 days: an id in gold from 40 days earlier is loaded again, one from 10 days earlier is a duplicate', async (t) => {
  const { second, gold } = await reloadAcrossHorizon(t, 30);
  t.like(second, { lines: 3, loaded: 2, duplicates: 1, duplicatesInBatch: 0, duplicatesInGold: 1, rejected: 0 });
  t.deepEqual(gold, [
    { transaction_id: 'TXN-NEW', customer_id: 'CUST-0001', source_file: 'bronze/later.dat' },
    { transaction_id: 'TXN-OLD', customer_id: 'CUST-0001', source_file: 'bronze/early.dat' },
    { transaction_id: 'TXN-OLD', customer_id: 'C-again', source_file: 'bronze/later.dat' },
    { transaction_id: 'TXN-RECENT', customer_id: 'CUST-0001', source_file: 'bronze/early.dat' },
  ]);
});

test('no dedupe horizon (the default): ids in gold from 40 and from 10 days earlier are both duplicates', async (t) => {
  const { second, gold } = await reloadAcrossHorizon(t, undefined);
  t.like(second, { lines: 3, loaded: 1, duplicates: 2, duplicatesInBatch: 0, duplicatesInGold: 2, rejected: 0 });
  t.deepEqual(gold, [
    { transaction_id: 'TXN-NEW', customer_id: 'CUST-0001', source_file: 'bronze/later.dat' },
    { transaction_id: 'TXN-OLD', customer_id: 'CUST-0001', source_file: 'bronze/early.dat' },
    { transaction_id: 'TXN-RECENT', customer_id: 'CUST-0001', source_file: 'bronze/early.dat' },
  ]);
});

test('the horizon starts N days before the earliest valid date; off, no valid line or a date before year 1 reads all of gold', (t) => {
  const text = (value: ReturnType<typeof horizonStart>) => renderValue(value);
  t.is(text(horizonStart('2026-03-01', 30)), "DATE '2026-01-30'");
  t.is(text(horizonStart('2024-03-01', 1)), "DATE '2024-02-29'");
  t.is(text(horizonStart('2026-03-01', undefined)), "DATE '0001-01-01'");
  t.is(text(horizonStart(undefined, 30)), "DATE '0001-01-01'");
  t.is(text(horizonStart('0001-01-10', 30)), "DATE '0001-01-01'");
  t.is(earliestOf(['2026-03-02', undefined, '2026-02-28']), '2026-02-28');
});
