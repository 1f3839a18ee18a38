// The fake Athena refuses what Athena refuses, with the real error names and message shapes.
// Each test names the rule (letters as in docs/aws-behaviour.md) and shows the refusal.
import { GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { FakeAws } from './fakes/fake-aws.ts';
import { runQuery } from './fakes/run-query.ts';

const TEXT_TABLE = {
  TableType: 'EXTERNAL_TABLE',
  Parameters: { EXTERNAL: 'TRUE' },
  StorageDescriptor: {
    Columns: [{ Name: 'line', Type: 'string' }],
    InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe', Parameters: { 'serialization.last.column.takes.rest': 'true' } },
  },
};

function setup(options: ConstructorParameters<typeof FakeAws>[0] = {}) {
  const aws = new FakeAws({ buckets: ['lake', 'landing'], databases: ['db'], ...options });
  const { athena, glue } = aws.clients();
  return { aws, athena, glue };
}

/** A symlink text table `name` whose one manifest lists `targets`. */
function symlinkTable(aws: FakeAws, name: string, targets: string[], manifestName = 'manifest') {
  aws.state.putObject('lake', `_work/landed/${name}/${manifestName}`, targets.map((target) => `${target}\n`).join(''));
  aws.glue.createTable({ DatabaseName: 'db', TableInput: { Name: name, ...TEXT_TABLE, StorageDescriptor: { ...TEXT_TABLE.StorageDescriptor, Location: `s3://lake/_work/landed/${name}/` } } });
}

test('poll states go QUEUED → RUNNING → SUCCEEDED; results page with the header row first', async (t) => {
  const { aws, athena } = setup();
  const out = await runQuery(athena, 'SELECT x, x * 2 AS y FROM (VALUES (1), (2), (3)) AS v (x) ORDER BY x');
  t.deepEqual(out.states, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
  t.deepEqual(out.rows, [['x', 'y'], ['1', '2'], ['2', '4'], ['3', '6']]);
  await aws.close();
});

test('(a) a CTAS naming external_location fails in a workgroup that enforces its configuration', async (t) => {
  const { aws, athena } = setup({ workGroups: [{ name: 'analysts', enforceConfiguration: true }, { name: 'pipeline', enforceConfiguration: false }] });
  const ctas = (table: string) => `CREATE TABLE db.${table} WITH (format = 'PARQUET', external_location = 's3://lake/${table}/') AS SELECT 1 AS x`;
  const refused = await runQuery(athena, ctas('t1'), { workGroup: 'analysts' });
  t.is(refused.state, 'FAILED');
  t.regex(refused.reason ?? '', /external_location is not allowed: workgroup analysts enforces/);
  t.is(refused.errorCategory, 2);
  t.deepEqual(aws.state.listKeys('lake', 't1/'), []);
  const allowed = await runQuery(athena, ctas('t2'), { workGroup: 'pipeline' });
  t.is(allowed.state, 'SUCCEEDED');
  t.is(allowed.updateCount, 1);
  await aws.close();
});

test('(b) a CTAS into a non-empty location fails with HIVE_PATH_ALREADY_EXISTS', async (t) => {
  const { aws, athena } = setup();
  aws.state.putObject('lake', 'out/leftover.parquet', 'x');
  const out = await runQuery(athena, "CREATE TABLE db.t WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://lake/out/') AS SELECT 1 AS x");
  t.is(out.state, 'FAILED');
  t.is(out.reason, "HIVE_PATH_ALREADY_EXISTS: Target directory for table 'db.t' already exists: s3://lake/out/");
  t.is(aws.state.table('db', 't'), undefined);
  await aws.close();
});

test('a CTAS into a bucket that does not exist fails with HIVE_FILESYSTEM_ERROR', async (t) => {
  const { aws, athena } = setup();
  const out = await runQuery(athena, "CREATE TABLE db.t WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://no-such-bucket/out/') AS SELECT 1 AS x");
  t.is(out.state, 'FAILED');
  t.is(out.reason, 'HIVE_FILESYSTEM_ERROR: Failed checking path: s3://no-such-bucket/out/');
  t.is(aws.state.table('db', 't'), undefined);
  await aws.close();
});

test('GetQueryResults refuses a MaxResults outside 1..1000', async (t) => {
  const { aws, athena } = setup();
  const out = await runQuery(athena, 'SELECT 1 AS x');
  for (const MaxResults of [0, 1001]) {
    const error = await t.throwsAsync(athena.send(new GetQueryResultsCommand({ QueryExecutionId: out.id, MaxResults })));
    t.is(error?.name, 'InvalidRequestException');
  }
  const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: out.id, MaxResults: 1000 }));
  t.is(page.ResultSet?.Rows?.length, 2);
  await aws.close();
});

