// A header preceded by a UTF-8 byte-order mark (as Windows tools write it) is still the header.
// DuckDB's reader drops the mark itself; Athena's does not, so the silver SQL must ignore it too.
import test from 'ava';
import { datFile, goldRow, goldRows, HEADER, ingest, line, openTestLake, rejectRows, silverOverLines } from './helpers/local-lake.ts';

test('a file whose header follows a byte-order mark: header skipped, nothing rejected', async (t) => {
  const lake = await openTestLake(t);
  const figures = await ingest(t, lake, 'bom.dat', `\ufeff${datFile([line('TXN-1'), line('TXN-2')])}`);
  t.like(figures, { lines: 2, loaded: 2, duplicates: 0, rejected: 0 });
  t.deepEqual(await rejectRows(lake), []);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'bom.dat'), goldRow('TXN-2', 'bom.dat')]);
});

test('the silver SQL itself skips a header line that starts with a byte-order mark', async (t) => {
  const { lake } = await openTestLake(t);
  const lines = [`\ufeff${HEADER}`, line('TXN-1')];
  const silver = await silverOverLines(lake, 'bom_lines', lines, 'bom.dat');
  t.deepEqual(await lake.session.rows(`SELECT transaction_id, reject_reason FROM (${silver})`), [{ transaction_id: 'TXN-1', reject_reason: null }]);
});
