// The `procureflow` command end to end, through bin/procureflow.js as `npx procureflow` runs it.
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import test from 'ava';
import { HEADER, procureflow as run, queryJson, scratch } from './helpers/cli-run.ts';
import { startS3rver } from './helpers/s3rver.ts';


const procureflow = (args: string[], env: Record<string, string> = {}) => run(args, { env });

test('ingest then query --format json: exact gold, rejects and revenue; a second ingest changes nothing', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  const day1 = path.join(dir, 'day 1.dat');
  const day2 = path.join(dir, "day'2.dat");
  await writeFile(
    day1,
    [
      HEADER,
      'TXN-1|2026-03-01 10:00:00|7|CUST-1|SKU-1| Electronics |2|10.00|1.00||card|usd',
      'TXN-2|2026-03-01T11:00:00|7||SKU-2|toys|1|5.50|NULL|5.50|CASH|',
      'TXN-2|2026-03-01 09:00:00|7||SKU-2|toys|1|5.50|0|5.50|cash|usd',
      'TXN-3|2026-02-30 10:00:00|7|CUST-1|SKU-1|toys|1|1.00|0|1.00|card|usd',
      'TXN-4|2026-03-01 10:00:00|7|CUST-1|SKU-1|toys|1',
      '',
    ].join('\n'),
  );
  await writeFile(day2, `${HEADER}\r\nTXN-1|2026-03-02 10:00:00|7|CUST-9|SKU-9|books|9|9.00|0|81.00|card|usd\r\nTXN-5|2026-03-02 12:00:00|8|CUST-2|SKU-3|N/A|3|2.00|0|6.00|mobile|eur\r\n`);

  const ingest = await procureflow(['ingest', day1, day2, '--lake', lake]);
  t.is(ingest.code, 0, ingest.stderr);
  t.regex(ingest.stdout, /day 1\.dat: committed: .*5 lines = 2 loaded \+ 1 duplicates \+ 2 rejected/);
  t.regex(ingest.stdout, /day'2\.dat: committed: .*2 lines = 1 loaded \+ 1 duplicates \+ 0 rejected/);

  const gold = await queryJson(
    'SELECT transaction_id, transaction_ts, product_category, quantity, unit_price, discount, total_amount, payment_method, currency, customer_id FROM procureflow_db.cleaned_transactions ORDER BY transaction_id',
    lake,
  );
  t.deepEqual(gold, [
    { transaction_id: 'TXN-1', transaction_ts: '2026-03-01 10:00:00', product_category: 'electronics', quantity: 2, unit_price: 10, discount: 1, total_amount: 19, payment_method: 'CARD', currency: 'USD', customer_id: 'CUST-1' },
    { transaction_id: 'TXN-2', transaction_ts: '2026-03-01 11:00:00', product_category: 'toys', quantity: 1, unit_price: 5.5, discount: 0, total_amount: 5.5, payment_method: 'CASH', currency: 'USD', customer_id: null },
    { transaction_id: 'TXN-5', transaction_ts: '2026-03-02 12:00:00', product_category: 'unknown', quantity: 3, unit_price: 2, discount: 0, total_amount: 6, payment_method: 'MOBILE', currency: 'EUR', customer_id: 'CUST-2' },
  ]);
  const rejects = await queryJson('SELECT reason, count(*) AS n FROM procureflow_db.rejected_transactions GROUP BY reason ORDER BY reason', lake);
  t.deepEqual(rejects, [
    { reason: 'invalid_transaction_ts', n: 1 },
    { reason: 'malformed', n: 1 },
  ]);
  const revenue = await queryJson(
    'SELECT product_category, sum(total_amount) AS revenue FROM procureflow_db.cleaned_transactions GROUP BY 1 ORDER BY revenue DESC',
    lake,
  );
  t.deepEqual(revenue, [
    { product_category: 'electronics', revenue: 19 },
    { product_category: 'unknown', revenue: 6 },
    { product_category: 'toys', revenue: 5.5 },
  ]);

  const again = await procureflow(['ingest', day1, day2, '--lake', lake]);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /day 1\.dat: already committed, skipped/);
  const counts = 'SELECT (SELECT count(*) FROM procureflow_db.raw_transactions) AS silver, (SELECT count(*) FROM procureflow_db.cleaned_transactions) AS gold, (SELECT count(*) FROM procureflow_db.rejected_transactions) AS rejects';
  t.deepEqual(await queryJson(counts, lake), [{ silver: 7, gold: 3, rejects: 2 }]);
});

