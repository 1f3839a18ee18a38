// docs/data-contract.md rule by rule, on hand-written files and a real DuckDB lake.
import test from 'ava';
import { assertBalance, byId, datFile, goldRow, goldRows, HEADER, ingest, line, openTestLake, rejectRows } from './helpers/local-lake.ts';

const VALID = 'TXN-OK';

test('every reject reason: each line fails only that rule', async (t) => {
  const lake = await openTestLake(t);
  const rejects: Array<[string, string]> = [
    ['malformed', line('TXN-M11').split('|').slice(0, 11).join('|')],
    ['malformed', `${line('TXN-M13')}|extra`],
    ['malformed', `${line('TXN-M14')}|`],
    ['missing_transaction_id', line('')],
    ['missing_transaction_id', line('NULL')],
    ['missing_transaction_id', line(' \\N ')],
    ['invalid_transaction_ts', line('TXN-T1', { transaction_ts: '' })],
    ['invalid_transaction_ts', line('TXN-T2', { transaction_ts: 'abc' })],
    ['invalid_transaction_ts', line('TXN-T3', { transaction_ts: '2026-02-30 10:00:00' })],
    ['invalid_transaction_ts', line('TXN-T4', { transaction_ts: '2026-03-01 25:00:00' })],
    ['invalid_transaction_ts', line('TXN-T5', { transaction_ts: '2026/03/01 10:00:00' })],
    ['invalid_transaction_ts', line('TXN-T6', { transaction_ts: '2026-03-01' })],
    ['invalid_transaction_ts', line('TXN-T7', { transaction_ts: '2026-02-29T10:00:00' })],
    ['invalid_transaction_ts', line('TXN-T8', { transaction_ts: '2026-03-01 10:60:00' })],
    ['invalid_transaction_ts', line('TXN-T9', { transaction_ts: 'n/a' })],
    ['invalid_store_id', line('TXN-S1', { store_id: '0' })],
    ['invalid_store_id', line('TXN-S2', { store_id: '-1' })],
    ['invalid_store_id', line('TXN-S3', { store_id: 'abc' })],
    ['invalid_store_id', line('TXN-S4', { store_id: '1.5' })],
    ['invalid_store_id', line('TXN-S5', { store_id: '' })],
    ['missing_product_id', line('TXN-P1', { product_id: '' })],
    ['missing_product_id', line('TXN-P2', { product_id: 'N/A' })],
    ['missing_product_id', line('TXN-P3', { product_id: '\t null ' })],
    ['invalid_quantity', line('TXN-Q1', { quantity: '0' })],
    ['invalid_quantity', line('TXN-Q2', { quantity: '-2' })],
    ['invalid_quantity', line('TXN-Q3', { quantity: '2.5' })],
    ['invalid_quantity', line('TXN-Q4', { quantity: '' })],
    ['invalid_quantity', line('TXN-Q5', { quantity: 'three' })],
    ['invalid_unit_price', line('TXN-U1', { unit_price: '-1' })],
    ['invalid_unit_price', line('TXN-U2', { unit_price: 'abc' })],
    ['invalid_unit_price', line('TXN-U3', { unit_price: '1.999' })],
    ['invalid_unit_price', line('TXN-U4', { unit_price: 'NULL' })],
    ['invalid_discount', line('TXN-D1', { discount: '-0.01' })],
    ['invalid_discount', line('TXN-D2', { discount: 'abc' })],
    ['invalid_total_amount', line('TXN-A1', { total_amount: 'abc' })],
    ['invalid_total_amount', line('TXN-A2', { total_amount: '1.2.3' })],
  ];
  const figures = await ingest(t, lake, 'reasons.dat', datFile([line(VALID), ...rejects.map(([, raw]) => raw)]));

  const expected = rejects.map(([reason, raw_line]) => ({ reason, raw_line })).sort((a, b) => (a.raw_line < b.raw_line ? -1 : 1));
  t.deepEqual(await rejectRows(lake), expected);
  t.deepEqual(await goldRows(lake), [goldRow(VALID, 'reasons.dat')]);
  const byReason: Record<string, number> = {};
  for (const [reason] of rejects) byReason[reason] = (byReason[reason] ?? 0) + 1;
  t.deepEqual(figures.rejectsByReason, byReason);
  t.like(figures, { lines: rejects.length + 1, loaded: 1, duplicates: 0, rejected: rejects.length });
  await assertBalance(t, lake, figures, rejects.length + 1);
});

