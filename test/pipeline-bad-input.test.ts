// Bad input gives reject rows with a reason or a clear error, never a crash that loses other batches.
import { rm } from 'node:fs/promises';
import test from 'ava';
import { MAX_LINE_BYTES } from '../handlers/local/landed-text-file.ts';
import { assertBalance, assertKeysLoadVerbatim, datFile, deliver, goldRow, goldRows, HEADER, ingest, landContent, line, openTestLake, rejectRows } from './helpers/local-lake.ts';

test('an empty file and a header-only file are batches of zero lines', async (t) => {
  const lake = await openTestLake(t);
  const empty = await ingest(t, lake, 'empty.dat', '');
  const headerOnly = await ingest(t, lake, 'header-only.dat', `${HEADER}\r\n`);
  for (const figures of [empty, headerOnly]) {
    t.like(figures, { lines: 0, loaded: 0, duplicates: 0, rejected: 0, rejectsByReason: {} });
    await assertBalance(t, lake, figures, 0);
  }
  t.deepEqual(await goldRows(lake), []);
  t.deepEqual(await rejectRows(lake), []);
});

test('a wrong header (columns renamed) is a rejected line; the data lines are processed', async (t) => {
  const lake = await openTestLake(t);
  const wrongHeader = 'id|ts|store|customer|product|category|qty|price|discount|total|payment|currency';
  const figures = await ingest(t, lake, 'renamed.dat', `${wrongHeader}\n${line('TXN-1')}\n`);
  t.deepEqual(await rejectRows(lake), [{ reason: 'invalid_transaction_ts', raw_line: wrongHeader }]);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'renamed.dat')]);
  await assertBalance(t, lake, figures, 2);
});

test('binary garbage (NULs included) gives malformed rejects and the batch balances', async (t) => {
  const lake = await openTestLake(t);
  let state = 12345;
  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    garbage[i] = state >>> 24;
  }
  for (let i = 0; i < garbage.length; i += 97) garbage[i] = 0; // plenty of NULs
  const file = Buffer.concat([Buffer.from(`${HEADER}\n${line('TXN-1')}\n`), garbage, Buffer.from(`\n${line('TXN-2')}\n`)]);
  // The contract's data lines: ended by LF, CR LF or a lone CR, blank lines skipped.
  const garbageLines = garbage
    .toString('latin1')
    .split(/\r\n|\r|\n/)
    .filter((text) => text.replace(/[ \t]/g, '') !== '').length;
  const figures = await ingest(t, lake, 'garbage.dat', file);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'garbage.dat'), goldRow('TXN-2', 'garbage.dat')]);
  t.deepEqual(figures.rejectsByReason, { malformed: garbageLines });
  t.like(figures, { lines: garbageLines + 2, loaded: 2, rejected: garbageLines });
  await assertBalance(t, lake, figures, garbageLines + 2);
});

test('a 10 MB line is one malformed reject, the lines around it are loaded', async (t) => {
  const lake = await openTestLake(t);
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const figures = await ingest(t, lake, 'long-line.dat', datFile([line('TXN-1'), huge, line('TXN-2')]));
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'long-line.dat'), goldRow('TXN-2', 'long-line.dat')]);
  const [reject] = await lake.lake.session.rows('SELECT reason, length(raw_line) AS length FROM procureflow_db.rejected_transactions');
  t.deepEqual(reject, { reason: 'malformed', length: huge.length });
  await assertBalance(t, lake, figures, 3);
});

test('a line over the local reader\'s limit is cut and becomes one malformed reject; the other lines load', async (t) => {
  const lake = await openTestLake(t);
  // Twelve fields, valid but for its size: the cut (marked with U+FFFD) makes it malformed.
  const long = line('TXN-LONG', { customer_id: 'C'.repeat(MAX_LINE_BYTES + 1024) });
  const figures = await ingest(t, lake, 'over-limit.dat', datFile([line('TXN-1'), long, line('TXN-2')]));
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'over-limit.dat'), goldRow('TXN-2', 'over-limit.dat')]);
  const [reject] = await lake.lake.session.rows(
    'SELECT reason, length(raw_line) AS length, substr(raw_line, length(raw_line)) AS mark FROM procureflow_db.rejected_transactions',
  );
  t.deepEqual(reject, { reason: 'malformed', length: MAX_LINE_BYTES + 1, mark: '\ufffd' });
  t.like(figures, { lines: 3, loaded: 2, rejected: 1, rejectsByReason: { malformed: 1 } });
  await assertBalance(t, lake, figures, 3);
});

test('a file with lone CR line ends only, larger than the line limit, is many lines, none cut', async (t) => {
  const lake = await openTestLake(t);
  const count = Math.ceil(MAX_LINE_BYTES / line('TXN-00000000').length) + 10;
  const lines = Array.from({ length: count }, (_, i) => line(`TXN-${String(i).padStart(8, '0')}`));
  const figures = await ingest(t, lake, 'mac.dat', datFile(lines, { eol: '\r' }));
  t.like(figures, { lines: count, loaded: count, rejected: 0, duplicates: 0 });
  await assertBalance(t, lake, figures, count);
});

test('file names with spaces, quotes, unicode, plus, percent and SQL are processed and recorded verbatim', async (t) => {
  const keys = ['sales march 2026.dat', `it's "quoted".dat`, 'ventes-été-日本.dat', "x'; DROP TABLE y; --.dat", 'a+b 100%.dat', 'nested dir/ü.dat'];
  await assertKeysLoadVerbatim(t, keys);
});

test('a .txt landing is ignored', async (t) => {
  const lake = await openTestLake(t);
  const results = await deliver(lake, [await landContent(lake, 'notes.txt', datFile([line('TXN-1')]))]);
  t.deepEqual(results, [{ sourceFile: 'bronze/notes.txt', status: 'ignored', reason: 'not a .dat, .dat.gz or .zip file' }]);
  t.deepEqual(await goldRows(lake), []);
  const [silver] = await lake.lake.session.rows('SELECT count(*) AS n FROM procureflow_db.raw_transactions');
  t.deepEqual(silver, { n: 0 });
});

test('a batch that fails (file gone before processing) does not stop the next landing of the event', async (t) => {
  const lake = await openTestLake(t);
  const gone = await landContent(lake, 'gone.dat', datFile([line('TXN-1')]));
  const unknownSize = await landContent(lake, 'gone-too.dat', datFile([line('TXN-3')]));
  const kept = await landContent(lake, 'kept.dat', datFile([line('TXN-2')]));
  await rm(lake.lake.layout.objectPath(gone.ref.bucket, gone.ref.key));
  await rm(lake.lake.layout.objectPath(unknownSize.ref.bucket, unknownSize.ref.key));
  // One record carries size and etag (as S3 sends them), one does not (the core must head it).
  const results = await deliver(lake, [gone, { ref: unknownSize.ref }, kept]);
  t.deepEqual(
    results.map((result) => [result.sourceFile, result.status]),
    [
      ['bronze/gone.dat', 'failed'],
      ['bronze/gone-too.dat', 'failed'],
      ['bronze/kept.dat', 'committed'],
    ],
  );
  t.regex(results[0]?.status === 'failed' ? results[0].error : '', /^bronze\/gone\.dat: batch gone_[0-9a-f]{12} failed at step register_landed_file: .*ENOENT/);
  t.is(results[1]?.status === 'failed' ? results[1].error : '', 'bronze/gone-too.dat: the landed object does not exist');
  t.deepEqual(await goldRows(lake), [goldRow('TXN-2', 'kept.dat')]);
});
