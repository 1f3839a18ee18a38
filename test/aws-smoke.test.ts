// `procureflow smoke` against aws-sdk-client-mock: the exact objects it lands, the Glue commits it
// waits for, the Athena queries it runs in the pipeline workgroup, and a non-zero verdict on any
// mismatch. The "pipeline" answers below are written by hand per file, not taken from the command.
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { EntityNotFoundException, GetPartitionCommand, GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { craftedFiles, runSmoke, smokeTarget } from '../cli/commands/smoke.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const RUN = 'r1';
const target = smokeTarget(
  { bronzeBucket: 'pf-bronze-123', bronzePrefix: 'landing', databaseName: 'procureflow_db', pipelineWorkgroupName: 'pf-pipeline', analystsWorkgroupName: 'pf-analysts' },
  {},
);
const id = (n: number) => `SMK-${RUN}-${String(n).padStart(4, '0')}`;

/** What a correct deployment commits and Athena reads back, per crafted file (by hand, from the contract). */
const PIPELINE: Record<string, { lines: number; loaded: number; duplicates: number; rejectsByReason: Record<string, number>; gold: string[] }> = {
  '2026-03-01.dat': {
    lines: 13,
    loaded: 2,
    duplicates: 1,
    rejectsByReason: {
      malformed: 2, missing_transaction_id: 1, invalid_transaction_ts: 1, invalid_store_id: 1, missing_product_id: 1,
      invalid_quantity: 1, invalid_unit_price: 1, invalid_discount: 1, invalid_total_amount: 1,
    },
    gold: [id(1), id(2)],
  },
  'SALES.DAT': { lines: 2, loaded: 1, duplicates: 1, rejectsByReason: {}, gold: [id(3)] },
  '_hidden-name.dat': { lines: 1, loaded: 1, duplicates: 0, rejectsByReason: {}, gold: [id(4)] },
  'gzipped.dat.gz': { lines: 2, loaded: 2, duplicates: 0, rejectsByReason: {}, gold: [id(5), id(6)] },
};

function fakeAws(pipeline = PIPELINE, options: { commitAfterPolls?: number; neverCommit?: string } = {}) {
  const s3 = new S3Client({ region: 'us-east-1', credentials });
  const glue = new GlueClient({ region: 'us-east-1', credentials });
  const athena = new AthenaClient({ region: 'us-east-1', credentials });
  const [s3Mock, glueMock, athenaMock] = [mockClient(s3), mockClient(glue), mockClient(athena)];
  const landed = new Map<string, { name: string; body: Buffer; batchId: string }>();
  const polls = new Map<string, number>();
  const queries: Array<{ sql: string; workGroup?: string; database?: string }> = [];
  s3Mock.on(PutObjectCommand).callsFake((input) => {
    const body = Buffer.from(input.Body as Uint8Array);
    const etag = createHash('md5').update(body).digest('hex');
    const name = (input.Key as string).split('/').pop() as string;
    landed.set(input.Key, { name, body, batchId: batchIdFor({ bucket: input.Bucket, key: input.Key }, etag) });
    return { ETag: `"${etag}"` };
  });
  const byBatch = (batchId: string) => [...landed.values()].find((l) => l.batchId === batchId);
  glueMock.on(GetPartitionCommand).callsFake((input) => {
    const batchId = input.PartitionValues[0];
    const seen = (polls.get(batchId) ?? 0) + 1;
    polls.set(batchId, seen);
    const file = byBatch(batchId);
    if (!file || seen <= (options.commitAfterPolls ?? 1) || file.name === options.neverCommit) throw new EntityNotFoundException({ message: 'no partition', $metadata: {} });
    const p = pipeline[file.name];
    if (!p) throw new Error(`unexpected file ${file.name}`);
    const rejected = Object.values(p.rejectsByReason).reduce((a, b) => a + b, 0);
    return { Partition: { Values: [batchId], Parameters: { procureflow_figures: JSON.stringify({ batchId, lines: p.lines, loaded: p.loaded, duplicates: p.duplicates, rejected, rejectsByReason: p.rejectsByReason }) } } };
  });
  let n = 0;
  const sqlOf = new Map<string, string>();
  athenaMock.on(StartQueryExecutionCommand).callsFake((input) => {
    queries.push({ sql: input.QueryString, workGroup: input.WorkGroup, database: input.QueryExecutionContext?.Database });
    const qid = `q-${++n}`;
    sqlOf.set(qid, input.QueryString);
    return { QueryExecutionId: qid };
  });
  athenaMock.on(GetQueryExecutionCommand).callsFake(() => ({ QueryExecution: { Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date() } } }));
  athenaMock.on(GetQueryResultsCommand).callsFake((input) => {
    const sql = sqlOf.get(input.QueryExecutionId) as string;
    const batchId = /batch_id = '([^']+)'/.exec(sql)?.[1] as string;
    const p = pipeline[byBatch(batchId)?.name ?? ''];
    if (!p) throw new Error(`no batch ${batchId}`);
    const page = (columns: Array<[string, string]>, rows: string[][]) => ({
      ResultSet: { ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) }, Rows: [columns.map(([c]) => c), ...rows].map((r) => ({ Data: r.map((VarCharValue) => ({ VarCharValue })) })) },
    });
    if (sql.includes('cleaned_transactions')) return page([['transaction_id', 'varchar']], p.gold.map((g) => [g]));
    if (sql.includes('rejected_transactions')) return page([['reason', 'varchar'], ['n', 'bigint']], Object.entries(p.rejectsByReason).map(([r, c]) => [r, String(c)]));
    const rejected = Object.values(p.rejectsByReason).reduce((a, b) => a + b, 0);
    return page([['lines', 'bigint']], [[String(p.loaded + p.duplicates + rejected)]]);
  });
  return { clients: { s3, glue, athena }, landed, queries, s3Mock };
}

