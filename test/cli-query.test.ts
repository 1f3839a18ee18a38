// `procureflow query`, `tables` and `describe` as an analyst runs them: through bin/procureflow.js,
// against a real lake made by `procureflow ingest`.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { HEADER, procureflow as run, scratch as scratchDir } from './helpers/cli-run.ts';

const ANALYTICS = fileURLToPath(new URL('../sql/analytics/revenue_by_category.sql', import.meta.url));


/** Runs the CLI; `stdin` is written to its standard input (a pipe, as `… | procureflow query` gives). */
const procureflow = (args: string[], stdin = '') => run(args, { stdin });
const scratch = (t: ExecutionContext) => scratchDir(t, 'procureflow-query-');

/** A lake with three gold rows (one with a 0.00 discount) and one reject, made by `ingest`. */
async function smallLake(t: ExecutionContext): Promise<{ dir: string; lake: string }> {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  const file = path.join(dir, 'day1.dat');
  await writeFile(
    file,
    [
      HEADER,
      'TXN-1|2026-03-01 10:00:00|7|CUST-1|SKU-1|electronics|2|10.00|1.00|19.00|card|usd',
      'TXN-2|2026-03-01 11:00:00|7|CUST-2|SKU-2|toys|1|5.50|0.00|5.50|cash|usd',
      'TXN-3|2026-03-01 12:00:00|8|CUST-3|SKU-3|toys|3|2.00||6.00|card|eur',
      'TXN-4|2026-03-01 10:00:00|7|CUST-1|SKU-1|toys|1',
      '',
    ].join('\n'),
  );
  const ingest = await procureflow(['ingest', file, '--lake', lake]);
  if (ingest.code !== 0) throw new Error(`ingest failed: ${ingest.stderr}`);
  return { dir, lake };
}

test('query --file runs an analytics file that starts with its comment; the same text works as the argument, with -, and piped', async (t) => {
  const { lake } = await smallLake(t);
  const expected = 'product_category,transactions,units,revenue\nelectronics,1,2,19.00\ntoys,2,4,11.50\n';
  const viaFile = await procureflow(['query', '--file', ANALYTICS, '--lake', lake, '--format', 'csv']);
  t.is(viaFile.code, 0, viaFile.stderr);
  t.is(viaFile.stdout, expected);

  const { readFile } = await import('node:fs/promises');
  const text = await readFile(ANALYTICS, 'utf8');
  t.true(text.startsWith('--'), 'the analytics file starts with its comment');
  const asArgument = await procureflow(['query', text, '--lake', lake, '--format', 'csv']);
  t.is(asArgument.code, 0, asArgument.stderr);
  t.is(asArgument.stdout, expected);

  const dash = await procureflow(['query', '-', '--lake', lake, '--format', 'csv'], text);
  t.is(dash.stdout, expected, dash.stderr);
  const piped = await procureflow(['query', '--lake', lake, '--format', 'csv'], text);
  t.is(piped.stdout, expected, piped.stderr);
  const fileDash = await procureflow(['query', '--file', '-', '--lake', lake, '--format', 'csv'], text);
  t.is(fileDash.stdout, expected, fileDash.stderr);
});

test('query refuses a mistyped flag, SQL given twice, a missing --file and empty SQL, each with a message', async (t) => {
  const { lake } = await smallLake(t);
  const typo = await procureflow(['query', '--fromat', '--lake', lake]);
  t.is(typo.code, 1);
  t.regex(typo.stderr, /unknown option '--fromat'/);
  const twice = await procureflow(['query', 'SELECT 1', '--file', ANALYTICS, '--lake', lake]);
  t.is(twice.code, 1);
  t.regex(twice.stderr, /either as the argument or with --file/);
  const missing = await procureflow(['query', '--file', path.join(lake, 'nope.sql'), '--lake', lake]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.sql: no such file/);
  const empty = await procureflow(['query', '--lake', lake], '  \n');
  t.is(empty.code, 1);
  t.regex(empty.stderr, /no SQL in stdin/);
});

test('commander refuses a format not among the choices, a negative --limit and --limit with --all, naming the option', async (t) => {
  const { lake } = await smallLake(t);
  const format = await procureflow(['query', 'SELECT 1', '--lake', lake, '--format', 'xml']);
  t.is(format.code, 1);
  t.regex(format.stderr, /option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, json, csv\./);
  const negative = await procureflow(['query', 'SELECT 1', '--lake', lake, '--limit', '-1']);
  t.is(negative.code, 1);
  t.regex(negative.stderr, /option '--limit <n>' argument '-1' is invalid\. Expected at least 0\./);
  const both = await procureflow(['query', 'SELECT 1', '--lake', lake, '--limit', '2', '--all']);
  t.is(both.code, 1);
  t.regex(both.stderr, /option '--all' cannot be used with option '--limit <n>'/);
  t.is(format.stdout + negative.stdout + both.stdout, '');
});

