// Seeding bronze on S3: the generator in micro-batches (one `.dat` object each), streamed into
// multipart uploads with bounded concurrency, retried with backoff, and a manifest object that
// lists what landed so a rerun after an interruption only does what is missing.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { resolveDirt, type DirtOverrides, type ResolvedDirt } from './dirt-rates.ts';
import { batchStream, planBatches } from './seed-batches.ts';

export const DEFAULT_BATCH_BYTES = 64 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MANIFEST_VERSION = 1;
const MAX_BACKOFF_MS = 20_000;

export interface SeedProgress {
  totalBytes: number;
  /** Bytes in objects that have landed (this run's uploads and the ones skipped). */
  landedBytes: number;
  /** Bytes sent so far, in-flight uploads included. */
  sentBytes: number;
  totalParts: number;
  landedParts: number;
  skippedParts: number;
}

export interface SeedOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of the objects, e.g. 'bronze/'; a '/' is added when missing. Default ''. */
  prefix?: string;
  sizeBytes: number;
  /** Number of micro-batches (objects); default ceil(sizeBytes / batchBytes). */
  files?: number;
  seed: number;
  /** Bytes per micro-batch when `files` is not given; default 64 MB. */
  batchBytes?: number;
  dirt?: DirtOverrides;
  /** Uploads in flight at once; default 4. */
  concurrency?: number;
  /** Extra attempts per micro-batch after a failure; default 3. */
  retries?: number;
  /** First backoff delay; each retry doubles it, with jitter. Default 500 ms. */
  retryBaseMs?: number;
  /** Multipart part size (≥ 5 MB); default 8 MB. */
  partSize?: number;
  /** Parts of one upload in flight; default 2. */
  queueSize?: number;
  /** Default `${prefix}_manifest.json`. */
  manifestKey?: string;
  signal?: AbortSignal;
  onProgress?: (progress: SeedProgress) => void;
}

/** What decides the bytes: a resumed run must use the same. */
export interface SeedParameters {
  seed: number;
  sizeBytes: number;
  files: number;
  prefix: string;
  dirt: ResolvedDirt;
}

export interface ManifestPart {
  index: number;
  key: string;
  size: number;
  etag: string;
}

export interface SeedManifest {
  version: number;
  parameters: SeedParameters;
  parts: ManifestPart[];
  complete: boolean;
  updatedAt: string;
}

export interface SeedResult {
  bucket: string;
  manifestKey: string;
  parts: ManifestPart[];
  uploaded: number;
  skipped: number;
  bytes: number;
}

