// The work of `procureflow seed`, loaded only when the command runs, so that other commands
// never pay for the AWS SDK.
import { S3Client } from '@aws-sdk/client-s3';
import { folderSeedTarget, s3SeedTarget } from '../generator/seed-target.ts';
import { seedBronze, type SeedProgress, type SeedTarget } from '../generator/seed-upload.ts';
import { MB } from '../generator/size.ts';
import { byteProgress, type Progress } from './progress.ts';

/** The options as commander hands them over (sizes and integers already parsed). */
export interface SeedCliOptions {
  bucket?: string;
  out?: string;
  prefix: string;
  size: number;
  files?: number;
  seed: number;
  batchSize: number;
  concurrency: number;
  retries: number;
  endpoint?: string;
  region?: string;
}

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

/** --out seeds a folder, --bucket a bucket (commander refuses both). */
function seedTarget(options: SeedCliOptions): { target: SeedTarget; close: () => void } {
  if (options.out !== undefined) return { target: folderSeedTarget(options.out), close: () => undefined };
  if (options.bucket === undefined) throw new Error('seed needs --bucket (an S3 bucket) or --out (a folder)');
  const client = seedClient(options);
  return { target: s3SeedTarget(client, options.bucket), close: () => client.destroy() };
}

/**
 * The shared byte bar, over what this run writes: a resumed run's bar starts at zero on the bytes
 * still missing (so rate and ETA are this run's), with the objects landed so far beside it.
 */
function seedBar(): { onProgress: (p: SeedProgress) => void; complete: () => void; stop: () => void; skippedBytes: () => number } {
  let bar: Progress | undefined;
  let skippedBytes: number | undefined;
  const onProgress = (p: SeedProgress): void => {
    if (skippedBytes === undefined) {
      skippedBytes = p.landedBytes;
      // Nothing left to write (a rerun of a finished seeding): no bar, just the summary line.
      if (p.landedParts < p.totalParts) bar = byteProgress('seed', Math.round(p.totalBytes - skippedBytes));
    }
    const objects = `${p.landedParts}/${p.totalParts} objects${p.skippedParts ? ` (${p.skippedParts} already landed)` : ''}`;
    bar?.update(Math.round(p.sentBytes - skippedBytes), objects);
  };
  return { onProgress, complete: () => bar?.complete(), stop: () => bar?.stop(), skippedBytes: () => skippedBytes ?? 0 };
}

/** Seeds the bucket or folder with a progress bar on stderr and a summary line on stdout. */
export async function runSeed(options: SeedCliOptions): Promise<void> {
  const { target, close } = seedTarget(options);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted; rerun the same command to resume'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = seedBar();
  const started = Date.now();
  try {
    const result = await seedBronze({
      ...target,
      prefix: options.prefix,
      sizeBytes: options.size,
      files: options.files,
      seed: options.seed,
      batchBytes: options.batchSize,
      concurrency: options.concurrency,
      retries: options.retries,
      signal: abort.signal,
      onProgress: bar.onProgress,
    });
    bar.complete(); // the total was an estimate (objects end on a line)
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    const sent = result.bytes - bar.skippedBytes();
    process.stdout.write(
      `seeded ${target.objectUri(options.prefix)}: ${result.parts.length} objects, ${(result.bytes / MB).toFixed(1)} MB ` +
        `(${result.uploaded} uploaded, ${result.skipped} already landed) in ${seconds.toFixed(1)} s` +
        `${result.uploaded > 0 ? ` (${(sent / MB / Math.max(seconds, 0.001)).toFixed(1)} MB/s)` : ''}; manifest ${target.objectUri(result.manifestKey)}\n`,
    );
  } catch (error) {
    bar.stop();
    throw new Error(`seed failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    close();
  }
}
