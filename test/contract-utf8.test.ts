// Invalid UTF-8 is `malformed` on Athena too. Trino keeps a text file's raw bytes
// (trinodb/trino#8262), so the silver SQL cannot rely on the reader's U+FFFD there: it compares
// from_utf8(to_utf8(line)) with the line, and Trino's from_utf8 replaces each invalid sequence
// with U+FFFD (Trino docs, String functions, from_utf8). A DuckDB VARCHAR cannot hold invalid
// bytes, so this test models Trino's reading in one session: U+E000 (a private-use character no
// test line uses otherwise) stands for a raw invalid byte, and from_utf8 turns it into U+FFFD as
// Trino's does. The same SQL text then runs as Athena would run it.
import test from 'ava';
import { fillTemplate, literal } from '../handlers/core/sql-template.ts';
import { line, openTestLake, silverOverLines } from './helpers/local-lake.ts';

const RAW_BYTE = '\ue000';

test('the silver SQL finds bytes that are not UTF-8 the way Trino reads them, and keeps them as U+FFFD', async (t) => {
  const { lake } = await openTestLake(t);
  await lake.session.run(`CREATE OR REPLACE MACRO from_utf8(b) AS replace(decode(b), chr(57344), chr(65533))`);
  const lines = [line('TXN-1'), line('TXN-RAW', { customer_id: `CUST-${RAW_BYTE}${RAW_BYTE}` }), line('TXN-MARK', { customer_id: 'CUST-\ufffd' })];
  const silver = await silverOverLines(lake, 'trino_lines', lines, 'raw.dat');
  t.deepEqual(await lake.session.rows(`SELECT transaction_id, customer_id, reject_reason, raw_line FROM (${silver}) ORDER BY raw_line NULLS FIRST`), [
    { transaction_id: 'TXN-1', customer_id: 'CUST-0001', reject_reason: null, raw_line: null },
    { transaction_id: null, customer_id: null, reject_reason: 'malformed', raw_line: line('TXN-MARK', { customer_id: 'CUST-\ufffd' }) },
    // Stored with U+FFFD for each invalid sequence, as the local reader stores it.
    { transaction_id: null, customer_id: null, reject_reason: 'malformed', raw_line: line('TXN-RAW', { customer_id: 'CUST-\ufffd\ufffd' }) },
  ]);
});

test('locally to_utf8 and from_utf8 are a lossless round trip for any text DuckDB holds', async (t) => {
  const { lake } = await openTestLake(t);
  const texts = ['', 'plain', 'Café ü 日本 \u{1F600}', 'mark \ufffd', '\ue000'];
  const rows = await lake.session.rows(
    `SELECT t, from_utf8(to_utf8(t)) = t AS same, typeof(to_utf8(t)) AS type FROM (VALUES ${texts.map((text) => `(${fillTemplate('{{v}}', { v: literal(text) })})`).join(', ')}) AS v(t) ORDER BY t`,
  );
  t.deepEqual(
    rows,
    [...texts].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((text) => ({ t: text, same: true, type: 'BLOB' })),
  );
});