test('a line that breaks several rules gets the first reason in the contract order', async (t) => {
  const lake = await openTestLake(t);
  const bad = {
    transaction_ts: 'never',
    store_id: '0',
    product_id: '',
    quantity: '0',
    unit_price: '-1',
    discount: '-1',
    total_amount: 'x',
  };
  const cases: Array<[string, string]> = [
    ['malformed', line('', bad).split('|').slice(0, 11).join('|')],
    ['malformed', `${line('', bad)}|x|y`],
    ['missing_transaction_id', line('', bad)],
    ['invalid_transaction_ts', line('TXN-2', bad)],
    ['invalid_store_id', line('TXN-3', { ...bad, transaction_ts: '2026-03-01 10:00:00' })],
    ['missing_product_id', line('TXN-4', { ...bad, transaction_ts: '2026-03-01 10:00:00', store_id: '1' })],
    ['invalid_quantity', line('TXN-5', { ...bad, transaction_ts: '2026-03-01 10:00:00', store_id: '1', product_id: 'P' })],
    ['invalid_unit_price', line('TXN-6', { ...bad, transaction_ts: '2026-03-01 10:00:00', store_id: '1', product_id: 'P', quantity: '1' })],
    [
      'invalid_discount',
      line('TXN-7', { ...bad, transaction_ts: '2026-03-01 10:00:00', store_id: '1', product_id: 'P', quantity: '1', unit_price: '1' }),
    ],
  ];
  const figures = await ingest(t, lake, 'order.dat', datFile(cases.map(([, raw]) => raw)));
  t.deepEqual(
    await rejectRows(lake),
    cases.map(([reason, raw_line]) => ({ reason, raw_line })).sort((a, b) => (a.raw_line < b.raw_line ? -1 : 1)),
  );
  t.deepEqual(await goldRows(lake), []);
  t.deepEqual(figures.rejectsByReason, {
    malformed: 2,
    missing_transaction_id: 1,
    invalid_transaction_ts: 1,
    invalid_store_id: 1,
    missing_product_id: 1,
    invalid_quantity: 1,
    invalid_unit_price: 1,
    invalid_discount: 1,
  });
  await assertBalance(t, lake, figures, cases.length);
});

const NULL_TOKENS = ['', 'NULL', 'null', 'Null', 'N/A', 'n/a', '\\N', '\\n', ' NULL ', '\tN/A\t', ' \t\\N\t ', '   ', '\t'];

test('every null token in every optional field becomes its default', async (t) => {
  const lake = await openTestLake(t);
  const key = 'nulls.dat';
  const lines: string[] = [];
  const expected = [];
  for (const [i, token] of NULL_TOKENS.entries()) {
    const n = String(i).padStart(2, '0');
    lines.push(line(`TXN-C${n}`, { customer_id: token }));
    expected.push(goldRow(`TXN-C${n}`, key, { customer_id: null }));
    lines.push(line(`TXN-G${n}`, { product_category: token }));
    expected.push(goldRow(`TXN-G${n}`, key, { product_category: 'unknown' }));
    lines.push(line(`TXN-M${n}`, { payment_method: token }));
    expected.push(goldRow(`TXN-M${n}`, key, { payment_method: 'UNKNOWN' }));
    lines.push(line(`TXN-U${n}`, { currency: token }));
    expected.push(goldRow(`TXN-U${n}`, key, { currency: 'USD' }));
    // A null discount is 0.00; the given total is kept as it is.
    lines.push(line(`TXN-D${n}`, { discount: token }));
    expected.push(goldRow(`TXN-D${n}`, key, { discount: 0 }));
    // A null total is round(quantity * unit_price - discount, 2): 7 × 3.33 − 0.50 = 22.81.
    lines.push(line(`TXN-T${n}`, { quantity: '7', unit_price: '3.33', discount: '0.50', total_amount: token }));
    expected.push(goldRow(`TXN-T${n}`, key, { quantity: 7, unit_price: 3.33, discount: 0.5, total_amount: 22.81 }));
    // Both null: 7 × 3.33 − 0 = 23.31.
    lines.push(line(`TXN-B${n}`, { quantity: '7', unit_price: '3.33', discount: token, total_amount: token }));
    expected.push(goldRow(`TXN-B${n}`, key, { quantity: 7, unit_price: 3.33, discount: 0, total_amount: 23.31 }));
  }
  const figures = await ingest(t, lake, key, datFile(lines));
  t.deepEqual(await rejectRows(lake), []);
  t.deepEqual(await goldRows(lake), byId(expected));
  await assertBalance(t, lake, figures, lines.length);
});

