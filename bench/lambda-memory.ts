// The cleaner Lambda's memory does not grow with the file: the handler runs in-process on mocked
// AWS clients (Athena succeeds; S3 HeadObject says the landed object is 10 GB, or 1 MB; the CTAS
// outputs are listed as Parquet parts in proportion), once per fresh process, and the peak RSS
// (VmHWM) is printed for both. Also prints the bundle's size and its cold import time.
// Usage: npx tsx bench/lambda-memory.ts            (builds dist/lambda first when it is missing)
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  CreatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** What Athena would answer to the core's three figures queries for a batch of `lines` lines (10 rejected). */
function figuresResultSet(sql: string, lines: number) {
  const [names, values] = sql.includes('AS lines')
    ? [['lines', 'rejected'], [String(lines), '10']]
    : sql.includes('AS loaded')
      ? [['loaded'], [String(lines - 10)]]
      : [['reason', 'n'], ['malformed', '10']];
  const row = (cells: string[]) => ({ Data: cells.map((VarCharValue) => ({ VarCharValue })) });
  return {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name, Type: Name === 'reason' ? 'varchar' : 'bigint' })) },
      Rows: [row(names), row(values)],
    },
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'lambda', 'index.mjs');
const run = promisify(execFile);
const MB = 1024 ** 2;
const CASES: Record<string, number> = { '10GB': 10 * 1024 ** 3, '1MB': MB };