test('a CTAS writes Snappy Parquet under its location, registers the table and answers UpdateCount', async (t) => {
  const { aws, athena } = setup();
  const out = await runQuery(athena, "CREATE TABLE db.t WITH (format = 'PARQUET', write_compression = 'SNAPPY', external_location = 's3://lake/out/') AS SELECT x, 'v' || CAST(x AS VARCHAR) AS s FROM (VALUES (1), (2)) AS v (x)");
  t.is(out.updateCount, 2);
  t.deepEqual(out.rows, []);
  const keys = aws.state.listKeys('lake', 'out/');
  t.is(keys.length, 1);
  t.is(aws.state.getObject('lake', keys[0] as string)?.body.subarray(0, 4).toString(), 'PAR1');
  t.deepEqual(aws.state.table('db', 't')?.StorageDescriptor.Columns, [{ Name: 'x', Type: 'int' }, { Name: 's', Type: 'string' }]);
  const read = await runQuery(athena, 'SELECT s FROM t ORDER BY s');
  t.deepEqual(read.rows, [['s'], ['v1'], ['v2']]);
  await aws.close();
});

test('(c) a CTAS writing more than 100 partitions fails with HIVE_TOO_MANY_OPEN_PARTITIONS; 100 pass', async (t) => {
  const { aws, athena } = setup();
  const ctas = (n: number, dir: string) =>
    `CREATE TABLE db.p${n} WITH (format = 'PARQUET', external_location = 's3://lake/${dir}/', partitioned_by = ARRAY['k']) AS SELECT x, CAST(x AS VARCHAR) AS k FROM UNNEST(sequence(1, ${n})) AS u (x)`;
  const refused = await runQuery(athena, ctas(101, 'p101'));
  t.is(refused.reason, 'HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets');
  t.deepEqual(aws.state.listKeys('lake', 'p101/'), []);
  const allowed = await runQuery(athena, ctas(100, 'p100'));
  t.is(allowed.updateCount, 100);
  t.is(aws.state.listKeys('lake', 'p100/').length, 100);
  await aws.close();
});

test('(d) StartQueryExecution past the active DML quota is refused with TooManyRequestsException', async (t) => {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const { aws, athena } = setup({ settings: { activeDmlQuota: 2, beforeRun: () => held } });
  const start = (n: number) => athena.send(new StartQueryExecutionCommand({ QueryString: `SELECT ${n}`, ClientRequestToken: `token-${String(n).padStart(30, '0')}`, WorkGroup: 'primary' }));
  await start(1);
  await start(2);
  const error = await t.throwsAsync(start(3));
  t.is(error?.name, 'TooManyRequestsException');
  t.regex(error?.message ?? '', /exceeded the limit for the number of queries you can run concurrently/);
  release();
  await Promise.all([...aws.state.executions.values()].map((execution) => execution.done));
  t.truthy((await start(3)).QueryExecutionId, 'a slot is free once the running queries end');
  await aws.close();
});