test('derived total: a discount larger than the sale gives a negative total; a given total is never recomputed', async (t) => {
  const lake = await openTestLake(t);
  const key = 'totals.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { quantity: '1', unit_price: '5.00', discount: '7.25', total_amount: '' }),
      line('TXN-2', { quantity: '2', unit_price: '0', discount: '', total_amount: 'NULL' }),
      line('TXN-3', { total_amount: '100' }),
      line('TXN-4', { total_amount: '-3.5' }),
      line('TXN-5', { quantity: '12', unit_price: '0.07', discount: '0.01', total_amount: '' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { quantity: 1, unit_price: 5, discount: 7.25, total_amount: -2.25 }),
    goldRow('TXN-2', key, { quantity: 2, unit_price: 0, discount: 0, total_amount: 0 }),
    goldRow('TXN-3', key, { total_amount: 100 }),
    goldRow('TXN-4', key, { total_amount: -3.5 }),
    goldRow('TXN-5', key, { quantity: 12, unit_price: 0.07, discount: 0.01, total_amount: 0.83 }),
  ]);
  await assertBalance(t, lake, figures, 5);
});

test('every field is trimmed of spaces and tabs; category lower-cased, payment and currency upper-cased', async (t) => {
  const lake = await openTestLake(t);
  const key = 'padding.dat';
  const padded = [' \tTXN-P1\t ', ' 2026-03-01T08:09:10\t', '\t7 ', '  CUST-9  ', '\tSKU-9\t', ' Home & Garden\t', ' 2\t', '\t10.5 ', ' 0.5 ', '\t20.50\t', ' Credit_Card ', '\teur '];
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      padded.join('|'),
      line('TXN-P2', { product_category: 'ELECTRONICS', payment_method: 'Cash', currency: 'Gbp' }),
      line('TXN-P3', { product_category: 'Toys', payment_method: 'mobile', currency: 'EUR' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-P1', key, {
      transaction_ts: '2026-03-01 08:09:10',
      store_id: 7,
      customer_id: 'CUST-9',
      product_id: 'SKU-9',
      product_category: 'home & garden',
      quantity: 2,
      unit_price: 10.5,
      discount: 0.5,
      total_amount: 20.5,
      payment_method: 'CREDIT_CARD',
      currency: 'EUR',
    }),
    goldRow('TXN-P2', key, { product_category: 'electronics', payment_method: 'CASH', currency: 'GBP' }),
    goldRow('TXN-P3', key, { product_category: 'toys', payment_method: 'MOBILE', currency: 'EUR' }),
  ]);
  await assertBalance(t, lake, figures, 3);
});

test('both timestamp formats, real dates only (leap days included)', async (t) => {
  const lake = await openTestLake(t);
  const key = 'times.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { transaction_ts: '2026-03-01 00:00:00' }),
      line('TXN-2', { transaction_ts: '2026-03-01T23:59:59' }),
      line('TXN-3', { transaction_ts: '2028-02-29T12:00:00' }),
      line('TXN-4', { transaction_ts: '2026-12-31 23:59:59' }),
      line('TXN-5', { transaction_ts: '2026-02-29 12:00:00' }),
      line('TXN-6', { transaction_ts: '2026-04-31 12:00:00' }),
      line('TXN-7', { transaction_ts: '2026-03-01 24:00:00' }),
      line('TXN-8', { transaction_ts: '2026-13-01 10:00:00' }),
      line('TXN-9', { transaction_ts: '2026-03-01 10:00:00.5' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { transaction_ts: '2026-03-01 00:00:00' }),
    goldRow('TXN-2', key, { transaction_ts: '2026-03-01 23:59:59' }),
    goldRow('TXN-3', key, { transaction_ts: '2028-02-29 12:00:00' }),
    goldRow('TXN-4', key, { transaction_ts: '2026-12-31 23:59:59' }),
  ]);
  t.deepEqual(figures.rejectsByReason, { invalid_transaction_ts: 5 });
  await assertBalance(t, lake, figures, 9);
});