export class SeedParametersMismatchError extends Error {
  constructor(manifestUri: string, differences: string[]) {
    super(
      `${manifestUri} records a seeding with other parameters (${differences.join('; ')}); ` +
        'rerun with the same parameters to resume, or use another prefix or manifest',
    );
    this.name = 'SeedParametersMismatchError';
  }
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

export function normalizePrefix(prefix: string): string {
  if (prefix.startsWith('/')) throw new Error(`prefix must not start with '/', got "${prefix}"`);
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function batchKey(prefix: string, index: number): string {
  return `${prefix}transactions-${String(index + 1).padStart(5, '0')}.dat`;
}

function differences(a: SeedParameters, b: SeedParameters): string[] {
  const out: string[] = [];
  for (const name of ['seed', 'sizeBytes', 'files', 'prefix'] as const) {
    if (a[name] !== b[name]) out.push(`${name}: ${JSON.stringify(a[name])} there, ${JSON.stringify(b[name])} now`);
  }
  if (JSON.stringify(a.dirt) !== JSON.stringify(b.dirt)) out.push('dirt rates differ');
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

async function readManifest(client: S3Client, bucket: string, key: string): Promise<SeedManifest | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    const manifest = JSON.parse(text) as SeedManifest;
    if (manifest.version !== MANIFEST_VERSION || !manifest.parameters || !Array.isArray(manifest.parts)) {
      throw new Error(`s3://${bucket}/${key} is not a seeding manifest of version ${MANIFEST_VERSION}`);
    }
    return manifest;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Objects under the prefix, by key → { size, etag }: what really landed. */
async function listLanded(client: S3Client, bucket: string, prefix: string): Promise<Map<string, { size: number; etag: string }>> {
  const found = new Map<string, { size: number; etag: string }>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined) found.set(o.Key, { size: o.Size ?? 0, etag: (o.ETag ?? '').replace(/^"|"$/g, '') });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** Seeds `sizeBytes` of generated `.dat` objects under s3://bucket/prefix, resuming from the manifest. */
export async function seedBronze(opts: SeedOptions): Promise<SeedResult> {
  const { client, bucket, seed, sizeBytes, signal } = opts;
  const prefix = normalizePrefix(opts.prefix ?? '');
  const batchBytes = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 64 * 1024) throw new Error(`batchBytes must be at least 64 KB, got ${batchBytes}`);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new Error(`sizeBytes must be a positive integer, got ${sizeBytes}`);
  const files = opts.files ?? Math.max(1, Math.ceil(sizeBytes / batchBytes));
  const concurrency = opts.concurrency ?? 4;
  const retries = opts.retries ?? 3;
  const retryBaseMs = opts.retryBaseMs ?? 500;
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  const queueSize = opts.queueSize ?? 2;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  if (!Number.isSafeInteger(retries) || retries < 0) throw new Error(`retries must be a non-negative integer, got ${retries}`);
  const manifestKey = opts.manifestKey ?? `${prefix}_manifest.json`;
  const manifestUri = `s3://${bucket}/${manifestKey}`;
  const parameters: SeedParameters = { seed, sizeBytes, files, prefix, dirt: resolveDirt(opts.dirt) };
  const { config, plans } = planBatches(seed, sizeBytes, files, opts.dirt);

  // What already landed: the manifest's parts that are still there with the same size and ETag.
  const done = new Map<number, ManifestPart>();
  const previous = await readManifest(client, bucket, manifestKey);
  if (previous) {
    const diff = differences(previous.parameters, parameters);
    if (diff.length > 0) throw new SeedParametersMismatchError(manifestUri, diff);
    const landed = await listLanded(client, bucket, prefix);
    for (const part of previous.parts) {
      const object = landed.get(part.key);
      if (object && object.size === part.size && object.etag === part.etag && part.index < files) done.set(part.index, part);
    }
  }
  const skipped = done.size;

  let manifestChain: Promise<void> = Promise.resolve();
  const saveManifest = (complete: boolean): Promise<void> => {
    const manifest: SeedManifest = {
      version: MANIFEST_VERSION,
      parameters,
      parts: [...done.values()].sort((a, b) => a.index - b.index),
      complete,
      updatedAt: new Date().toISOString(),
    };
    const body = `${JSON.stringify(manifest, null, 2)}\n`;
    manifestChain = manifestChain
      .catch(() => undefined)
      .then(async () => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: manifestKey, Body: body, ContentType: 'application/json' }));
      });
    return manifestChain;
  };

  const progress: SeedProgress = {
    totalBytes: 0,
    landedBytes: 0,
    sentBytes: 0,
    totalParts: files,
    landedParts: done.size,
    skippedParts: skipped,
  };
  for (const part of done.values()) progress.landedBytes += part.size;
  const inFlight = new Map<number, number>();
  const report = (): void => {
    let sending = 0;
    for (const loaded of inFlight.values()) sending += loaded;
    progress.sentBytes = progress.landedBytes + sending;
    opts.onProgress?.({ ...progress });
  };
  // Estimated total: landed sizes where known, the planned average elsewhere.
  progress.totalBytes = progress.landedBytes + (files - done.size) * (sizeBytes / files);
  report();
  if (!previous) await saveManifest(false);

  const uploadOnce = async (index: number): Promise<ManifestPart> => {
    const plan = plans[index];
    if (!plan) throw new Error(`no plan for batch ${index}`);
    const key = batchKey(prefix, index);
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let size = 0;
    const body = batchStream(config, plan, (n) => (size += n));
    try {
      inFlight.set(index, 0);
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' },
        partSize,
        queueSize,
        leavePartsOnError: false,
        abortController: abort,
      });
      upload.on('httpUploadProgress', (p) => {
        if (p.loaded !== undefined) {
          inFlight.set(index, p.loaded);
          report();
        }
      });
      const out = await upload.done();
      const etag = ('ETag' in out ? (out.ETag ?? '') : '').replace(/^"|"$/g, '');
      return { index, key, size, etag };
    } finally {
      body.destroy();
      inFlight.delete(index);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const uploadWithRetries = async (index: number): Promise<ManifestPart> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await uploadOnce(index);
      } catch (error) {
        if (signal?.aborted || attempt >= retries) throw error;
        const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** attempt) * (0.5 + Math.random());
        await sleep(delay, signal);
      }
    }
  };

  const pending = plans.map((plan) => plan.index).filter((index) => !done.has(index));
  let next = 0;
  let failure: { index: number; error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < pending.length) {
      if (signal?.aborted) {
        failure = { index: -1, error: signal.reason };
        return;
      }
      const index = pending[next++] as number;
      try {
        const part = await uploadWithRetries(index);
        done.set(index, part);
        progress.landedBytes += part.size;
        progress.landedParts++;
        report();
        await saveManifest(false);
      } catch (error) {
        failure ??= { index, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, worker));
  await manifestChain.catch(() => undefined);

  if (failure) {
    const { index, error } = failure;
    const reason = error instanceof Error ? error.message : String(error);
    const what = index >= 0 ? `micro-batch ${index + 1} (${batchKey(prefix, index)})` : 'seeding';
    throw new SeedError(
      `${what} failed: ${reason}; ${done.size} of ${files} objects landed and are recorded in ${manifestUri}; rerun the same command to resume`,
      done.size,
      files,
      { cause: error },
    );
  }
  await saveManifest(true);
  const parts = [...done.values()].sort((a, b) => a.index - b.index);
  return { bucket, manifestKey, parts, uploaded: files - skipped, skipped, bytes: parts.reduce((sum, p) => sum + p.size, 0) };
}