test('(e) ClientRequestToken must be 32–128 characters; the same token returns the same query, a changed statement is refused', async (t) => {
  const { aws, athena } = setup();
  const send = (token: string, sql = 'SELECT 1') => athena.send(new StartQueryExecutionCommand({ QueryString: sql, ClientRequestToken: token, WorkGroup: 'primary' }));
  for (const token of ['x'.repeat(31), 'x'.repeat(129)]) {
    const error = await t.throwsAsync(send(token));
    t.is(error?.name, 'InvalidRequestException');
    t.regex(error?.message ?? '', /clientRequestToken.*length between 32 and 128/);
  }
  const token = 'pf-'.padEnd(32, '0');
  const first = await send(token);
  const again = await send(token);
  t.is(again.QueryExecutionId, first.QueryExecutionId);
  t.is(aws.state.executions.size, 1);
  const changed = await t.throwsAsync(send(token, 'SELECT 2'));
  t.is(changed?.name, 'InvalidRequestException');
  t.truthy((await send('x'.repeat(128))).QueryExecutionId);
  await aws.close();
});

test('Trino grammar: a statement that does not parse is refused by StartQueryExecution as Athena does', async (t) => {
  const { aws, athena } = setup();
  const error = await t.throwsAsync(athena.send(new StartQueryExecutionCommand({ QueryString: 'SELEC 1', ClientRequestToken: 'y'.repeat(32), WorkGroup: 'primary' })));
  t.is(error?.name, 'InvalidRequestException');
  t.regex(error?.message ?? '', /^line 1:1: /);
  t.is(aws.state.executions.size, 0);
  await aws.close();
});

test('a function Trino does not have fails the query with FUNCTION_NOT_FOUND, even when DuckDB has it', async (t) => {
  const { aws, athena } = setup();
  const out = await runQuery(athena, "SELECT regexp_matches('a', 'a') AS m");
  t.is(out.reason, "FUNCTION_NOT_FOUND: line 1:8: Function 'regexp_matches' not registered");
  await aws.close();
});

test('(f) hidden names: a hidden manifest is ignored, a hidden symlink target fails the query, a hidden location folder does not count', async (t) => {
  const { aws, athena } = setup();
  aws.state.putObject('landing', 'in/a.dat', 'one\ntwo\n');
  aws.state.putObject('landing', 'in/_export.dat', 'hidden\n');
  // The table location itself is under `_work/` and its manifest is read: parents never count.
  symlinkTable(aws, 'visible', ['s3://landing/in/a.dat']);
  aws.state.putObject('lake', '_work/landed/visible/_ignored_manifest', 's3://landing/in/_export.dat\n');
  const read = await runQuery(athena, 'SELECT line FROM visible ORDER BY line');
  t.deepEqual(read.rows, [['line'], ['one'], ['two']]);
  symlinkTable(aws, 'hidden_target', ['s3://landing/in/_export.dat']);
  const refused = await runQuery(athena, 'SELECT count(*) FROM hidden_target');
  t.is(refused.reason, 'HIVE_UNKNOWN_ERROR: Input Pattern s3://landing/in/_export.dat matches 0 files');
  // A Parquet location lists its direct children only, skipping `_` and `.` names.
  await runQuery(athena, "CREATE TABLE db.pq WITH (format = 'PARQUET', external_location = 's3://lake/pq/') AS SELECT 1 AS x");
  const [written] = aws.state.listKeys('lake', 'pq/');
  const bytes = aws.state.getObject('lake', written as string)?.body as Buffer;
  aws.state.putObject('lake', 'pq/_copy.parquet', bytes);
  aws.state.putObject('lake', 'pq/.copy.parquet', bytes);
  aws.state.putObject('lake', 'pq/sub/copy.parquet', bytes);
  t.deepEqual((await runQuery(athena, 'SELECT count(*) AS n FROM pq')).rows, [['n'], ['1']]);
  await aws.close();
});

