import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import test from 'ava';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Uri, S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import { type LocalS3, startS3rver } from './helpers/s3rver.ts';

const BUCKET = 'store-bucket';
const MB = 1024 * 1024;
let s3: LocalS3;

test.before(async () => {
  s3 = await startS3rver([BUCKET]);
});
test.after.always(async () => {
  await s3?.close();
});

function chunks(total: number, chunkSize = 256 * 1024): Readable {
  let sent = 0;
  let n = 0;
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const size = Math.min(chunkSize, total - sent);
      const buf = Buffer.alloc(size, n++ % 251);
      sent += size;
      this.push(buf);
    },
  });
}

test.serial('write streams a multipart upload (small parts), head and read give it back', async (t) => {
  let parts = 0;
  const client = s3.newClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UploadPartCommand') parts++;
      return next(args);
    },
    { step: 'initialize', name: 'countParts' },
  );
  const store = new S3ObjectStore(client, { partSize: 5 * MB, queueSize: 2 });
  const size = 12 * MB + 123;
  const expected = createHash('md5');
  for await (const chunk of chunks(size)) expected.update(chunk as Buffer);
  const written = await store.write({ bucket: BUCKET, key: 'a/big.dat' }, chunks(size));
  t.is(written.size, size);
  t.is(parts, 3, 'three 5 MB parts');
  t.regex(written.etag, /^[0-9a-f]{32}(-\d+)?$/, 'etag without quotes');
  const head = await store.head({ bucket: BUCKET, key: 'a/big.dat' });
  t.deepEqual(head, { size, etag: written.etag });
  const got = createHash('md5');
  for await (const chunk of await store.read({ bucket: BUCKET, key: 'a/big.dat' })) got.update(chunk as Buffer);
  t.is(got.digest('hex'), expected.digest('hex'));
});

test.serial('a small write is one PUT; its etag is the md5 of the content', async (t) => {
  const store = new S3ObjectStore(s3.client);
  const written = await store.write({ bucket: BUCKET, key: 'small/x.txt' }, Readable.from([Buffer.from('hello')]));
  t.deepEqual(written, { size: 5, etag: createHash('md5').update('hello').digest('hex') });
  t.is(await text(await store.read({ bucket: BUCKET, key: 'small/x.txt' })), 'hello');
});

test.serial('missing object: head is undefined, read fails naming the object', async (t) => {
  const store = new S3ObjectStore(s3.client);
  t.is(await store.head({ bucket: BUCKET, key: 'nope/missing.dat' }), undefined);
  await t.throwsAsync(store.read({ bucket: BUCKET, key: 'nope/missing.dat' }), { message: /s3:\/\/store-bucket\/nope\/missing\.dat does not exist/ });
});

test.serial('a failing body fails the write and leaves no object', async (t) => {
  const store = new S3ObjectStore(s3.client, { partSize: 5 * MB });
  const body = new Readable({
    read() {
      this.destroy(new Error('source broke'));
    },
  });
  await t.throwsAsync(store.write({ bucket: BUCKET, key: 'broken/x.dat' }, body), { message: /source broke/ });
  t.is(await store.head({ bucket: BUCKET, key: 'broken/x.dat' }), undefined);
});

test.serial('sizeOfLocation and clearLocation page through more than one listing page', async (t) => {
  const store = new S3ObjectStore(s3.client);
  const keys = Array.from({ length: 1005 }, (_, i) => `many/part-${String(i).padStart(4, '0')}.dat`);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((Key) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'abc' }))));
  }
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'many-other/keep.dat', Body: 'keep me' }));
  t.is(await store.sizeOfLocation(`s3://${BUCKET}/many/`), 1005 * 3);
  await store.clearLocation(`s3://${BUCKET}/many/`);
  t.is(await store.sizeOfLocation(`s3://${BUCKET}/many/`), 0);
  t.is(await store.sizeOfLocation(`s3://${BUCKET}/many-other/`), 7, 'a sibling prefix is untouched');
  await t.notThrowsAsync(store.clearLocation(`s3://${BUCKET}/empty/`));
});

test('parseS3Uri', (t) => {
  t.deepEqual(parseS3Uri('s3://bronze-bucket/silver/batch=1/'), { bucket: 'bronze-bucket', prefix: 'silver/batch=1/' });
  t.deepEqual(parseS3Uri('s3://bronze-bucket'), { bucket: 'bronze-bucket', prefix: '' });
  t.throws(() => parseS3Uri('/tmp/lake/silver'), { message: /not an S3 URI/ });
  t.throws(() => parseS3Uri('s3://Bad_Bucket/x/'), { message: /invalid bucket name/ });
  t.throws(() => parseS3Uri('s3://good-bucket//x/'), { message: /starts with/ });
});

test('clearLocation refuses a whole bucket; tiny parts are refused', async (t) => {
  const store = new S3ObjectStore(s3.client);
  await t.throwsAsync(store.clearLocation(`s3://${BUCKET}/`), { message: /whole bucket/ });
  t.throws(() => new S3ObjectStore(s3.client, { partSize: MB }), { message: /at least/ });
});
