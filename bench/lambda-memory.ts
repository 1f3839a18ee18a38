// The cleaner Lambda's memory does not grow with the file: the built bundle runs in a fresh node
// (as the Lambda runtime imports it) on one landing, against the shared fake AWS side over HTTP
// (test/fakes: S3, Glue, and an Athena that really runs the statements on DuckDB in THIS process,
// so the child's peak RSS is the handler's alone). Files are real, generated and landed with
// aws.s3.put, routed by the stack's EventBridge rule to the fake FIFO queue.
//
// The fake keeps objects in memory, so the largest real file is modest. A landing at the 5 GiB
// limit (LANDING_MAX_BYTES) is benched with its size faked in the S3 event (the object itself is
// the small file): what it measures is that a claimed size changes nothing the handler holds,
// since Athena reads the file. A 10 GB landing is over the limit and refused once (issue 7 item 11).
// Usage: npx tsx bench/lambda-memory.ts [--sizes 1,64]   (MB of real files; rebuilds dist/lambda first)
import type { SQSEvent } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LANDING_MESSAGE_GROUP, landingEventPattern } from '../components/landing-events.ts';
import { DEFAULT_LANDING_MAX_BYTES } from '../handlers/aws/lambda-settings.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import type { EventPattern } from '../test/fakes/event-routing.ts';
import { FakeAws } from '../test/fakes/fake-aws.ts';
import { startHttpFace } from '../test/fakes/http-face.ts';
import { createLakeTables } from '../test/fakes/lake-tables.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'lambda', 'index.mjs');
const run = promisify(execFile);
const MB = 1024 ** 2;
const DB = 'procureflow_db';
const WG = 'pf-pipeline';
const BUCKETS = { bronze: 'pf-bronze', silver: 'pf-silver', gold: 'pf-gold' };

/** A .dat file of about `bytes`: valid lines, one in-batch duplicate and one reject per 100 lines. */
function generatedFile(bytes: number): Buffer {
  const lines = [HEADER_LINE];
  let size = HEADER_LINE.length + 1;
  for (let n = 0; size < bytes; n++) {
    const id = n % 100 === 99 ? `T${n - 1}` : `T${n}`;
    const store = n % 100 === 50 ? '0' : String(1 + (n % 40));
    const text = `${id}|2026-03-01 ${String(10 + (n % 10)).padStart(2, '0')}:00:00|${store}|CUST-${n % 977}|SKU-${n % 313}|toys|2|10.00|0.00|20.00|card|usd`;
    lines.push(text);
    size += text.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** One landing through the built bundle in a fresh node; returns its peak RSS and what it committed. */
async function benchCase(name: string, body: Buffer, claimedSize?: number) {
  const aws = new FakeAws({
    buckets: Object.values(BUCKETS),
    databases: [DB],
    workGroups: [{ name: WG, enforceConfiguration: false }],
    rule: { pattern: landingEventPattern(BUCKETS.bronze) as EventPattern, queue: 'pf-landings.fifo', messageGroupId: LANDING_MESSAGE_GROUP },
  });
  createLakeTables(aws, DB, BUCKETS);
  const face = await startHttpFace(aws);
  try {
    aws.s3.put(BUCKETS.bronze, `landing/${name}.dat`, body);
    const event: SQSEvent = aws.receiveSqsEvent();
    if (claimedSize !== undefined) {
      // The fake cannot hold the object; the event says what S3 would have said of it.
      for (const record of event.Records) {
        const parsed = JSON.parse(record.body) as { detail: { object: { size: number } } };
        parsed.detail.object.size = claimedSize;
        record.body = JSON.stringify(parsed);
      }
    }
    const script = `
const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
(async () => {
  const { handler } = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)});
  const before = hwm();
  const response = await handler(JSON.parse(process.env.BENCH_EVENT), { functionName: 'cleaner', awsRequestId: 'r', getRemainingTimeInMillis: () => 900000 });
  if (response.batchItemFailures.length > 0) throw new Error('the landing failed');
  console.log('RESULT ' + JSON.stringify({ hwmBeforeHandling: before, hwm: hwm() }));
})().catch((error) => { console.error(error); process.exitCode = 1; });`;
    const started = performance.now();
    const { stdout } = await run(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: path.dirname(BUNDLE),
      maxBuffer: 16 * MB,
      env: {
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: path.dirname(BUNDLE),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'fake',
        AWS_SECRET_ACCESS_KEY: 'fake',
        ...face.env,
        BRONZE_BUCKET: BUCKETS.bronze,
        SILVER_BUCKET: BUCKETS.silver,
        GOLD_BUCKET: BUCKETS.gold,
        GLUE_DATABASE: DB,
        ATHENA_WORKGROUP: WG,
        BRONZE_PREFIX: 'landing/',
        POWERTOOLS_LOG_LEVEL: 'WARN',
        POWERTOOLS_METRICS_NAMESPACE: 'Bench',
        POWERTOOLS_SERVICE_NAME: 'cleaner',
        BENCH_EVENT: JSON.stringify(event),
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const line = stdout.split('\n').find((text) => text.startsWith('RESULT ')) ?? '';
    const result = JSON.parse(line.slice('RESULT '.length)) as { hwm: number; hwmBeforeHandling: number };
    const figures = figuresFromParameters(aws.state.partitions(DB, 'cleaned_transactions')[0]?.Parameters);
    if (!figures) throw new Error(`${name}: nothing committed`);
    return { ...result, seconds, figures };
  } finally {
    await face.close();
    await aws.close();
  }
}

async function main(): Promise<void> {
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = (sizesArg > 0 ? (process.argv[sizesArg + 1] ?? '') : '1,64').split(',').map(Number).filter((n) => n > 0);
  // Always rebuilt: an old dist/lambda would bench stale code.
  const { buildLambda } = await import('../scripts/build-lambda.ts');
  await buildLambda();
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  process.stdout.write('Cleaner Lambda memory: the built bundle in a fresh node, one landing, fake AWS over HTTP (Athena on DuckDB in the bench process)\n');
  const cases: Array<{ label: string; body: Buffer; claimed?: number }> = sizes.map((size) => ({ label: `real ${size} MB file`, body: generatedFile(size * MB) }));
  cases.push({ label: `${(DEFAULT_LANDING_MAX_BYTES / 1024 ** 3).toFixed(0)} GiB claimed in the event (object: 1 MB)`, body: generatedFile(MB), claimed: DEFAULT_LANDING_MAX_BYTES });
  for (const [index, c] of cases.entries()) {
    const result = await benchCase(`bench_${index}`, c.body, c.claimed);
    const f = result.figures;
    process.stdout.write(
      `  ${c.label.padEnd(44)} peak RSS (VmHWM) ${mb(result.hwm)} (after import, before handling ${mb(result.hwmBeforeHandling)}); ` +
        `${f.lines} lines → ${f.loaded} loaded, ${f.duplicates} duplicates, ${f.rejected} rejected; bytesIn ${f.bytesIn}; ${result.seconds.toFixed(1)} s wall\n`,
    );
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
