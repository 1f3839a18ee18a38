// The Lambda bundle: built by scripts/build-lambda.ts, free of DuckDB, and run as the Lambda
// runtime would (a fresh node importing dist's index.mjs) on an SQS event, against a real local
// S3 (s3rver) and a tiny fake of Glue and Athena speaking their JSON protocol, reached through
// the SDK's service-specific endpoint variables (AWS_ENDPOINT_URL_GLUE, ..._ATHENA, ..._S3).
import { GetObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildLambda, forbiddenInputs, type LambdaBuild, REPO_ROOT } from '../scripts/build-lambda.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { objectCreatedEventBridge } from '../handlers/aws/sqs-landings.ts';
import { type LocalS3, startS3rver } from './helpers/s3rver.ts';

const run = promisify(execFile);

interface FakeCall {
  target: string;
  input: Record<string, unknown>;
}

/** Glue and Athena, just enough of them: GetPartition, CreateTable, ..., StartQueryExecution, ... */
function fakeGlueAndAthena() {
  const calls: FakeCall[] = [];
  const partitions = new Map<string, Record<string, string>>();
  const queries = new Map<string, string>();
  const tokens = new Map<string, string>();
  const reply = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) => reply(res, 400, { __type: 'EntityNotFoundException', Message: 'not found' }, 'EntityNotFoundException');
  const handle = (target: string, input: Record<string, unknown>, res: ServerResponse) => {
    switch (target) {
      case 'AWSGlue.GetPartition': {
        const parameters = partitions.get(`${String(input.TableName)}/${(input.PartitionValues as string[]).join('/')}`);
        return parameters ? reply(res, 200, { Partition: { Values: input.PartitionValues, Parameters: parameters } }) : notFound(res);
      }
      case 'AWSGlue.CreateTable':
        return reply(res, 200, {});
      case 'AWSGlue.DeleteTable':
        return notFound(res);
      case 'AWSGlue.GetTable':
        return reply(res, 200, { Table: { Name: input.Name, StorageDescriptor: { Location: 's3://lake/', Columns: [] } } });
      case 'AWSGlue.CreatePartition': {
        const partition = input.PartitionInput as { Values: string[]; Parameters: Record<string, string> };
        partitions.set(`${String(input.TableName)}/${partition.Values.join('/')}`, partition.Parameters);
        return reply(res, 200, {});
      }
      case 'AmazonAthena.StartQueryExecution': {
        const token = String(input.ClientRequestToken);
        const id = tokens.get(token) ?? `q-${tokens.size + 1}`;
        tokens.set(token, id);
        queries.set(id, String(input.QueryString));
        return reply(res, 200, { QueryExecutionId: id });
      }
      case 'AmazonAthena.GetQueryExecution':
        return reply(res, 200, { QueryExecution: { QueryExecutionId: input.QueryExecutionId, Status: { State: 'SUCCEEDED', SubmissionDateTime: Date.now() / 1000 } } });
      case 'AmazonAthena.GetQueryResults': {
        const sql = queries.get(String(input.QueryExecutionId)) ?? '';
        const [columns, values] = sql.includes('AS lines')
          ? [['lines', 'rejected'], ['4', '1']]
          : sql.includes('AS loaded')
            ? [['loaded'], ['2']]
            : [['reason', 'n'], ['malformed', '1']];
        const row = (cells: string[]) => ({ Data: cells.map((VarCharValue) => ({ VarCharValue })) });
        return reply(res, 200, {
          ResultSet: { ResultSetMetadata: { ColumnInfo: columns.map((Name) => ({ Name, Type: Name === 'reason' ? 'varchar' : 'bigint' })) }, Rows: [row(columns), row(values)] },
        });
      }
      default:
        return reply(res, 400, { __type: 'UnknownOperationException', Message: target }, 'UnknownOperationException');
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      calls.push({ target, input });
      handle(target, input, res);
    });
  });
  return { server, calls, partitions };
}

let build: LambdaBuild;
let outDir: string;
let s3: LocalS3;
let fake: ReturnType<typeof fakeGlueAndAthena>;
let fakeEndpoint: string;

test.before(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'procureflow-lambda-bundle-'));
  build = await buildLambda({ outDir });
  s3 = await startS3rver(['pf-bronze', 'pf-silver', 'pf-gold']);
  fake = fakeGlueAndAthena();
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  fakeEndpoint = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  await new Promise<void>((resolve) => fake?.server.close(() => resolve()));
  await s3?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Runs the bundle's handler in a fresh node, as the Lambda runtime would import it. */
