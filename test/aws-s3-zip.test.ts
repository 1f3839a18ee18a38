import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import test from 'ava';
import { S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { unpackZip, ZipRefusedError } from '../handlers/core/zip-landing.ts';
import { writeZip, type ZipMember } from '../generator/zip-writer.ts';
import { type LocalS3, startS3rver } from './helpers/s3rver.ts';

const BUCKET = 'zip-bronze';
let s3: LocalS3;
let store: S3ObjectStore;
let work: string;

test.before(async () => {
  s3 = await startS3rver([BUCKET]);
  store = new S3ObjectStore(s3.client, { partSize: 5 * 1024 * 1024, queueSize: 2 });
  work = await mkdtemp(path.join(tmpdir(), 'procureflow-zip-test-'));
});
test.after.always(async () => {
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Builds a zip locally and lands it in bronze through the store. */
async function land(key: string, members: ZipMember[]): Promise<{ bucket: string; key: string }> {
  const file = path.join(work, `${path.basename(key)}-${Math.random().toString(36).slice(2)}.zip`);
  await writeZip(file, members);
  const ref = { bucket: BUCKET, key };
  await store.write(ref, createReadStream(file));
  return ref;
}

const DAT_A = 'transaction_id|x\n1|a\n2|b\n';
const DAT_B = 'transaction_id|x\n3|c\n'.repeat(50);

test.serial('the .dat members land beside the archive; README.txt is skipped; ../evil.dat is refused', async (t) => {
  const ref = await land('bronze/extract.zip', [
    { name: 'day1.dat', data: DAT_A },
    { name: 'nested/day2.dat', data: DAT_B, method: 'store' },
    { name: 'README.txt', data: 'not data' },
    { name: '../evil.dat', data: 'evil' },
  ]);
  const result = await unpackZip({ ref }, store, silentLog, undefined, work);
  t.deepEqual(
    result.landed.map((l) => l.ref.key),
    ['bronze/extract.unzipped/day1.dat', 'bronze/extract.unzipped/nested/day2.dat'],
  );
  t.deepEqual(result.skipped, ['README.txt']);
  t.deepEqual(result.refused.map((r) => r.entry), ['../evil.dat']);
  t.regex(result.refused[0]?.reason ?? '', /\.\./);
  t.is(await text(await store.read({ bucket: BUCKET, key: 'bronze/extract.unzipped/day1.dat' })), DAT_A);
  t.is(await text(await store.read({ bucket: BUCKET, key: 'bronze/extract.unzipped/nested/day2.dat' })), DAT_B);
  const headB = await store.head({ bucket: BUCKET, key: 'bronze/extract.unzipped/nested/day2.dat' });
  t.is(headB?.size, DAT_B.length);
  t.is(result.landed[1]?.size, DAT_B.length);
  t.is(result.landed[1]?.etag, headB?.etag);
  // Nothing was written outside the archive's folder, nor for README/evil.
  t.is(await store.head({ bucket: BUCKET, key: 'evil.dat' }), undefined);
  t.is(await store.head({ bucket: BUCKET, key: 'bronze/evil.dat' }), undefined);
  t.is(await store.head({ bucket: BUCKET, key: 'bronze/extract.unzipped/README.txt' }), undefined);
  t.is(await store.sizeOfLocation(`s3://${BUCKET}/bronze/extract.unzipped/`), DAT_A.length + DAT_B.length);
});

test.serial('a zip bomb (a member expanding far beyond the ratio limit) is refused before anything lands', async (t) => {
  const ref = await land('bronze/bomb.zip', [
    { name: 'ok.dat', data: DAT_A },
    { name: 'bomb.dat', data: Buffer.alloc(8 * 1024 * 1024) }, // 8 MB of zeros deflate to ~8 KB: ~1000×
  ]);
  const error = await t.throwsAsync(unpackZip({ ref }, store, silentLog, undefined, work), { instanceOf: ZipRefusedError });
  t.regex(error?.message ?? '', /bomb\.dat expands \d+×/);
  t.is(await store.sizeOfLocation(`s3://${BUCKET}/bronze/bomb.unzipped/`), 0, 'not even the healthy member landed');
});

test.serial('a missing archive is a read failure naming its key, not a refusal: reading is retried, only the archive’s own content is judged once', async (t) => {
  const error = await t.throwsAsync(unpackZip({ ref: { bucket: BUCKET, key: 'bronze/absent.zip' } }, store, silentLog, undefined, work), {
    message: /bronze\/absent\.zip does not exist/,
  });
  t.false(error instanceof ZipRefusedError);
});
