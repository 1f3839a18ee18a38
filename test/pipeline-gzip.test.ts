// A `.dat.gz` landing is read compressed, as Athena reads it: same lines, same rules.
import { readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { datFile, goldRow, goldRows, ingest, line, openTestLake, rejectRows } from './helpers/local-lake.ts';

test('a gzipped .dat is one batch with the same gold and rejects as the plain file', async (t) => {
  const lake = await openTestLake(t);
  const text = datFile([line('TXN-1'), line('TXN-2', { quantity: '0' })]);
  const figures = await ingest(t, lake, 'day.dat.gz', gzipSync(Buffer.from(text)));
  t.like(figures, { lines: 2, loaded: 1, duplicates: 0, rejected: 1, rejectsByReason: { invalid_quantity: 1 } });
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'day.dat.gz')]);
  t.deepEqual(
    (await rejectRows(lake)).map((row) => row.reason),
    ['invalid_quantity'],
  );
});

test('a gzipped .dat with bytes that are not UTF-8 is repaired line by line, like a plain one', async (t) => {
  const lake = await openTestLake(t);
  const bad = Buffer.concat([Buffer.from(`${line('TXN-3')}\n`), Buffer.from([0x62, 0xff, 0x7c, 0x0a])]);
  const body = Buffer.concat([Buffer.from(datFile([line('TXN-1')])), bad]);
  const figures = await ingest(t, lake, 'bad.dat.gz', gzipSync(body));
  t.like(figures, { lines: 3, loaded: 2, rejected: 1, rejectsByReason: { malformed: 1 } });
  t.deepEqual(
    (await rejectRows(lake)).map((row) => [row.reason, row.raw_line]),
    [['malformed', 'b\ufffd|']],
  );
  // The repaired copy is work data: it goes once the batch is committed.
  t.deepEqual((await readdir(lake.lake.layout.workDir)).filter((name) => name.startsWith('bronze_')), []);
});