test('PROCUREFLOW_LAKE and PROCUREFLOW_MEMORY_LIMIT are read by the options; a flag wins; a refusal names where the lake came from', async (t) => {
  const { dir, lake } = await smallLake(t);
  const viaEnv = await run(['query', 'SELECT current_setting(\'memory_limit\') AS m, count(*) AS n FROM cleaned_transactions', '--format', 'csv'], {
    env: { PROCUREFLOW_LAKE: lake, PROCUREFLOW_MEMORY_LIMIT: '300MB' },
  });
  t.is(viaEnv.code, 0, viaEnv.stderr);
  // DuckDB reports its limit in its own units (300 MB = 286.1 MiB).
  t.regex(viaEnv.stdout, /^m,n\n286\.1 MiB,3\n$/);
  const flagWins = await run(['query', 'SELECT current_setting(\'memory_limit\') AS m', '--format', 'csv', '--lake', lake, '--memory-limit', '200MB'], {
    env: { PROCUREFLOW_LAKE: path.join(dir, 'elsewhere'), PROCUREFLOW_MEMORY_LIMIT: '300MB' },
  });
  t.is(flagWins.code, 0, flagWins.stderr);
  t.is(flagWins.stdout, 'm\n190.7 MiB\n');
  const wrong = path.join(dir, 'not-a-lake');
  const refused = await run(['tables'], { env: { PROCUREFLOW_LAKE: wrong } });
  t.is(refused.code, 1);
  t.true(refused.stderr.includes(`${wrong} (from PROCUREFLOW_LAKE) is not a ProcureFlow lake`), refused.stderr);
});

test('batches and drop name where the lake came from; a PROCUREFLOW_LAKE in the environment does not conflict with a stack flag, --lake does', async (t) => {
  const dir = await scratch(t);
  const wrong = path.join(dir, 'not-a-lake');
  const viaEnv = await run(['batches'], { env: { PROCUREFLOW_LAKE: wrong } });
  t.is(viaEnv.code, 1);
  t.true(viaEnv.stderr.includes(`${wrong} (from PROCUREFLOW_LAKE) is not a ProcureFlow lake`), viaEnv.stderr);
  const viaFlag = await run(['drop', 'b_1', '--lake', wrong]);
  t.is(viaFlag.code, 1);
  t.true(viaFlag.stderr.includes(`${wrong} (from --lake) is not a ProcureFlow lake`), viaFlag.stderr);
  // The stack is incomplete on purpose: it fails on the missing output before any AWS call.
  const envAndStack = await run(['batches', '--bronze-bucket', 'pf-bronze'], { env: { PROCUREFLOW_LAKE: wrong } });
  t.is(envAndStack.code, 1);
  t.regex(envAndStack.stderr, /no silverBucket in the stack outputs and no flag for it/);
  const flagAndStack = await run(['batches', '--bronze-bucket', 'pf-bronze', '--lake', wrong]);
  t.is(flagAndStack.code, 1);
  t.regex(flagAndStack.stderr, /give either --lake or a stack/);
});

test('--version prints the version of package.json', async (t) => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const printed = await procureflow(['--version']);
  t.is(printed.code, 0);
  t.is(printed.stdout, `${version}\n`);
});

test('csv and json keep the decimal scale of DECIMAL(12,2) columns: 0.00 stays 0.00', async (t) => {
  const { lake } = await smallLake(t);
  const sql = 'SELECT transaction_id, discount, total_amount FROM procureflow_db.cleaned_transactions ORDER BY transaction_id';
  const csv = await procureflow(['query', sql, '--lake', lake, '--format', 'csv']);
  t.is(csv.stdout, 'transaction_id,discount,total_amount\nTXN-1,1.00,19.00\nTXN-2,0.00,5.50\nTXN-3,0.00,6.00\n');
  const json = await procureflow(['query', sql, '--lake', lake, '--format', 'json']);
  t.is(
    json.stdout,
    '[{"transaction_id":"TXN-1","discount":1.00,"total_amount":19.00},\n{"transaction_id":"TXN-2","discount":0.00,"total_amount":5.50},\n{"transaction_id":"TXN-3","discount":0.00,"total_amount":6.00}]\n',
  );
  t.deepEqual(JSON.parse(json.stdout), [
    { transaction_id: 'TXN-1', discount: 1, total_amount: 19 },
    { transaction_id: 'TXN-2', discount: 0, total_amount: 5.5 },
    { transaction_id: 'TXN-3', discount: 0, total_amount: 6 },
  ]);
  const empty = await procureflow(['query', 'SELECT 1 AS n WHERE false', '--lake', lake, '--format', 'json']);
  t.is(empty.stdout, '[]\n');
});