test('PROCUREFLOW_LAKE chooses the lake; query prints csv and an aligned table', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'env-lake');
  const file = path.join(dir, 'one.dat');
  await writeFile(file, `${HEADER}\nTXN-9|2026-03-01 10:00:00|1|C|S|x|1|1.00|0|1.00|card|usd\n`);
  t.is((await procureflow(['ingest', file], { PROCUREFLOW_LAKE: lake })).code, 0);
  const csv = await procureflow(['query', 'SELECT transaction_id, total_amount FROM procureflow_db.cleaned_transactions', '--format', 'csv'], { PROCUREFLOW_LAKE: lake });
  t.is(csv.stdout, 'transaction_id,total_amount\nTXN-9,1.00\n');
  const table = await procureflow(['query', 'SELECT transaction_id FROM procureflow_db.cleaned_transactions', '--lake', lake]);
  t.is(table.stdout, 'transaction_id\n--------------\nTXN-9\n(1 row)\n');
});

test('ingest exits non-zero naming the file and the cause, and still processes the others', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  const good = path.join(dir, 'good.dat');
  await writeFile(good, `${HEADER}\nTXN-1|2026-03-01 10:00:00|1|C|S|x|1|1.00|0|1.00|card|usd\n`);
  const missing = path.join(dir, 'missing.dat');
  const run = await procureflow(['ingest', missing, good, '--lake', lake]);
  t.is(run.code, 1);
  t.regex(run.stderr, /missing\.dat.*no such file/);
  t.deepEqual(await queryJson('SELECT count(*) AS n FROM procureflow_db.cleaned_transactions', lake), [{ n: 1 }]);
});

test('generate writes the requested files deterministically; demo prints the report with balanced batches', async (t) => {
  const dir = await scratch(t);
  const generate = await procureflow(['generate', '--size', '2MB', '--files', '2', '--seed', '3', '--out', path.join(dir, 'gen')]);
  t.is(generate.code, 0, generate.stderr);
  t.deepEqual((await readdir(path.join(dir, 'gen'))).sort(), ['transactions-0001.dat', 'transactions-0002.dat']);

  const demo = await procureflow(['demo', '--size', '4MB', '--files', '2', '--lake', path.join(dir, 'demo-lake')]);
  t.is(demo.code, 0, demo.stderr);
  // The generated input is gone once landed: bronze holds the only copy.
  t.deepEqual((await readdir(path.join(dir, 'demo-lake', '_work'))).filter((name) => name.startsWith('demo-input')), []);
  t.deepEqual((await readdir(path.join(dir, 'demo-lake', 'bronze', 'demo'))).sort(), ['retail-0001.dat', 'retail-0002.dat']);
  t.regex(demo.stdout, /^ingested: 2 new batches, 0 already committed; /m);
  for (const section of ['Batches (lines = loaded + duplicates + rejected)', 'Rejects by reason', 'Sizes', 'Revenue by category']) {
    t.true(demo.stdout.includes(section), section);
  }
  t.regex(demo.stdout, /retail-0001\.dat +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+ +ok/);
  t.notRegex(demo.stdout, /BROKEN/);
  t.regex(demo.stdout, /│█+/);
});

test('seed lands generated objects on an S3 endpoint; the same command again skips them', async (t) => {
  const s3 = await startS3rver(['bronze']);
  t.teardown(() => s3.close());
  const args = ['seed', '--bucket', 'bronze', '--prefix', 'landing/', '--size', '1MB', '--batch-size', '256KB', '--endpoint', s3.endpoint];
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const first = await procureflow(args, env);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /seeded s3:\/\/bronze\/landing\/: 4 objects, .*\(4 uploaded, 0 already landed\)/);
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'bronze', Prefix: 'landing/' }));
  t.deepEqual(
    (listed.Contents ?? []).map((object) => object.Key).sort(),
    ['landing/_manifest.json', 'landing/transactions-00001.dat', 'landing/transactions-00002.dat', 'landing/transactions-00003.dat', 'landing/transactions-00004.dat'],
  );
  const again = await procureflow(args, env);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /\(0 uploaded, 4 already landed\)/);
});