test('numbers: integers for store and quantity, at most two decimals for money', async (t) => {
  const lake = await openTestLake(t);
  const key = 'numbers.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('TXN-1', { store_id: '500', quantity: '1', unit_price: '0', discount: '0', total_amount: '0' }),
      line('TXN-2', { unit_price: '19.9', discount: '1', total_amount: '58.7' }),
      line('TXN-3', { unit_price: '1234567.89', quantity: '2', discount: '0.00', total_amount: '' }),
      line('TXN-4', { discount: '0.001' }),
      line('TXN-5', { total_amount: '58.975' }),
      line('TXN-6', { quantity: '1e2' }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { store_id: 500, quantity: 1, unit_price: 0, discount: 0, total_amount: 0 }),
    goldRow('TXN-2', key, { unit_price: 19.9, discount: 1, total_amount: 58.7 }),
    goldRow('TXN-3', key, { unit_price: 1234567.89, quantity: 2, discount: 0, total_amount: 2469135.78 }),
  ]);
  t.deepEqual(figures.rejectsByReason, { invalid_discount: 1, invalid_total_amount: 1, invalid_quantity: 1 });
  await assertBalance(t, lake, figures, 6);
});

test('CRLF file: CRs are stripped, the same gold as with LF', async (t) => {
  const lake = await openTestLake(t);
  const lines = [line('TXN-1'), line('TXN-2', { total_amount: '' }), line('TXN-3', { currency: 'NULL' }), line('TXN-4', { quantity: 'x' })];
  const crlf = await ingest(t, lake, 'crlf.dat', datFile(lines, { eol: '\r\n' }));
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', 'crlf.dat'),
    goldRow('TXN-2', 'crlf.dat'),
    goldRow('TXN-3', 'crlf.dat'),
  ]);
  t.deepEqual(await rejectRows(lake), [{ reason: 'invalid_quantity', raw_line: line('TXN-4', { quantity: 'x' }) }]);
  await assertBalance(t, lake, crlf, 4);
});

test('blank and whitespace-only lines are skipped and not counted; the header is skipped', async (t) => {
  const lake = await openTestLake(t);
  const text = `${HEADER}\n\n${line('TXN-1')}\n \n\t\n  \t \n\r\n${line('TXN-2')}\n\n\n`;
  const figures = await ingest(t, lake, 'blank.dat', text);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'blank.dat'), goldRow('TXN-2', 'blank.dat')]);
  t.deepEqual(await rejectRows(lake), []);
  t.like(figures, { lines: 2, loaded: 2, duplicates: 0, rejected: 0 });
  await assertBalance(t, lake, figures, 2);
});

test('a file without a header: its first line is data; a last line without LF is data', async (t) => {
  const lake = await openTestLake(t);
  const figures = await ingest(t, lake, 'noheader.dat', `${line('TXN-1')}\n${line('TXN-2')}`);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'noheader.dat'), goldRow('TXN-2', 'noheader.dat')]);
  await assertBalance(t, lake, figures, 2);
});

