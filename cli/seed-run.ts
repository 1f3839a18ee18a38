// The work of `procureflow seed`, loaded only when the command runs, so that other commands
// never pay for the AWS SDK.
import { S3Client } from '@aws-sdk/client-s3';
import cliProgress from 'cli-progress';
import { integerOption as integer } from './integer-option.ts';
import { parseSize } from '../generator/generate.ts';
import { seedBronze, type SeedProgress } from '../generator/seed-s3.ts';

export interface SeedCliOptions {
  bucket: string;
  prefix: string;
  size: string;
  files?: string;
  seed: string;
  batchSize: string;
  concurrency: string;
  retries: string;
  endpoint?: string;
  region?: string;
}

const MB = 1024 * 1024;


export function seedClient(options: { endpoint?: string; region?: string }): S3Client {
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new Error(`--endpoint must be a URL such as http://127.0.0.1:4568, got ${JSON.stringify(options.endpoint)}`);
    }
    return new S3Client({
      endpoint: url.toString().replace(/\/$/, ''),
      forcePathStyle: true,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      // S3-compatible servers do not all accept the SDK's newer default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }
  return new S3Client(options.region ? { region: options.region } : {});
}

/** Seeds the bucket with a progress bar on stderr and a summary line on stdout. */
export async function runSeed(options: SeedCliOptions): Promise<void> {
  const sizeBytes = parseSize(options.size);
  const client = seedClient(options);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted; rerun the same command to resume'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'seed [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {parts} objects | {rate} MB/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let barStarted = false;
  let skippedBytes = 0;
  const onProgress = (p: SeedProgress): void => {
    const payload = {
      doneMb: (p.sentBytes / MB).toFixed(0),
      totalMb: (p.totalBytes / MB).toFixed(0),
      parts: `${p.landedParts}/${p.totalParts}${p.skippedParts ? ` (${p.skippedParts} already landed)` : ''}`,
      rate: ((p.sentBytes - skippedBytes) / MB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1),
    };
    if (!barStarted) {
      barStarted = true;
      skippedBytes = p.landedBytes;
      bar.start(Math.round(p.totalBytes), Math.round(p.sentBytes), payload);
    } else bar.update(Math.min(Math.round(p.sentBytes), Math.round(p.totalBytes)), payload);
  };
  try {
    const result = await seedBronze({
      client,
      bucket: options.bucket,
      prefix: options.prefix,
      sizeBytes,
      files: options.files === undefined ? undefined : integer(options.files, '--files', 1),
      seed: integer(options.seed, '--seed', Number.MIN_SAFE_INTEGER),
      batchBytes: parseSize(options.batchSize),
      concurrency: integer(options.concurrency, '--concurrency', 1),
      retries: integer(options.retries, '--retries', 0),
      signal: abort.signal,
      onProgress,
    });
    if (barStarted) bar.stop();
    const seconds = (Date.now() - started) / 1000;
    const sent = result.parts.reduce((sum, p) => sum + p.size, 0) - skippedBytes;
    process.stdout.write(
      `seeded s3://${result.bucket}/${options.prefix}: ${result.parts.length} objects, ${(result.bytes / MB).toFixed(1)} MB ` +
        `(${result.uploaded} uploaded, ${result.skipped} already landed) in ${seconds.toFixed(1)} s` +
        `${result.uploaded > 0 ? ` (${(sent / MB / Math.max(seconds, 0.001)).toFixed(1)} MB/s)` : ''}; manifest s3://${result.bucket}/${result.manifestKey}\n`,
    );
  } catch (error) {
    if (barStarted) bar.stop();
    throw new Error(`seed failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    client.destroy();
  }
}
