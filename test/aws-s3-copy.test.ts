// S3ObjectStore.copy with aws-sdk-client-mock: one CopyObject up to 5 GB, a multipart copy above
// (S3 "Copying an object using multipart upload": objects over 5 GB need Upload Part (Copy)), and an
// abort when a part fails so no parts are left behind.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import { COPY_PART_BYTES, MAX_SINGLE_COPY_BYTES, S3ObjectStore } from '../handlers/aws/s3-object-store.ts';

const GiB = 1024 ** 3;
const from = { bucket: 'pf-bronze', key: 'landing/a b+c/_x.DAT.GZ' };
const to = { bucket: 'pf-silver', key: '_work/landed-copies/t/t.dat.gz' };
const source = 'pf-bronze/landing/a%20b%2Bc/_x.DAT.GZ';

function setup() {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  return { mock: mockClient(client), store: new S3ObjectStore(client) };
}

test('5 GB exactly is one CopyObject with the URL-encoded copy source', async (t) => {
  const { mock, store } = setup();
  mock.on(CopyObjectCommand).resolves({});
  await store.copy(from, to, MAX_SINGLE_COPY_BYTES);
  t.is(MAX_SINGLE_COPY_BYTES, 5 * GiB);
  t.deepEqual(mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input), [{ Bucket: 'pf-silver', Key: to.key, CopySource: source }]);
  t.is(mock.commandCalls(CreateMultipartUploadCommand).length, 0);
});

test('one byte over 5 GB is a multipart copy of byte ranges, completed with every part in order', async (t) => {
  const { mock, store } = setup();
  const size = 5 * GiB + 1;
  mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
  mock.on(UploadPartCopyCommand).callsFake((input) => ({ CopyPartResult: { ETag: `"p${input.PartNumber}"` } }));
  mock.on(CompleteMultipartUploadCommand).resolves({});
  await store.copy(from, to, size);
  t.is(mock.commandCalls(CopyObjectCommand).length, 0);
  const parts = mock.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
  const expectedCount = Math.ceil(size / COPY_PART_BYTES);
  t.is(parts.length, expectedCount);
  t.deepEqual(parts[0], { Bucket: 'pf-silver', Key: to.key, UploadId: 'u-1', PartNumber: 1, CopySource: source, CopySourceRange: `bytes=0-${COPY_PART_BYTES - 1}` });
  t.deepEqual(parts.at(-1)?.CopySourceRange, `bytes=${(expectedCount - 1) * COPY_PART_BYTES}-${size - 1}`);
  t.deepEqual(mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input, {
    Bucket: 'pf-silver',
    Key: to.key,
    UploadId: 'u-1',
    MultipartUpload: { Parts: parts.map((p) => ({ ETag: `"p${p.PartNumber}"`, PartNumber: p.PartNumber })) },
  });
});

test('a failed part aborts the multipart copy and the error reaches the caller', async (t) => {
  const { mock, store } = setup();
  mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-2' });
  mock.on(UploadPartCopyCommand).resolvesOnce({ CopyPartResult: { ETag: '"p1"' } }).rejects(new Error('InternalError'));
  mock.on(AbortMultipartUploadCommand).resolves({});
  await t.throwsAsync(store.copy(from, to, 6 * GiB), { message: 'InternalError' });
  t.deepEqual(mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input), [{ Bucket: 'pf-silver', Key: to.key, UploadId: 'u-2' }]);
  t.is(mock.commandCalls(CompleteMultipartUploadCommand).length, 0);
});
