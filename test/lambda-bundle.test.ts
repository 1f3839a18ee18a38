// The Lambda bundle: built by scripts/build-lambda.ts, free of DuckDB, and run as the Lambda
// runtime would (a fresh node importing dist's index.mjs) on an SQS event from the fake FIFO queue,
// against the shared fake AWS side over HTTP (test/fakes/http-face.ts: S3 REST, Glue and Athena
// JSON 1.1 on one state with AWS's rules), reached through the SDK's service-specific endpoint
// variables (AWS_ENDPOINT_URL_S3, ..._GLUE, ..._ATHENA). The fake Athena runs the statements, so
// the outcome asserted is the data the bundle committed, not the text of its queries.
import test from 'ava';
import type { SQSEvent } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LANDING_MESSAGE_GROUP, landingEventPattern } from '../components/landing-events.ts';
import { buildLambda, forbiddenInputs, type LambdaBuild, REPO_ROOT } from '../scripts/build-lambda.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import type { EventPattern } from './fakes/event-routing.ts';
import { FakeAws } from './fakes/fake-aws.ts';
import { type HttpFace, startHttpFace } from './fakes/http-face.ts';
import { createLakeTables } from './fakes/lake-tables.ts';
import { runQuery } from './fakes/run-query.ts';

const run = promisify(execFile);
const DB = 'procureflow_db';
const WG = 'pf-wg';
const BUCKETS = { bronze: 'pf-bronze', silver: 'pf-silver', gold: 'pf-gold' };

let build: LambdaBuild;
let outDir: string;
let aws: FakeAws;
let face: HttpFace;

test.before(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'procureflow-lambda-bundle-'));
  build = await buildLambda({ outDir });
  aws = new FakeAws({
    buckets: Object.values(BUCKETS),
    databases: [DB],
    workGroups: [{ name: WG, enforceConfiguration: false }],
    rule: { pattern: landingEventPattern(BUCKETS.bronze) as EventPattern, queue: 'pf-landings.fifo', messageGroupId: LANDING_MESSAGE_GROUP },
  });
  createLakeTables(aws, DB, BUCKETS);
  face = await startHttpFace(aws);
});