test('(g) the codec follows the file extension case-sensitively: .gz is decompressed, .GZ is read as text', async (t) => {
  const { aws, athena } = setup();
  const gz = gzipSync(Buffer.from('a|b\nc|d\n'));
  aws.state.putObject('landing', 'in/x.dat.gz', gz);
  aws.state.putObject('landing', 'in/y.dat.GZ', gz);
  symlinkTable(aws, 'lower', ['s3://landing/in/x.dat.gz']);
  symlinkTable(aws, 'upper', ['s3://landing/in/y.dat.GZ']);
  t.deepEqual((await runQuery(athena, 'SELECT line FROM lower ORDER BY line')).rows, [['line'], ['a|b'], ['c|d']]);
  const garbage = await runQuery(athena, "SELECT count(*) AS n, count_if(line = 'a|b') AS clean FROM upper");
  t.is(garbage.rows[1]?.[1], '0', 'no clean line comes out of the compressed bytes');
  t.not(garbage.rows[1]?.[0], '0');
  await aws.close();
});

test('(h) lines end at LF, CR LF and a lone CR; a BOM is skipped; a last line without terminator counts', async (t) => {
  const { aws, athena } = setup();
  aws.state.putObject('landing', 'in/e.dat', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nb\r\nc\rd')]));
  symlinkTable(aws, 'endings', ['s3://landing/in/e.dat']);
  t.deepEqual((await runQuery(athena, 'SELECT line FROM endings')).rows, [['line'], ['a'], ['b'], ['c'], ['d']]);
  await aws.close();
});

test('(i) a line over the text reader limit fails the whole query with TextLineLengthLimitExceededException', async (t) => {
  const { aws, athena } = setup({ settings: { maxTextLineBytes: 16 } });
  aws.state.putObject('landing', 'in/long.dat', `short\n${'x'.repeat(17)}\nafter\n`);
  symlinkTable(aws, 'long_lines', ['s3://landing/in/long.dat']);
  const out = await runQuery(athena, 'SELECT count(*) FROM long_lines');
  t.is(out.state, 'FAILED');
  t.regex(out.reason ?? '', /^TextLineLengthLimitExceededException: Too many bytes before newline: 17/);
  await aws.close();
});

test('(j) invalid UTF-8 stays raw: strpos(line, chr(65533)) misses it, from_utf8(to_utf8(line)) <> line finds it', async (t) => {
  const { aws, athena } = setup();
  aws.state.putObject('landing', 'in/bytes.dat', Buffer.concat([Buffer.from('ok|é\n'), Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a]), Buffer.from('real \uFFFD\n')]));
  symlinkTable(aws, 'bytes', ['s3://landing/in/bytes.dat']);
  const out = await runQuery(
    athena,
    'SELECT strpos(line, chr(65533)) > 0 AS has_fffd, from_utf8(to_utf8(line)) <> line AS invalid FROM bytes ORDER BY strpos(line, \'ok\') DESC, strpos(line, \'bad\') DESC',
  );
  t.deepEqual(out.rows, [['has_fffd', 'invalid'], ['false', 'false'], ['false', 'true'], ['true', 'false']]);
  await aws.close();
});

test('(m) a partitioned table reads only its registered partitions', async (t) => {
  const { aws, athena } = setup();
  await runQuery(athena, "CREATE TABLE db.part_a WITH (format = 'PARQUET', external_location = 's3://lake/facts/batch_id=a/') AS SELECT 1 AS x");
  await runQuery(athena, "CREATE TABLE db.part_b WITH (format = 'PARQUET', external_location = 's3://lake/facts/batch_id=b/') AS SELECT 2 AS x");
  aws.glue.createTable({
    DatabaseName: 'db',
    TableInput: {
      Name: 'facts',
      StorageDescriptor: { Location: 's3://lake/facts/', Columns: [{ Name: 'x', Type: 'int' }], SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' } },
      PartitionKeys: [{ Name: 'batch_id', Type: 'string' }],
    },
  });
  t.deepEqual((await runQuery(athena, 'SELECT count(*) AS n FROM facts')).rows, [['n'], ['0']], 'files alone are not rows');
  aws.glue.createPartition({ DatabaseName: 'db', TableName: 'facts', PartitionInput: { Values: ['a'], StorageDescriptor: { Location: 's3://lake/facts/batch_id=a/' } } });
  t.deepEqual((await runQuery(athena, 'SELECT batch_id, x FROM facts')).rows, [['batch_id', 'x'], ['a', '1']]);
  await aws.close();
});