function options() {
  const lines: string[] = [];
  const clock = { now: 0 };
  return { lines, run: RUN, timeoutMs: 60_000, pollMs: 5_000, now: () => clock.now, sleep: async (ms: number) => void (clock.now += ms), out: (line: string) => lines.push(line) };
}

test('the crafted set covers the cases of issue 7, expectations written per line from the contract', (t) => {
  const files = craftedFiles(RUN);
  t.deepEqual(files.map((f) => f.name), ['2026-03-01.dat', 'SALES.DAT', '_hidden-name.dat', 'gzipped.dat.gz']);
  const first = files[0];
  t.deepEqual(first?.expected, { lines: 13, loaded: 2, duplicates: 1, rejected: 10, rejectsByReason: PIPELINE['2026-03-01.dat']?.rejectsByReason, goldIds: [id(1), id(2)] });
  t.true(first?.body.includes(Buffer.from([0xff, 0xfe])), 'a bad byte');
  t.is(gunzipSync(files[3]?.body as Buffer).toString().split('\n')[1], `${id(5)}|2026-03-01 10:00:00|7|CUST-1|SKU-1|toys|2|10.00|0.00|20.00|card|usd`);
});

test('a correct deployment: lands each file under the prefix in order, waits for each commit, queries the pipeline workgroup, all ok', async (t) => {
  const aws = fakeAws(PIPELINE, { commitAfterPolls: 2 });
  const opts = options();
  t.true(await runSmoke(target, aws.clients, opts), opts.lines.join('\n'));
  t.deepEqual(aws.s3Mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key]), [
    ['pf-bronze-123', 'landing/smoke-r1/2026-03-01.dat'],
    ['pf-bronze-123', 'landing/smoke-r1/SALES.DAT'],
    ['pf-bronze-123', 'landing/smoke-r1/_hidden-name.dat'],
    ['pf-bronze-123', 'landing/smoke-r1/gzipped.dat.gz'],
  ]);
  t.deepEqual(new Set(aws.queries.map((q) => `${q.workGroup}/${q.database}`)), new Set(['pf-pipeline/procureflow_db']));
  t.is(aws.queries.length, 12);
  const gold = aws.queries[0]?.sql;
  const batch = aws.landed.get('landing/smoke-r1/2026-03-01.dat')?.batchId;
  t.is(gold, `SELECT transaction_id FROM procureflow_db.cleaned_transactions WHERE batch_id = '${batch}' ORDER BY transaction_id`);
  t.false(opts.lines.some((line) => line.includes('FAIL')));
  t.is(opts.lines.at(-1), 'smoke: every case as the contract says');
});

test('a gold row missing, or a reject reason off, is a mismatch: FAIL lines and false', async (t) => {
  const wrong = structuredClone(PIPELINE);
  (wrong['2026-03-01.dat'] as { gold: string[] }).gold = [id(1)];
  (wrong['SALES.DAT'] as { rejectsByReason: Record<string, number> }).rejectsByReason = { malformed: 1 };
  const aws = fakeAws(wrong);
  const opts = options();
  t.false(await runSmoke(target, aws.clients, opts));
  t.true(opts.lines.includes(`  FAIL gold ids: ["${id(1)}"] (expected ["${id(1)}","${id(2)}"])`), opts.lines.join('\n'));
  t.true(opts.lines.some((line) => line.startsWith('  FAIL rejects by reason: {"malformed":1}')));
  t.is(opts.lines.at(-1), 'smoke: MISMATCH (see FAIL lines above)');
});

test('a landing never committed fails after the timeout without blocking the other checks', async (t) => {
  const aws = fakeAws(PIPELINE, { neverCommit: '_hidden-name.dat' });
  const opts = options();
  t.false(await runSmoke(target, aws.clients, opts));
  t.true(opts.lines.includes('  FAIL not committed within 60 s (see the cleaner\'s logs, the dead-letter queue and LandingsRefused)'));
  t.is(aws.queries.length, 9, 'the three committed files are still checked');
});

test('stack outputs: flags win, a missing output without a flag is named', (t) => {
  t.deepEqual(target, { bronzeBucket: 'pf-bronze-123', bronzePrefix: 'landing/', database: 'procureflow_db', workGroup: 'pf-pipeline' });
  t.is(smokeTarget({ bronzeBucket: 'a', databaseName: 'd', pipelineWorkgroupName: 'w' }, { workGroup: 'other' }).workGroup, 'other');
  t.throws(() => smokeTarget({ bronzeBucket: 'a' }, {}), { message: 'no databaseName in the stack outputs and no flag for it' });
});