test.after.always(async () => {
  await face?.close();
  await aws?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/**
 * Runs one of the bundle's entries in a fresh node, as the Lambda runtime would import it
 * (`index.handler`, or `index.silverHandler` for the silver worker); a rejection is the result `{ error }`.
 */
async function invokeBundle(event: unknown, entry: 'handler' | 'silverHandler' = 'handler'): Promise<{ result: unknown; stdout: string }> {
  const script = path.join(outDir, 'invoke.mjs');
  await writeFile(
    script,
    `import * as bundle from ${JSON.stringify(pathToFileURL(build.bundle).href)};
const event = JSON.parse(process.env.TEST_EVENT);
const context = { functionName: 'pf-cleaner', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60000 };
const result = await bundle[process.env.TEST_ENTRY](event, context).catch((error) => ({ error: error.message }));
process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
`,
  );
  const { stdout } = await run(process.execPath, [script], {
    cwd: outDir,
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      LAMBDA_TASK_ROOT: outDir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      ...face.env,
      AWS_MAX_ATTEMPTS: '1',
      BRONZE_BUCKET: 'pf-bronze',
      SILVER_BUCKET: 'pf-silver',
      GOLD_BUCKET: 'pf-gold',
      GLUE_DATABASE: DB,
      ATHENA_WORKGROUP: WG,
      BRONZE_PREFIX: 'landing/',
      POWERTOOLS_SERVICE_NAME: 'cleaner',
      POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      TEST_EVENT: JSON.stringify(event),
      TEST_ENTRY: entry,
    },
  });
  const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (!line) throw new Error(`no result from the bundle: ${stdout}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), stdout };
}

test.serial('the bundle is built, has no DuckDB, carries the SQL, and DuckDB in the graph fails the build', async (t) => {
  t.deepEqual(forbiddenInputs(build.inputs), []);
  t.false(build.inputs.some((input) => /duckdb/i.test(input)));
  t.true(build.inputs.includes('handlers/lambda.ts'));
  t.true(build.inputs.some((input) => input.includes('@aws-sdk/client-athena')), 'the SDK is bundled, not taken from the runtime');
  const text = await readFile(build.bundle, 'utf8');
  t.false(/duckdb/i.test(text));
  t.true(text.startsWith("import { createRequire as __pfCreateRequire } from 'node:module';"));
  t.truthy(await readFile(path.join(outDir, 'sql', 'silver', 'raw_transactions.sql'), 'utf8'));
  t.deepEqual(forbiddenInputs(['node_modules/@duckdb/node-api/lib/index.js', 'handlers/lambda.ts']), ['node_modules/@duckdb/node-api/lib/index.js']);

  const entry = path.join(outDir, 'with-duckdb.ts');
  await writeFile(entry, `export { DuckDbEngine } from ${JSON.stringify(path.join(REPO_ROOT, 'handlers/local/duckdb-engine.ts'))};\n`);
  const badOut = await mkdtemp(path.join(tmpdir(), 'procureflow-lambda-bad-'));
  await t.throwsAsync(buildLambda({ outDir: badOut, entry }), { message: /must not contain DuckDB/ });
  await rm(badOut, { recursive: true, force: true });
});

test.serial('the bundled handler commits a landing (gold, rejects, a balance from the data), then skips its re-delivery after one GetPartition', async (t) => {
  const key = 'landing/bundle test.dat';
  const body = [HEADER_LINE, 'B1|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|20.00|card|usd', 'B2|2026-03-01 10:00:00|1|C1|P1|Food|1|3.00|0||card|eur', 'B2|2026-03-01 09:00:00|1|C1|P1|Food|1|4.00|0|4.00|card|eur', 'no fields here', ''].join('\n');
  const { ETag } = aws.s3.put(BUCKETS.bronze, key, body);
  const id = batchIdFor({ bucket: BUCKETS.bronze, key }, ETag.replace(/"/g, ''));
  const event: SQSEvent = aws.receiveSqsEvent();
  t.is(event.Records.length, 1, 'the rule routed the landing to the FIFO queue');

  const first = await invokeBundle(event);
  t.deepEqual(first.result, { batchItemFailures: [] }, first.stdout);
  // The commit, gold last, with the figures counted from the data.
  const partitions = (table: string) => aws.state.partitions(DB, table).map((partition) => partition.Values[0]);
  t.deepEqual([partitions('raw_transactions'), partitions('rejected_transactions'), partitions('cleaned_transactions')], [[id], [id], [id]]);
  const commits = aws.state.calls.filter((call) => call.startsWith('Glue.CreatePartition'));
  t.is(commits.at(-1), `Glue.CreatePartition cleaned_transactions ${id}`, 'gold is registered last');
  const figures = figuresFromParameters(aws.state.partitions(DB, 'cleaned_transactions')[0]?.Parameters);
  t.like(figures, { batchId: id, lines: 4, loaded: 2, duplicates: 1, duplicatesInBatch: 1, duplicatesInGold: 0, rejected: 1, rejectsByReason: { malformed: 1 }, bytesIn: Buffer.byteLength(body) });
  const { athena } = aws.clients();
  const gold = await runQuery(athena, `SELECT transaction_id, total_amount, currency FROM ${DB}.cleaned_transactions ORDER BY transaction_id`, { database: DB, workGroup: WG });
  // B2's later line wins; its missing total is derived (1 × 3.00).
  t.deepEqual(gold.rows, [['transaction_id', 'total_amount', 'currency'], ['B1', '20.00', 'USD'], ['B2', '3.00', 'EUR']]);
  const rejects = await runQuery(athena, `SELECT reason FROM ${DB}.rejected_transactions`, { database: DB, workGroup: WG });
  t.deepEqual(rejects.rows, [['reason'], ['malformed']]);
  t.false([...aws.state.executions.values()].some((execution) => execution.outcome?.state === 'FAILED'), 'no statement failed');
  // The manifest really landed in (fake) S3, listing the bronze object; the work tables are gone.
  t.is(aws.state.getObject(BUCKETS.silver, `_work/landed/bronze_${id}/manifest`)?.body.toString('utf8'), `s3://${BUCKETS.bronze}/${key}\n`);
  t.deepEqual([...(aws.state.databases.get(DB)?.keys() ?? [])].sort(), ['cleaned_transactions', 'raw_transactions', 'rejected_transactions']);
  // Structured JSON logs with the batch id, and the figures as EMF metrics.
  const logs = first.stdout.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as Record<string, unknown>);
  t.true(logs.some((entry) => entry.message === 'batch committed' && entry.batchId === id && entry.service === 'cleaner'));
  t.true(logs.some((entry) => typeof entry._aws === 'object' && entry.lines === 4 && entry.bytesIn === Buffer.byteLength(body)));

  const from = aws.state.calls.length;
  const again = await invokeBundle(event);
  t.deepEqual(again.result, { batchItemFailures: [] });
  t.deepEqual(aws.state.calls.slice(from), [`Glue.GetPartition cleaned_transactions ${id}`]);
});

test.serial('the bundle exports the silver worker too (index.silverHandler), with the SQS client bundled; without a silver queue it refuses, naming the settings', async (t) => {
  t.true(build.inputs.some((input) => input.includes('@aws-sdk/client-sqs')), 'the SQS client is bundled, not taken from the runtime');
  const { result } = await invokeBundle({ Records: [] }, 'silverHandler');
  t.deepEqual(result, { error: 'the silver worker needs SILVER_QUEUE_URL, LANDING_QUEUE_URL and SILVER_MAX_RECEIVES' });
});