test('table mode shows 100 rows and counts the rest; --limit and --all change the cap; csv prints every row', async (t) => {
  const { lake } = await smallLake(t);
  const sql = 'SELECT i AS n FROM range(5000) t(i) ORDER BY i';
  const table = await procureflow(['query', sql, '--lake', lake]);
  t.is(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  t.is(lines.length, 2 + 100 + 1);
  t.is(lines[2]?.trim(), '0');
  t.is(lines[101]?.trim(), '99');
  t.is(lines.at(-1), '… 4,900 more rows (5,000 rows in all; --limit N or --all to see more)');

  const limited = await procureflow(['query', sql, '--lake', lake, '--limit', '3']);
  t.is(limited.stdout, 'n\n-\n0\n1\n2\n… 4,997 more rows (5,000 rows in all; --limit N or --all to see more)\n');

  const all = await procureflow(['query', sql, '--lake', lake, '--all']);
  const allLines = all.stdout.trimEnd().split('\n');
  t.is(allLines.length, 2 + 5000 + 1);
  t.is(allLines.at(-2), '4,999');
  t.is(allLines.at(-1), '(5,000 rows)');

  const csv = await procureflow(['query', sql, '--lake', lake, '--format', 'csv']);
  t.is(csv.stdout.split('\n').length, 1 + 5000 + 1);
  const csvLimited = await procureflow(['query', sql, '--lake', lake, '--format', 'csv', '--limit', '2']);
  t.is(csvLimited.stdout, 'n\n0\n1\n');

  // Past 100 000 rows beyond the cap a table stops counting, so memory stays bounded.
  const huge = await procureflow(['query', 'SELECT i AS n FROM range(300000) t(i)', '--lake', lake, '--limit', '1']);
  t.regex(huge.stdout, /\n… more than 100,000 more rows \(--limit N or --all to see more\)\n$/);
});

test('SHOW TABLES and DESCRIBE work in query; tables and describe list the lake', async (t) => {
  const { lake } = await smallLake(t);
  const show = await procureflow(['query', 'SHOW TABLES', '--lake', lake, '--format', 'csv']);
  t.is(show.stdout, 'name\nbatches\ncleaned_transactions\nraw_transactions\nrejected_transactions\n');
  const describe = await procureflow(['query', 'DESCRIBE rejected_transactions', '--lake', lake, '--format', 'csv']);
  t.is(
    describe.stdout.split('\n').map((line) => line.split(',').slice(0, 2).join(',')).join('\n'),
    'column_name,column_type\nraw_line,VARCHAR\nreason,VARCHAR\nsource_file,VARCHAR\nbatch_id,VARCHAR\n',
  );
  const unqualified = await procureflow(['query', 'SELECT count(*) AS n FROM cleaned_transactions', '--lake', lake, '--format', 'csv']);
  t.is(unqualified.stdout, 'n\n3\n');

  const tables = await procureflow(['tables', '--lake', lake]);
  t.is(tables.code, 0, tables.stderr);
  t.regex(tables.stdout, /procureflow_db\.cleaned_transactions +gold +3 +15 +valid lines/);
  t.regex(tables.stdout, /procureflow_db\.raw_transactions +silver +4 +16 +every data line/);
  t.regex(tables.stdout, /procureflow_db\.rejected_transactions +gold +1 +4 +broken lines/);
  t.regex(tables.stdout, /procureflow_db\.batches +catalog +1 +\d+ +one row per committed batch/);

  const columns = await procureflow(['describe', 'procureflow_db.cleaned_transactions', '--lake', lake]);
  t.is(columns.code, 0, columns.stderr);
  t.regex(columns.stdout, /^procureflow_db\.cleaned_transactions\n/);
  t.regex(columns.stdout, /\ndiscount +DECIMAL\(12,2\)\n/);
  t.regex(columns.stdout, /\ntransaction_date +DATE\n/);
  t.regex(columns.stdout, /\(15 rows\)\n$/);
  const unknown = await procureflow(['describe', 'cleaned', '--lake', lake]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no table "cleaned" in procureflow_db; its tables: batches, cleaned_transactions, raw_transactions, rejected_transactions/);
});

test('query, tables and describe refuse a folder that is not a lake, and create nothing there', async (t) => {
  const dir = await scratch(t);
  const missing = path.join(dir, 'typo-lake');
  const empty = path.join(dir, 'empty');
  await mkdir(empty);
  for (const args of [['query', 'SELECT 1'], ['tables'], ['describe', 'cleaned_transactions']]) {
    for (const lake of [missing, empty]) {
      const run = await procureflow([...args, '--lake', lake]);
      t.is(run.code, 1, `${args[0]} ${lake}`);
      t.is(run.stdout, '');
      t.true(run.stderr.includes(`${lake} (from --lake) is not a ProcureFlow lake`), run.stderr);
    }
  }
  t.deepEqual((await readdir(dir)).sort(), ['empty']);
  t.deepEqual(await readdir(empty), []);
});

test('query reports bad SQL on stderr with a non-zero exit and nothing on stdout', async (t) => {
  const { lake } = await smallLake(t);
  const run = await procureflow(['query', 'SELECT * FROM procureflow_db.no_such_table', '--lake', lake, '--format', 'json']);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.regex(run.stderr, /no_such_table/);
});
