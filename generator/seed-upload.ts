// Seeding bronze through the ObjectStore port: the generator in micro-batches (one `.dat` object
// each), each streamed into the store's write with bounded concurrency and retried with backoff,
// and a manifest beside them so a rerun only writes what is missing. The same run seeds an S3
// bucket (S3ObjectStore: multipart uploads) or a folder (FsObjectStore): see seed-target.ts.
import { addAbortSignal, pipeline, type Readable } from 'node:stream';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import type { ObjectInfo, ObjectStore } from '../handlers/core/ports.ts';
import { resolveDirt, type DirtOverrides } from './dirt-rates.ts';
import { batchStream, planBatches } from './seed-batches.ts';
import {
  batchKey,
  defaultManifestKey,
  landedParts,
  ManifestRecorder,
  normalizePrefix,
  readManifest,
  type ManifestPart,
  type SeedParameters,
} from './seed-manifest.ts';
import { SeedProgressTracker, type SeedProgress } from './seed-progress.ts';
import { KB, MB } from './size.ts';

export { SeedParametersMismatchError, type ManifestPart, type SeedManifest } from './seed-manifest.ts';
export type { SeedProgress } from './seed-progress.ts';

export const DEFAULT_BATCH_BYTES = 64 * MB;
const MIN_BATCH_BYTES = 64 * KB;
const MAX_BACKOFF_MS = 20_000;

/** Where the objects go: a store, its bucket, and how messages name an object there. */
export interface SeedTarget {
  store: ObjectStore;
  bucket: string;
  /** How messages name an object: `s3://bucket/key` or a file path. */
  objectUri: (key: string) => string;
}

export interface SeedOptions extends SeedTarget {
  /** Key prefix of the objects, e.g. 'bronze/'; a '/' is added when missing. Default ''. */
  prefix?: string;
  sizeBytes: number;
  /** Number of micro-batches (objects); default ceil(sizeBytes / batchBytes). */
  files?: number;
  seed: number;
  /** Bytes per micro-batch when `files` is not given; default 64 MB. */
  batchBytes?: number;
  dirt?: DirtOverrides;
  /** Writes in flight at once (and `head` checks when resuming); default 4. */
  concurrency?: number;
  /** Extra attempts per micro-batch after a failure; default 3. */
  retries?: number;
  /** First backoff delay; each retry doubles it, times a random 1 to 2. Default 500 ms. */
  retryBaseMs?: number;
  /** Default `${prefix}_manifest.json`. */
  manifestKey?: string;
  signal?: AbortSignal;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedResult {
  manifestKey: string;
  parts: ManifestPart[];
  uploaded: number;
  skipped: number;
  bytes: number;
}

export class SeedError extends Error {
  constructor(
    message: string,
    readonly landed: number,
    readonly total: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SeedError';
  }
}

function positiveInteger(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got ${value}`);
}

/** Seeds `sizeBytes` of generated `.dat` objects under bucket/prefix, resuming from the manifest. */
export async function seedBronze(opts: SeedOptions): Promise<SeedResult> {
  const { store, bucket, objectUri, seed, sizeBytes, signal } = opts;
  const prefix = normalizePrefix(opts.prefix ?? '');
  const batchBytes = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  const concurrency = opts.concurrency ?? 4;
  const retries = opts.retries ?? 3;
  positiveInteger(batchBytes, 'batchBytes', MIN_BATCH_BYTES);
  positiveInteger(sizeBytes, 'sizeBytes', 1);
  positiveInteger(concurrency, 'concurrency', 1);
  positiveInteger(retries, 'retries', 0);
  const files = opts.files ?? Math.max(1, Math.ceil(sizeBytes / batchBytes));
  const { config, plans } = planBatches(seed, sizeBytes, files, opts.dirt);
  const parameters: SeedParameters = { seed, sizeBytes, files, prefix, dirt: resolveDirt(opts.dirt) };
  const manifestKey = opts.manifestKey ?? defaultManifestKey(prefix);
  const manifestRef = { bucket, key: manifestKey };
  const manifestUri = objectUri(manifestKey);
  const limit = pLimit(concurrency);

  const previous = await readManifest(store, manifestRef, manifestUri, parameters);
  const done = previous ? await landedParts(store, bucket, previous, limit) : new Map<number, ManifestPart>();
  const skipped = done.size;
  const recorder = new ManifestRecorder(store, manifestRef, parameters);
  const progress = new SeedProgressTracker(files, sizeBytes / files, done.values(), opts.onProgress);
  progress.report();
  if (!previous) await recorder.save([], false);

  const writeOnce = async (index: number): Promise<ManifestPart> => {
    const plan = plans[index];
    if (!plan) throw new Error(`no plan for batch ${index}`);
    const key = batchKey(prefix, index);
    // pipeline() ties the two streams' errors together; the abort signal destroys the body, which
    // fails the store's write (an S3 multipart upload is then aborted, a partial file removed).
    const body: Readable = pipeline(batchStream(config, plan), progress.counter(index), () => undefined);
    if (signal) addAbortSignal(signal, body);
    try {
      const info: ObjectInfo = await store.write({ bucket, key }, body);
      return { index, key, size: info.size, etag: info.etag };
    } catch (error) {
      progress.dropped(index);
      throw error;
    } finally {
      body.destroy();
    }
  };
  const writeWithRetries = (index: number): Promise<ManifestPart> =>
    pRetry(() => writeOnce(index), {
      retries,
      minTimeout: opts.retryBaseMs ?? 500,
      maxTimeout: MAX_BACKOFF_MS,
      randomize: true,
      signal,
    });

  let failure: { index: number; error: unknown } | undefined;
  const pending = plans.map((plan) => plan.index).filter((index) => !done.has(index));
  await limit.map(pending, async (index) => {
    if (failure || signal?.aborted) return; // after the first failure, start nothing new
    try {
      const part = await writeWithRetries(index);
      done.set(index, part);
      progress.landed(index, part.size);
      await recorder.save(done.values(), false);
    } catch (error) {
      failure ??= { index, error };
    }
  });
  await recorder.settled();
  if (signal?.aborted) failure = { index: -1, error: signal.reason };

  if (failure) {
    const { index, error } = failure;
    const reason = error instanceof Error ? error.message : String(error);
    const what = index >= 0 ? `micro-batch ${index + 1} (${objectUri(batchKey(prefix, index))})` : 'seeding';
    throw new SeedError(
      `${what} failed: ${reason}; ${done.size} of ${files} objects landed and are recorded in ${manifestUri}; rerun the same command to resume`,
      done.size,
      files,
      { cause: error },
    );
  }
  await recorder.save(done.values(), true);
  const parts = [...done.values()].sort((a, b) => a.index - b.index);
  return { manifestKey, parts, uploaded: files - skipped, skipped, bytes: parts.reduce((sum, p) => sum + p.size, 0) };
}
