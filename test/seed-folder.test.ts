// Seeding a folder is the same operation as seeding S3: same objects, same bytes, same manifest
// and resume rules, through FsObjectStore instead of S3ObjectStore.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import test, { type ExecutionContext } from 'ava';
import { generateDataset } from '../generator/generate.ts';
import type { ObjectStore } from '../handlers/core/ports.ts';
import { folderSeedTarget, s3SeedTarget } from '../generator/seed-target.ts';
import { seedBronze, type SeedOptions, type SeedProgress, type SeedTarget } from '../generator/seed-upload.ts';
import { KB } from '../generator/size.ts';
import { startS3rver } from './helpers/s3rver.ts';

const SIZE = 2048 * KB;
const BATCH = 512 * KB;

async function scratch(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-seed-folder-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function options(target: SeedTarget, extra: Partial<SeedOptions> = {}): SeedOptions {
  return { ...target, sizeBytes: SIZE, seed: 7, batchBytes: BATCH, concurrency: 2, retries: 0, retryBaseMs: 1, ...extra };
}

/** The folder target with its store's writes recorded (the real FsObjectStore underneath). */
function recordingWrites(target: SeedTarget): { target: SeedTarget; writes: string[] } {
  const writes: string[] = [];
  const store: ObjectStore = {
    head: (ref) => target.store.head(ref),
    read: (ref) => target.store.read(ref),
    write: (ref, body) => {
      writes.push(ref.key);
      return target.store.write(ref, body);
    },
    clearLocation: (location) => target.store.clearLocation(location),
    sizeOfLocation: (location) => target.store.sizeOfLocation(location),
  };
  return { target: { ...target, store }, writes };
}

const md5 = (data: Buffer | Uint8Array): string => createHash('md5').update(data).digest('hex');

test('seeding a folder gives byte-identical objects to seeding S3 with the same seed', async (t) => {
  const s3 = await startS3rver(['bronze']);
  t.teardown(() => s3.close());
  const dir = await scratch(t);
  const inBucket = await seedBronze(options(s3SeedTarget(s3.client, 'bronze'), { prefix: 'landing/' }));
  const inFolder = await seedBronze(options(folderSeedTarget(dir), { prefix: 'landing/' }));

  t.deepEqual(
    inFolder.parts.map((p) => [p.index, p.key, p.size]),
    inBucket.parts.map((p) => [p.index, p.key, p.size]),
  );
  t.is(inFolder.parts.length, 4);
  for (const part of inBucket.parts) {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'bronze', Key: part.key }));
    const fromBucket = await object.Body?.transformToByteArray();
    const fromFolder = await readFile(path.join(dir, part.key));
    t.is(md5(fromFolder), md5(fromBucket ?? new Uint8Array()), part.key);
    t.is(fromFolder.length, part.size);
  }
  t.deepEqual((await readdir(path.join(dir, 'landing'))).sort(), [
    '_manifest.json',
    'transactions-00001.dat',
    'transactions-00002.dat',
    'transactions-00003.dat',
    'transactions-00004.dat',
  ]);
});

test('seeding a folder and `generate` with the same size, files and seed write the same bytes', async (t) => {
  const dir = await scratch(t);
  const seeded = await seedBronze(options(folderSeedTarget(path.join(dir, 'seeded')), { files: 3 }));
  const generated = await generateDataset({ sizeBytes: SIZE, files: 3, seed: 7, outDir: path.join(dir, 'generated'), concurrency: 1 });
  t.is(seeded.parts.length, 3);
  for (const [i, part] of seeded.parts.entries()) {
    const file = generated[i]?.path ?? '';
    t.is(md5(await readFile(path.join(dir, 'seeded', part.key))), md5(await readFile(file)), `${part.key} = ${path.basename(file)}`);
  }
});

test('a folder resumes by the same rules: only a missing or changed object is written again', async (t) => {
  const dir = await scratch(t);
  const first = await seedBronze(options(folderSeedTarget(dir)));
  t.is(first.uploaded, 4);
  await unlink(path.join(dir, 'transactions-00002.dat'));
  await truncate(path.join(dir, 'transactions-00004.dat'), 100);

  const { target, writes } = recordingWrites(folderSeedTarget(dir));
  const again = await seedBronze(options(target));
  t.deepEqual(writes.filter((key) => key.endsWith('.dat')).sort(), ['transactions-00002.dat', 'transactions-00004.dat']);
  t.is(again.skipped, 2);
  t.deepEqual(
    again.parts.map((p) => [p.size, p.etag]),
    first.parts.map((p) => [p.size, p.etag]),
  );
  const manifest = JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as { complete: boolean; parts: unknown[] };
  t.true(manifest.complete);
  t.is(manifest.parts.length, 4);
});

test('progress counts the bytes handed to the store before each object lands', async (t) => {
  const dir = await scratch(t);
  const seen: SeedProgress[] = [];
  const result = await seedBronze(options(folderSeedTarget(dir), { concurrency: 1, onProgress: (p) => seen.push(p) }));
  const last = seen.at(-1);
  t.is(last?.landedParts, 4);
  t.is(last?.landedBytes, result.bytes);
  t.is(last?.sentBytes, result.bytes);
  // One object at a time: while object k is written, its counted bytes sit between the landed total and the next.
  t.true(
    seen.some((p) => p.sentBytes > p.landedBytes && p.landedParts < 4),
    'in-flight bytes are counted before their object lands',
  );
  for (let i = 1; i < seen.length; i++) t.true((seen[i]?.sentBytes ?? 0) >= (seen[i - 1]?.sentBytes ?? 0), `sent bytes never go back (event ${i})`);
});

test('a folder target keeps keys inside the folder and has one bucket', async (t) => {
  const dir = await scratch(t);
  const { store, bucket } = folderSeedTarget(path.join(dir, 'out'));
  await t.throwsAsync(store.write({ bucket, key: '../outside.dat' }, Readable.from(['x'])), { message: /escapes/ });
  await t.throwsAsync(store.write({ bucket: 'bronze', key: 'x.dat' }, Readable.from(['x'])), { message: /one bucket/ });
  t.deepEqual(await readdir(dir), [], 'nothing was written');
});
