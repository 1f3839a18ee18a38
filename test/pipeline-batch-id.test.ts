// Any S3 key or file name gives a valid batch id and valid work table names: date-named legacy
// exports (`2026-03-01.dat`) included. Ids of names that already worked stay as they were.
import test from 'ava';
import { batchIdFor, fileSlug } from '../handlers/core/batch-identity.ts';
import { identifier } from '../handlers/core/sql-template.ts';
import { assertKeysLoadVerbatim } from './helpers/local-lake.ts';

const NAMES = ['2026-03-01.dat', '20260301.dat', '_x.dat', '.dat', 'Ünïcode.DAT', '9.dat.gz', 'exports/2026/03/01.zip', '日本.dat'];

test('every name gives an identifier-safe batch id and work table names', (t) => {
  for (const key of NAMES) {
    const batchId = batchIdFor({ bucket: 'bronze', key }, '"etag"');
    t.regex(batchId, /^[a-z_][a-z0-9_]*$/, key);
    for (const table of [batchId, `bronze_${batchId}`, `stage_silver_${batchId}`, `stage_gold_${batchId}`, `stage_rejects_${batchId}`]) {
      t.notThrows(() => identifier(table), `${key}: ${table}`);
    }
  }
});

test('slugs: a leading digit gets the prefix file_, an empty slug is file, every other slug is unchanged', (t) => {
  t.is(fileSlug('2026-03-01.dat'), 'file_2026_03_01');
  t.is(fileSlug('20260301.dat'), 'file_20260301');
  t.is(fileSlug('exports/2026/03/01.zip'), 'file_01');
  t.is(fileSlug('_x.dat'), 'x');
  t.is(fileSlug('.dat'), 'file');
  t.is(fileSlug('日本.dat'), 'file');
  t.is(fileSlug('Ünïcode.DAT'), 'u_ni_code');
  // As before: names that already gave valid ids keep them.
  t.is(fileSlug('Sales 2026-03.dat'), 'sales_2026_03');
  t.is(fileSlug('in/transactions-0001.dat.gz'), 'transactions_0001');
  t.is(fileSlug(`${'a'.repeat(60)}.dat`), 'a'.repeat(48));
  t.is(fileSlug(`${'1'.repeat(60)}.dat`).length, 48);
});

test('date-named and oddly named files load, locally end to end', async (t) => {
  const keys = ['2026-03-01.dat', '20260301.dat', '_x.dat', '.dat', 'Ünïcode.DAT'];
  await assertKeysLoadVerbatim(t, keys);
});