test('a line with invalid UTF-8 is malformed; the rest of the file is intact', async (t) => {
  const lake = await openTestLake(t);
  const bad = Buffer.concat([Buffer.from('TXN-BAD|2026-03-01 14:05:09|42|CUST-'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('|SKU-1|toys|1|1.00|0|1.00|cash|usd')]);
  const file = Buffer.concat([Buffer.from(`${HEADER}\n${line('TXN-1')}\n`), bad, Buffer.from(`\n${line('TXN-2', { product_category: 'Café' })}\n`)]);
  const figures = await ingest(t, lake, 'utf8.dat', file);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'utf8.dat'), goldRow('TXN-2', 'utf8.dat', { product_category: 'café' })]);
  const rejects = await rejectRows(lake);
  t.is(rejects.length, 1);
  t.is(rejects[0]?.reason, 'malformed');
  // Bad bytes are kept as U+FFFD, as Athena's reader decodes them.
  t.is(rejects[0]?.raw_line, 'TXN-BAD|2026-03-01 14:05:09|42|CUST-\ufffd\ufffd\ufffd|SKU-1|toys|1|1.00|0|1.00|cash|usd');
  t.deepEqual(figures.rejectsByReason, { malformed: 1 });
  await assertBalance(t, lake, figures, 3);
});

test('quotes are plain text: a field with " is loaded verbatim', async (t) => {
  const lake = await openTestLake(t);
  const key = 'quotes.dat';
  const figures = await ingest(
    t,
    lake,
    key,
    datFile([
      line('"TXN-Q1"', { customer_id: 'CUST-"7"' }),
      line('TXN-Q2', { product_id: 'SKU "big', product_category: '"toys"' }),
      line("TXN-Q3", { customer_id: "O'Brien" }),
    ]),
  );
  t.deepEqual(await goldRows(lake), [
    goldRow('"TXN-Q1"', key, { customer_id: 'CUST-"7"' }),
    goldRow('TXN-Q2', key, { product_id: 'SKU "big', product_category: '"toys"' }),
    goldRow('TXN-Q3', key, { customer_id: "O'Brien" }),
  ]);
  t.deepEqual(await rejectRows(lake), []);
  await assertBalance(t, lake, figures, 3);
});

test('silver keeps every data line typed with its reason, and the raw text of rejected lines only', async (t) => {
  const lake = await openTestLake(t);
  const key = 'silver.dat';
  const figures = await ingest(t, lake, key, datFile([line('TXN-1', { customer_id: 'null' }), line('TXN-2', { store_id: 'x' }), 'a|b']));
  const rows = await lake.lake.session.rows(
    'SELECT transaction_id, store_id, customer_id, total_amount, raw_line, reject_reason, source_file, batch_id FROM procureflow_db.raw_transactions ORDER BY raw_line NULLS FIRST',
  );
  t.deepEqual(rows, [
    // Revision 2: a valid line keeps no raw text in silver (bronze keeps every byte).
    { transaction_id: 'TXN-1', store_id: 42, customer_id: null, total_amount: 58.97, raw_line: null, reject_reason: null, source_file: `bronze/${key}`, batch_id: figures.batchId },
    { transaction_id: 'TXN-2', store_id: null, customer_id: 'CUST-0001', total_amount: 58.97, raw_line: line('TXN-2', { store_id: 'x' }), reject_reason: 'invalid_store_id', source_file: `bronze/${key}`, batch_id: figures.batchId },
    { transaction_id: null, store_id: null, customer_id: null, total_amount: null, raw_line: 'a|b', reject_reason: 'malformed', source_file: `bronze/${key}`, batch_id: figures.batchId },
  ]);
  await assertBalance(t, lake, figures, 3);
});

test('a lone CR ends a line, as LF and CR LF do (as Trino\'s text reader ends lines)', async (t) => {
  const lake = await openTestLake(t);
  const key = 'lone-cr.dat';
  // Old Mac line ends, a CR inside what an LF reader would call one line, CR CR LF and LF CR
  // (the empty lines between them are blank, so skipped).
  const text = `${HEADER}\r${line('TXN-1', { customer_id: 'CU' })}\rST|x\n${line('TXN-2')}\r\r\n${line('TXN-3')}\n\r${line('TXN-4')}\r`;
  const figures = await ingest(t, lake, key, text);
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-1', key, { customer_id: 'CU' }),
    goldRow('TXN-2', key),
    goldRow('TXN-3', key),
    goldRow('TXN-4', key),
  ]);
  t.deepEqual(await rejectRows(lake), [{ reason: 'malformed', raw_line: 'ST|x' }]);
  t.like(figures, { lines: 5, loaded: 4, duplicates: 0, rejected: 1 });
  await assertBalance(t, lake, figures, 5);
});

