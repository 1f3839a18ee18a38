import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import test from 'ava';
import { batchStream, planBatches } from '../generator/seed-batches.ts';
import { s3SeedTarget } from '../generator/seed-target.ts';
import { seedBronze, SeedError, SeedParametersMismatchError, type SeedManifest, type SeedOptions } from '../generator/seed-upload.ts';
import { KB, MB } from '../generator/size.ts';
import { type LocalS3, startS3rver } from './helpers/s3rver.ts';

const BUCKET = 'seed-bronze';
const SIZE = 3 * 1024 * KB;
const BATCH = 512 * KB;
let s3: LocalS3;

test.before(async () => {
  s3 = await startS3rver([BUCKET]);
});
test.after.always(async () => {
  await s3?.close();
});

interface Spy {
  client: S3Client;
  /** .dat upload attempts (PutObject or CreateMultipartUpload). */
  uploads: string[];
  /** Every command sent, by name, in order. */
  commands: string[];
}

/** A client that counts .dat uploads and, from upload number `failFrom` on, fails `failTimes` of them. */
function spyClient(failFrom = Infinity, failTimes = Infinity): Spy {
  const client = s3.newClient();
  const uploads: string[] = [];
  const commands: string[] = [];
  let failed = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      commands.push(context.commandName ?? '?');
      if ((context.commandName === 'PutObjectCommand' || context.commandName === 'CreateMultipartUploadCommand') && input.Key?.endsWith('.dat')) {
        uploads.push(input.Key);
        if (uploads.length >= failFrom && failed < failTimes) {
          failed++;
          throw new Error(`injected failure on ${input.Key}`);
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'spy' },
  );
  return { client, uploads, commands };
}

function options(client: S3Client, prefix: string, extra: Partial<SeedOptions> = {}): SeedOptions {
  return { ...s3SeedTarget(client, BUCKET), prefix, sizeBytes: SIZE, seed: 7, batchBytes: BATCH, concurrency: 2, retries: 0, retryBaseMs: 1, ...extra };
}

async function objects(prefix: string): Promise<Map<string, { size: number; etag: string }>> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return new Map((out.Contents ?? []).map((o) => [o.Key ?? '', { size: o.Size ?? 0, etag: o.ETag ?? '' }]));
}

async function manifest(key: string): Promise<SeedManifest> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await out.Body?.transformToString()) ?? '') as SeedManifest;
}