async function invokeBundle(event: unknown): Promise<{ result: unknown; stdout: string }> {
  const script = path.join(outDir, 'invoke.mjs');
  await writeFile(
    script,
    `import { handler } from ${JSON.stringify(pathToFileURL(build.bundle).href)};
const event = JSON.parse(process.env.TEST_EVENT);
const context = { functionName: 'pf-cleaner', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60000 };
const result = await handler(event, context);
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
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_GLUE: fakeEndpoint,
      AWS_ENDPOINT_URL_ATHENA: fakeEndpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_MAX_ATTEMPTS: '1',
      BRONZE_BUCKET: 'pf-bronze',
      SILVER_BUCKET: 'pf-silver',
      GOLD_BUCKET: 'pf-gold',
      GLUE_DATABASE: 'procureflow_db',
      ATHENA_WORKGROUP: 'pf-wg',
      BRONZE_PREFIX: 'landing/',
      POWERTOOLS_SERVICE_NAME: 'cleaner',
      POWERTOOLS_METRICS_NAMESPACE: 'ProcureFlow',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      TEST_EVENT: JSON.stringify(event),
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

test.serial('the bundled handler commits a landing, then skips its re-delivery after one GetPartition', async (t) => {
  const key = 'landing/bundle test.dat';
  const event = {
    Records: [
      {
        messageId: 'm-1',
        receiptHandle: 'rh',
        body: JSON.stringify(objectCreatedEventBridge({ ref: { bucket: 'pf-bronze', key }, size: 321, etag: 'e1' })),
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:pf-landings',
        awsRegion: 'us-east-1',
      },
    ],
  };
  const id = batchIdFor({ bucket: 'pf-bronze', key }, 'e1');

  const first = await invokeBundle(event);
  t.deepEqual(first.result, { batchItemFailures: [] });
  const targets = fake.calls.map((call) => call.target);
  t.deepEqual(targets.slice(0, 11), [
    'AWSGlue.GetPartition',
    'AWSGlue.CreateTable',
    ...['silver', 'gold', 'rejects'].flatMap(() => ['AWSGlue.DeleteTable', 'AmazonAthena.StartQueryExecution', 'AmazonAthena.GetQueryExecution']),
  ]);
  t.deepEqual(targets.slice(20), [
    'AWSGlue.GetTable',
    'AWSGlue.CreatePartition',
    'AWSGlue.GetTable',
    'AWSGlue.CreatePartition',
    'AWSGlue.GetTable',
    'AWSGlue.CreatePartition',
    'AWSGlue.DeleteTable',
    'AWSGlue.DeleteTable',
    'AWSGlue.DeleteTable',
    'AWSGlue.DeleteTable',
  ]);
  t.deepEqual(targets.slice(11, 20).sort(), [
    ...Array(3).fill('AmazonAthena.GetQueryExecution'),
    ...Array(3).fill('AmazonAthena.GetQueryResults'),
    ...Array(3).fill('AmazonAthena.StartQueryExecution'),
  ]);
  t.true(fake.partitions.has(`cleaned_transactions/${id}`));
  t.like(JSON.parse(fake.partitions.get(`cleaned_transactions/${id}`)?.procureflow_figures ?? '{}'), { lines: 4, loaded: 2, duplicates: 1, rejected: 1 });
  // The manifest really landed in (local) S3, listing the bronze object.
  const manifest = await s3.client.send(new GetObjectCommand({ Bucket: 'pf-silver', Key: `_work/landed/bronze_${id}/manifest` }));
  t.is(await manifest.Body?.transformToString(), `s3://pf-bronze/${key}\n`);
  // Structured JSON logs with the batch id, and the figures as EMF metrics.
  const logs = first.stdout.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as Record<string, unknown>);
  t.true(logs.some((entry) => entry.message === 'batch committed' && entry.batchId === id && entry.service === 'cleaner'));
  t.true(logs.some((entry) => typeof entry._aws === 'object' && entry.lines === 4 && entry.bytesIn === 321));

  fake.calls.length = 0;
  const again = await invokeBundle(event);
  t.deepEqual(again.result, { batchItemFailures: [] });
  t.deepEqual(fake.calls, [{ target: 'AWSGlue.GetPartition', input: { DatabaseName: 'procureflow_db', TableName: 'cleaned_transactions', PartitionValues: [id] } }]);
});