test('a stray CR in a CR LF file ends its line and loses no byte of the next one', async (t) => {
  const lake = await openTestLake(t);
  const key = 'crlf-stray-cr.dat';
  // DuckDB detects CR LF here; without an explicit new_line it would drop the byte after the CR.
  const lines = [line('TXN-1'), line('TXN-2'), line('TXN-3')];
  const text = `${HEADER}\r\n${lines[0]}\r${lines[1]}\r\n${lines[2]}\r\n`;
  const figures = await ingest(t, lake, key, text);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', key), goldRow('TXN-2', key), goldRow('TXN-3', key)]);
  t.deepEqual(await rejectRows(lake), []);
  await assertBalance(t, lake, figures, 3);
});

test('a number must fit decimal(12,2), given or derived: no overflow, an invalid_total_amount reject', async (t) => {
  const lake = await openTestLake(t);
  const key = 'wide.dat';
  const lines = [
    // 1 000 000 000 × 999 999 999.99 overflows DuckDB's DECIMAL(18) product; Trino types it DECIMAL(22,2).
    line('TXN-OVER', { quantity: '1000000000', unit_price: '999999999.99', total_amount: '' }),
    // The derived total just past the range, and at its edges.
    line('TXN-PAST', { quantity: '2', unit_price: '5000000000.00', discount: '0', total_amount: '' }),
    line('TXN-EDGE', { quantity: '1', unit_price: '9999999999.99', discount: '', total_amount: '' }),
    line('TXN-NEG', { quantity: '1', unit_price: '0', discount: '9999999999.99', total_amount: 'NULL' }),
    line('TXN-BIGQ', { quantity: '2147483647', unit_price: '0.01', discount: '0', total_amount: '' }),
    // Given numbers: at most 10 digits before the point.
    line('TXN-U11', { unit_price: '12345678901' }),
    line('TXN-D11', { discount: '10000000000.00' }),
    line('TXN-T11', { total_amount: '-10000000000' }),
    line('TXN-T10', { total_amount: '-9999999999.99' }),
    // An integer column is an int.
    line('TXN-Q32', { quantity: '2147483648' }),
  ];
  const figures = await ingest(t, lake, key, datFile(lines));
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-BIGQ', key, { quantity: 2147483647, unit_price: 0.01, discount: 0, total_amount: 21474836.47 }),
    goldRow('TXN-EDGE', key, { quantity: 1, unit_price: 9999999999.99, discount: 0, total_amount: 9999999999.99 }),
    goldRow('TXN-NEG', key, { quantity: 1, unit_price: 0, discount: 9999999999.99, total_amount: -9999999999.99 }),
    goldRow('TXN-T10', key, { total_amount: -9999999999.99 }),
  ]);
  const reasons = (await rejectRows(lake)).map((row) => [String(row.raw_line).split('|')[0], row.reason]);
  t.deepEqual(reasons.sort(), [
    ['TXN-D11', 'invalid_discount'],
    ['TXN-OVER', 'invalid_total_amount'],
    ['TXN-PAST', 'invalid_total_amount'],
    ['TXN-Q32', 'invalid_quantity'],
    ['TXN-T11', 'invalid_total_amount'],
    ['TXN-U11', 'invalid_unit_price'],
  ]);
  await assertBalance(t, lake, figures, lines.length);
});

test('a line that holds U+FFFD is malformed: the mark of bytes lost in an earlier decoding', async (t) => {
  const lake = await openTestLake(t);
  const marked = line('TXN-LOST', { customer_id: 'CUST-\ufffd' });
  const figures = await ingest(t, lake, 'marked.dat', datFile([line('TXN-1'), marked]));
  t.deepEqual(await goldRows(lake), [goldRow('TXN-1', 'marked.dat')]);
  t.deepEqual(await rejectRows(lake), [{ reason: 'malformed', raw_line: marked }]);
  await assertBalance(t, lake, figures, 2);
});