test.serial('an interrupted seeding resumes: landed parts are skipped and the objects equal an uninterrupted run', async (t) => {
  // Reference: one uninterrupted run.
  const reference = spyClient();
  const full = await seedBronze(options(reference.client, 'ref/'));
  t.is(full.parts.length, 6, '3 MB in 512 KB micro-batches');
  t.is(reference.uploads.length, 6);
  t.is(full.skipped, 0);
  const total = full.parts.reduce((sum, p) => sum + p.size, 0);
  t.true(Math.abs(total - SIZE) / SIZE < 0.02, `about 3 MB, got ${total}`);

  // Interrupted: the 4th upload fails (no retries), the run stops.
  const broken = spyClient(4);
  const progress: number[] = [];
  const error = await t.throwsAsync(seedBronze(options(broken.client, 'run/', { onProgress: (p) => progress.push(p.landedParts) })), {
    instanceOf: SeedError,
  });
  t.regex(error?.message ?? '', /injected failure/);
  t.regex(error?.message ?? '', /rerun the same command to resume/);
  const interrupted = await manifest('run/_manifest.json');
  t.false(interrupted.complete);
  const landed = interrupted.parts.length;
  t.true(landed >= 3 && landed < 6, `3 or 4 parts landed before the stop, got ${landed}`);
  t.is(error instanceof SeedError ? error.landed : -1, landed);
  t.is((await objects('run/')).size - 1, landed, 'only manifest-listed objects (+ manifest) exist');
  t.true(progress.length > 0);

  // Resume: only the missing parts are uploaded.
  const resumed = spyClient();
  const result = await seedBronze(options(resumed.client, 'run/'));
  t.is(resumed.uploads.length, 6 - landed);
  t.is(result.skipped, landed);
  t.is(result.uploaded, 6 - landed);
  const interruptedKeys = new Set(interrupted.parts.map((p) => p.key));
  t.true(resumed.uploads.every((key) => !interruptedKeys.has(key)), 'no landed part was uploaded again');

  // Same bytes as the uninterrupted run, object by object.
  const ref = await objects('ref/');
  const run = await objects('run/');
  for (const part of full.parts) {
    const twin = run.get(part.key.replace(/^ref\//, 'run/'));
    t.deepEqual(twin, ref.get(part.key), part.key);
    t.is(twin?.etag.replace(/"/g, ''), part.etag);
  }

  const final = await manifest('run/_manifest.json');
  t.true(final.complete);
  t.deepEqual(final.parameters.seed, 7);
  t.deepEqual(final.parameters.sizeBytes, SIZE);
  t.deepEqual(final.parameters.files, 6);
  t.deepEqual(final.parameters.prefix, 'run/');
  t.deepEqual(
    final.parts.map((p) => [p.index, p.key]),
    Array.from({ length: 6 }, (_, i) => [i, `run/transactions-0000${i + 1}.dat`]),
  );
  t.deepEqual(
    final.parts.map((p) => [p.size, p.etag]),
    full.parts.map((p) => [p.size, p.etag]),
  );

  // A third run has nothing to do: it reads the manifest, checks each part with HeadObject (the
  // port has no listing) and records the manifest complete again.
  const again = spyClient();
  const noop = await seedBronze(options(again.client, 'run/'));
  t.is(again.uploads.length, 0);
  t.is(noop.skipped, 6);
  t.deepEqual(again.commands, ['HeadObjectCommand', 'GetObjectCommand', ...Array<string>(6).fill('HeadObjectCommand'), 'PutObjectCommand']);
});

test.serial('a part that vanished from the bucket is uploaded again on rerun', async (t) => {
  await seedBronze(options(s3.client, 'gone/'));
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone/transactions-00002.dat' }));
  const spy = spyClient();
  const result = await seedBronze(options(spy.client, 'gone/'));
  t.deepEqual(spy.uploads, ['gone/transactions-00002.dat']);
  t.is(result.skipped, 5);
});

test.serial('a part overwritten with other bytes is uploaded again on rerun', async (t) => {
  await seedBronze(options(s3.client, 'changed/'));
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'changed/transactions-00005.dat', Body: 'not the seeded bytes' }));
  const spy = spyClient();
  const result = await seedBronze(options(spy.client, 'changed/'));
  t.deepEqual(spy.uploads, ['changed/transactions-00005.dat']);
  t.is(result.skipped, 5);
  t.is((await objects('changed/')).get('changed/transactions-00005.dat')?.size, result.parts[4]?.size);
});

test.serial('an interrupted run (abort signal) stops, records what landed, and resumes', async (t) => {
  const abort = new AbortController();
  const onProgress = (p: { landedParts: number }): void => {
    if (p.landedParts === 2) abort.abort(new Error('interrupted; rerun the same command to resume'));
  };
  const error = await t.throwsAsync(seedBronze(options(s3.client, 'abort/', { signal: abort.signal, onProgress })), { instanceOf: SeedError });
  t.regex(error?.message ?? '', /^seeding failed: interrupted/);
  const recorded = await manifest('abort/_manifest.json');
  t.false(recorded.complete);
  t.true(recorded.parts.length >= 2 && recorded.parts.length < 6, `2 or 3 parts landed, got ${recorded.parts.length}`);
  const spy = spyClient();
  const result = await seedBronze(options(spy.client, 'abort/'));
  t.is(result.skipped, recorded.parts.length);
  t.is(spy.uploads.length, 6 - recorded.parts.length);
  t.true((await manifest('abort/_manifest.json')).complete);
});

test.serial('an object larger than the part size goes up as a multipart upload of 8 MB parts', async (t) => {
  const spy = spyClient();
  const result = await seedBronze(options(spy.client, 'multipart/', { sizeBytes: 12 * MB, batchBytes: 12 * MB }));
  t.is(result.parts.length, 1);
  const parts = spy.commands.filter((name) => name === 'UploadPartCommand').length;
  t.is(parts, 2, '12 MB in 8 MB parts');
  t.deepEqual(
    spy.commands.filter((name) => name.includes('Multipart')),
    ['CreateMultipartUploadCommand', 'CompleteMultipartUploadCommand'],
  );
  const landed = (await objects('multipart/')).get('multipart/transactions-00001.dat');
  t.deepEqual(landed, { size: result.parts[0]?.size, etag: `"${result.parts[0]?.etag}"` }, 'the manifest records what the bucket holds');
});

test.serial('different parameters refuse to resume', async (t) => {
  await seedBronze(options(s3.client, 'params/', { sizeBytes: 1024 * KB }));
  const spy = spyClient();
  const error = await t.throwsAsync(seedBronze(options(spy.client, 'params/', { sizeBytes: 1024 * KB, seed: 8 })), {
    instanceOf: SeedParametersMismatchError,
  });
  t.regex(error?.message ?? '', /seed: 7 there, 8 now/);
  await t.throwsAsync(seedBronze(options(spy.client, 'params/', { sizeBytes: 2048 * KB })), { instanceOf: SeedParametersMismatchError, message: /sizeBytes/ });
  t.is(spy.uploads.length, 0);
});

test.serial('a transient failure is retried with backoff and lands', async (t) => {
  const spy = spyClient(2, 2); // the 2nd and 3rd attempts fail once each
  const result = await seedBronze(options(spy.client, 'retry/', { sizeBytes: 1024 * KB, concurrency: 1, retries: 2 }));
  t.is(result.parts.length, 2);
  t.is(spy.uploads.length, 4, '2 parts + 2 failed attempts');
  t.true((await manifest('retry/_manifest.json')).complete);
});

test('micro-batch k depends only on the seed and k, not on the run', async (t) => {
  const digest = async (seed: number, index: number): Promise<string> => {
    const { config, plans } = planBatches(seed, SIZE, 6);
    const hash = createHash('md5');
    for await (const chunk of batchStream(config, plans[index]!)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  };
  t.is(await digest(7, 3), await digest(7, 3));
  t.not(await digest(7, 3), await digest(7, 4));
  t.not(await digest(7, 3), await digest(8, 3));
});