function statusFigure(name: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((text) => text.startsWith(`${name}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** One landing of a file of `size` bytes through the real handler on mocked clients. */
async function runCase(size: number): Promise<void> {
  const { createHandler } = await import('../handlers/lambda.ts');
  const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
  const s3 = new S3Client({ region: 'us-east-1', credentials });
  const glue = new GlueClient({ region: 'us-east-1', credentials });
  const athena = new AthenaClient({ region: 'us-east-1', credentials });
  const $metadata = {};
  // The CTAS outputs: Parquet parts of ~8 MB each, about a third of the input in all.
  const parts = Math.max(1, Math.round(size / 3 / (8 * MB)));
  const written = new Set<string>();
  const m3 = mockClient(s3);
  m3.on(HeadObjectCommand).resolves({ ContentLength: size, ETag: '"0123456789abcdef0123456789abcdef-1200"' });
  m3.on(PutObjectCommand).resolves({ ETag: '"m"' });
  m3.on(ListObjectsV2Command).callsFake((input) => {
    const prefix = String(input.Prefix ?? '');
    if (!written.has(prefix)) return { Contents: [], IsTruncated: false };
    const start = Number(input.ContinuationToken ?? 0);
    const end = Math.min(parts, start + 1000);
    const Contents = Array.from({ length: end - start }, (_, i) => ({ Key: `${prefix}${start + i}-part.snappy.parquet`, Size: 8 * MB }));
    return { Contents, IsTruncated: end < parts, NextContinuationToken: end < parts ? String(end) : undefined };
  });
  m3.on(DeleteObjectsCommand).resolves({});
  const mg = mockClient(glue);
  mg.on(GetPartitionCommand).rejects(new EntityNotFoundException({ message: 'none', $metadata }));
  mg.on(CreateTableCommand).resolves({});
  mg.on(DeleteTableCommand).resolves({});
  mg.on(GetTableCommand).resolves({ Table: { Name: 't', StorageDescriptor: { Location: 's3://lake/', Columns: [] } } });
  mg.on(CreatePartitionCommand).resolves({});
  const ma = mockClient(athena);
  const queries = new Map<string, string>();
  const lines = Math.round(size / 120);
  ma.on(StartQueryExecutionCommand).callsFake((input) => {
    const id = `q-${queries.size + 1}`;
    const sql = String(input.QueryString);
    queries.set(id, sql);
    const location = /external_location = 's3:\/\/[^/]+\/([^']+)'/.exec(sql)?.[1];
    if (location) written.add(location);
    return { QueryExecutionId: id };
  });
  ma.on(GetQueryExecutionCommand).callsFake(() => ({ QueryExecution: { Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date() } } }));
  ma.on(GetQueryResultsCommand).callsFake((input) => {
    return figuresResultSet(queries.get(String(input.QueryExecutionId)) ?? '', lines);
  });
  const metrics = new Metrics({ namespace: 'Bench', serviceName: 'cleaner' });
  metrics.publishStoredMetrics = () => {
    metrics.clearMetrics();
    return metrics;
  };
  const handler = createHandler({
    env: {
      BRONZE_BUCKET: 'pf-bronze',
      SILVER_BUCKET: 'pf-silver',
      GOLD_BUCKET: 'pf-gold',
      GLUE_DATABASE: 'procureflow_db',
      ATHENA_WORKGROUP: 'pf-wg',
      SQL_DIR: path.join(ROOT, 'sql'),
    },
    s3,
    glue,
    athena,
    logger: new Logger({ serviceName: 'cleaner', logLevel: 'SILENT' }),
    metrics,
    timing: { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 },
  });
  // No size or eTag in the notification: the handler asks S3 (HeadObject) for them.
  const body = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'pf-bronze' }, object: { key: 'landing/big.dat' } } }] });
  const event = { Records: [{ messageId: 'm-1', body, eventSourceARN: 'arn:aws:sqs:us-east-1:1:q' }] } as unknown as SQSEvent;
  const context = { functionName: 'cleaner', awsRequestId: 'r', getRemainingTimeInMillis: () => 600_000 } as unknown as Context;
  const before = statusFigure('VmHWM');
  const response = await handler(event, context);
  if (response.batchItemFailures.length > 0) throw new Error(`the landing failed: ${JSON.stringify(response)}`);
  process.stdout.write(`${JSON.stringify({ size, parts, hwmBeforeHandling: before, hwm: statusFigure('VmHWM'), rss: statusFigure('VmRSS') })}\n`);
}

/**
 * Fake S3, Glue and Athena over HTTP for the bundle run: HeadObject reports `size`, CTAS outputs
 * are listed as Parquet parts in proportion, every query succeeds.
 */
function fakeAwsServer(size: number) {
  const parts = Math.max(1, Math.round(size / 3 / (8 * MB)));
  const written = new Set<string>();
  const queries = new Map<string, string>();
  const lines = Math.round(size / 120);
  const json = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  };
  const xml = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  };
  const target = (name: string, input: Record<string, unknown>, res: ServerResponse) => {
    switch (name) {
      case 'AWSGlue.GetPartition':
      case 'AWSGlue.DeleteTable':
        return json(res, 400, { __type: 'EntityNotFoundException', Message: 'none' }, 'EntityNotFoundException');
      case 'AWSGlue.GetTable':
        return json(res, 200, { Table: { Name: input.Name, StorageDescriptor: { Location: 's3://lake/', Columns: [] } } });
      case 'AmazonAthena.StartQueryExecution': {
        const id = `q-${queries.size + 1}`;
        const sql = String(input.QueryString);
        queries.set(id, sql);
        const location = /external_location = 's3:\/\/([^']+)'/.exec(sql)?.[1];
        if (location) written.add(location);
        return json(res, 200, { QueryExecutionId: id });
      }
      case 'AmazonAthena.GetQueryExecution':
        return json(res, 200, { QueryExecution: { Status: { State: 'SUCCEEDED', SubmissionDateTime: Date.now() / 1000 } } });
      case 'AmazonAthena.GetQueryResults': {
        return json(res, 200, figuresResultSet(queries.get(String(input.QueryExecutionId)) ?? '', lines));
      }
      default:
        return json(res, 200, {});
    }
  };
  const s3 = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': String(size), etag: '"0123456789abcdef0123456789abcdef-1200"', 'last-modified': new Date().toUTCString() });
      return res.end();
    }
    if (req.method === 'PUT') {
      res.writeHead(200, { etag: '"m"' });
      return res.end();
    }
    if (req.method === 'POST' && url.searchParams.has('delete')) return xml(res, '<DeleteResult></DeleteResult>');
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const start = Number(url.searchParams.get('continuation-token') ?? 0);
      const count = written.has(`${bucket}/${prefix}`) ? parts : 0;
      const end = Math.min(count, start + 1000);
      const contents = Array.from({ length: Math.max(0, end - start) }, (_, i) => `<Contents><Key>${prefix}${start + i}-part.snappy.parquet</Key><Size>${8 * MB}</Size></Contents>`).join('');
      const more = end < count ? `<IsTruncated>true</IsTruncated><NextContinuationToken>${end}</NextContinuationToken>` : '<IsTruncated>false</IsTruncated>';
      return xml(res, `<ListBucketResult><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${end - start}</KeyCount>${more}${contents}</ListBucketResult>`);
    }
    res.writeHead(400);
    res.end(`unexpected ${req.method} ${key}`);
  };
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const name = req.headers['x-amz-target'];
      if (typeof name === 'string') target(name, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>, res);
      else s3(req, res);
    });
  });
}

/** The built bundle, imported by a fresh node as the Lambda runtime does, handling one landing. */
async function runBundleCase(size: number): Promise<{ hwm: number; hwmBeforeHandling: number }> {
  const server = fakeAwsServer(size);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const body = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'pf-bronze' }, object: { key: 'landing/big.dat' } } }] });
  const script = `
const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
(async () => {
  const { handler } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)});
  const before = hwm();
  const response = await handler({ Records: [{ messageId: 'm-1', body: ${JSON.stringify(body)}, eventSourceARN: 'arn:aws:sqs:us-east-1:1:q' }] },
    { functionName: 'cleaner', awsRequestId: 'r', getRemainingTimeInMillis: () => 600000 });
  if (response.batchItemFailures.length > 0) throw new Error('the landing failed');
  console.log('RESULT ' + JSON.stringify({ hwmBeforeHandling: before, hwm: hwm() }));
})().catch((error) => { console.error(error); process.exitCode = 1; });`;
  try {
    const { stdout } = await run(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: path.dirname(BUNDLE),
      maxBuffer: 16 * MB,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: path.dirname(BUNDLE),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_ENDPOINT_URL_GLUE: endpoint,
        AWS_ENDPOINT_URL_ATHENA: endpoint,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        BRONZE_BUCKET: 'pf-bronze',
        SILVER_BUCKET: 'pf-silver',
        GOLD_BUCKET: 'pf-gold',
        GLUE_DATABASE: 'procureflow_db',
        ATHENA_WORKGROUP: 'pf-wg',
        POWERTOOLS_LOG_LEVEL: 'WARN',
        POWERTOOLS_METRICS_NAMESPACE: 'Bench',
        POWERTOOLS_SERVICE_NAME: 'cleaner',
      },
    });
    const line = stdout.split('\n').find((text) => text.startsWith('RESULT ')) ?? '';
    return JSON.parse(line.slice('RESULT '.length)) as { hwm: number; hwmBeforeHandling: number };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const caseArg = process.argv.indexOf('--case');
  if (caseArg > 0) {
    await runCase(CASES[process.argv[caseArg + 1] ?? ''] ?? Number.NaN);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  process.stdout.write('Cleaner Lambda memory (handler in-process on mocked AWS clients, one fresh node per case; includes tsx)\n');
  for (const name of Object.keys(CASES)) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', self, '--case', name], { cwd: ROOT, maxBuffer: 16 * MB });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { parts: number; hwmBeforeHandling: number; hwm: number };
    process.stdout.write(
      `  landing of a ${name.padStart(4)} file: peak RSS (VmHWM) ${mb(result.hwm)} (before handling ${mb(result.hwmBeforeHandling)}; ${result.parts} Parquet part(s) listed per output)\n`,
    );
  }
  const bundle = await stat(BUNDLE).catch(() => undefined);
  if (!bundle) {
    const { buildLambda } = await import('../scripts/build-lambda.ts');
    await buildLambda();
  }
  process.stdout.write('Cleaner Lambda memory (the built bundle in a fresh node, AWS faked over HTTP: what the Lambda runs)\n');
  for (const [name, bytes] of Object.entries(CASES)) {
    const result = await runBundleCase(bytes);
    process.stdout.write(`  landing of a ${name.padStart(4)} file: peak RSS (VmHWM) ${mb(result.hwm)} (after import, before handling ${mb(result.hwmBeforeHandling)})\n`);
  }
  const size = (await stat(BUNDLE)).size;
  process.stdout.write(`Bundle dist/lambda/index.mjs: ${(size / 1024).toFixed(0)} KiB\n`);
  const timings: number[] = [];
  for (let i = 0; i < 5; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(BUNDLE).href)}); const ms = performance.now() - t; const hwm = /VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status','utf8'))[1]; console.log(JSON.stringify({ ms, hwm: Number(hwm) * 1024 }));`;
    const { stdout } = await run(process.execPath, ['--input-type=commonjs', '-e', `(async () => { ${script} })()`], { cwd: ROOT, env: { ...process.env, LAMBDA_TASK_ROOT: path.dirname(BUNDLE) } });
    timings.push((JSON.parse(stdout.trim()) as { ms: number }).ms);
    if (i === 0) process.stdout.write(`  peak RSS of a bare node after importing the bundle: ${mb((JSON.parse(stdout.trim()) as { hwm: number }).hwm)}\n`);
  }
  timings.sort((a, b) => a - b);
  process.stdout.write(`  cold import (fresh node, 5 runs): median ${timings[2]?.toFixed(0)} ms, min ${timings[0]?.toFixed(0)} ms, max ${timings[4]?.toFixed(0)} ms\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
