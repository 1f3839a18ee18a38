// The Glue catalog with aws-sdk-client-mock: the exact table and partition inputs, idempotency
// (AlreadyExists is success, EntityNotFound is absence), and the safe copies of landed keys Athena
// cannot read as is (hidden base name, upper-case `.GZ`), made and removed with exact S3 calls.
import {
  AlreadyExistsException,
  CreatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  InternalServiceException,
} from '@aws-sdk/client-glue';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectRef, ObjectStore } from '../handlers/core/ports.ts';
import { GlueCatalog, manifestBody } from '../handlers/aws/glue-catalog.ts';
import { S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

const $metadata = {};
const notFound = () => new EntityNotFoundException({ message: 'not found', $metadata });
const exists = () => new AlreadyExistsException({ message: 'exists', $metadata });

class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  async head(): Promise<ObjectInfo | undefined> {
    return undefined;
  }
  async read(): Promise<Readable> {
    throw new Error('not used');
  }
  async write(ref: ObjectRef, body: Readable): Promise<ObjectInfo> {
    let text = '';
    for await (const chunk of body) text += String(chunk);
    this.objects.set(`s3://${ref.bucket}/${ref.key}`, text);
    return { size: text.length, etag: 'e' };
  }
  async clearLocation(): Promise<void> {}
  async sizeOfLocation(): Promise<number> {
    return 0;
  }
}

const parquetDescriptor = {
  Columns: [{ Name: 'raw_line', Type: 'string' }],
  Location: 's3://pf-silver/raw_transactions/',
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
  Compressed: true,
};

function setup() {
  const client = new GlueClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const store = new MemoryStore();
  const catalog = new GlueCatalog({ client, store, database: 'procureflow_db', buckets: { silver: 'pf-silver', gold: 'pf-gold' } });
  return { mock, store, catalog };
}

test('names and locations follow the layers', (t) => {
  const { catalog } = setup();
  t.is(catalog.tableName('cleaned_transactions'), 'procureflow_db.cleaned_transactions');
  t.is(catalog.partitionLocation('raw_transactions', 'b_1'), 's3://pf-silver/raw_transactions/batch_id=b_1/');
  t.is(catalog.partitionLocation('cleaned_transactions', 'b_1'), 's3://pf-gold/cleaned_transactions/batch_id=b_1/');
  t.is(catalog.partitionLocation('rejected_transactions', 'b_1'), 's3://pf-gold/rejected_transactions/batch_id=b_1/');
  t.throws(() => catalog.partitionLocation('raw_transactions', "b'; --"), { message: /unsafe SQL identifier/ });
});

test('registerLandedFile writes a one-line symlink manifest and creates the exact text table', async (t) => {
  const { mock, store, catalog } = setup();
  mock.on(CreateTableCommand).resolves({});
  await catalog.registerLandedFile('bronze_sales_1', { bucket: 'pf-bronze', key: 'landing/Sales 2026.dat.gz' });
  t.deepEqual([...store.objects], [['s3://pf-silver/_work/landed/bronze_sales_1/manifest', 's3://pf-bronze/landing/Sales 2026.dat.gz\n']]);
  const calls = mock.commandCalls(CreateTableCommand);
  t.is(calls.length, 1);
  t.deepEqual(calls[0]?.args[0].input, {
    DatabaseName: 'procureflow_db',
    TableInput: {
      Name: 'bronze_sales_1',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { EXTERNAL: 'TRUE', classification: 'text', procureflow_source: 's3://pf-bronze/landing/Sales 2026.dat.gz' },
      StorageDescriptor: {
        Columns: [{ Name: 'line', Type: 'string' }],
        Location: 's3://pf-silver/_work/landed/bronze_sales_1/',
        InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
          Parameters: {
            'field.delim': '\u0001',
            'serialization.format': '\u0001',
            'serialization.last.column.takes.rest': 'true',
            'serialization.null.format': '\n',
          },
        },
      },
    },
  });
  const table = calls[0]?.args[0].input.TableInput;
  t.false(JSON.stringify(table).includes('skip.header'), 'the SQL skips header lines itself');
});

test('registerLandedFile: AlreadyExists is success, other errors are not', async (t) => {
  const { mock, catalog } = setup();
  mock.on(CreateTableCommand).rejectsOnce(exists()).rejects(new InternalServiceException({ message: 'boom', $metadata }));
  await catalog.registerLandedFile('bronze_x', { bucket: 'pf-bronze', key: 'a.dat' });
  await t.throwsAsync(catalog.registerLandedFile('bronze_x', { bucket: 'pf-bronze', key: 'a.dat' }), { message: 'boom' });
});

test('a key with a line break cannot be listed in a manifest', (t) => {
  t.throws(() => manifestBody({ bucket: 'b', key: 'a\nb.dat' }), { message: /control character/ });
});

test('dropWorkTable deletes the table, qualified or not, and ignores EntityNotFound', async (t) => {
  const { mock, catalog } = setup();
  mock.on(DeleteTableCommand).rejectsOnce(notFound()).resolves({});
  await catalog.dropWorkTable('stage_silver_b');
  await catalog.dropWorkTable('procureflow_db.stage_gold_b');
  t.deepEqual(mock.commandCalls(DeleteTableCommand).map((call) => call.args[0].input), [
    { DatabaseName: 'procureflow_db', Name: 'stage_silver_b' },
    { DatabaseName: 'procureflow_db', Name: 'stage_gold_b' },
  ]);
  await t.throwsAsync(catalog.dropWorkTable('other_db.t'), { message: /not in database procureflow_db/ });
});

test('registerPartition copies the lake table’s storage descriptor with the batch location, once per table', async (t) => {
  const { mock, catalog } = setup();
  mock.on(GetTableCommand).resolves({ Table: { Name: 'raw_transactions', StorageDescriptor: parquetDescriptor } });
  mock.on(CreatePartitionCommand).resolvesOnce({}).rejects(exists());
  await catalog.registerPartition('raw_transactions', 'b_1', { procureflow_figures: '{}' });
  await catalog.registerPartition('raw_transactions', 'b_2');
  t.is(mock.commandCalls(GetTableCommand).length, 1);
  t.deepEqual(mock.commandCalls(GetTableCommand)[0]?.args[0].input, { DatabaseName: 'procureflow_db', Name: 'raw_transactions' });
  t.deepEqual(mock.commandCalls(CreatePartitionCommand).map((call) => call.args[0].input), [
    {
      DatabaseName: 'procureflow_db',
      TableName: 'raw_transactions',
      PartitionInput: {
        Values: ['b_1'],
        StorageDescriptor: { ...parquetDescriptor, Location: 's3://pf-silver/raw_transactions/batch_id=b_1/' },
        Parameters: { procureflow_figures: '{}' },
      },
    },
    {
      DatabaseName: 'procureflow_db',
      TableName: 'raw_transactions',
      PartitionInput: {
        Values: ['b_2'],
        StorageDescriptor: { ...parquetDescriptor, Location: 's3://pf-silver/raw_transactions/batch_id=b_2/' },
        Parameters: {},
      },
    },
  ]);
});

test('partitionParameters returns the parameters, or undefined when the partition is not registered', async (t) => {
  const { mock, catalog } = setup();
  mock
    .on(GetPartitionCommand, { DatabaseName: 'procureflow_db', TableName: 'cleaned_transactions', PartitionValues: ['b_1'] })
    .resolves({ Partition: { Values: ['b_1'], Parameters: { procureflow_figures: '{"lines":1}' } } })
    .on(GetPartitionCommand, { DatabaseName: 'procureflow_db', TableName: 'cleaned_transactions', PartitionValues: ['b_2'] })
    .rejects(notFound());
  t.deepEqual(await catalog.partitionParameters('cleaned_transactions', 'b_1'), { procureflow_figures: '{"lines":1}' });
  t.is(await catalog.partitionParameters('cleaned_transactions', 'b_2'), undefined);
});

function withS3() {
  const glue = new GlueClient({ region: 'us-east-1' });
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const glueMock = mockClient(glue);
  const s3Mock = mockClient(s3);
  const store = new S3ObjectStore(s3);
  const catalog = new GlueCatalog({ client: glue, store, copier: store, database: 'procureflow_db', buckets: { silver: 'pf-silver', gold: 'pf-gold' } });
  glueMock.on(CreateTableCommand).resolves({}).on(DeleteTableCommand).resolves({});
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 42, ETag: '"e"' }).on(CopyObjectCommand).resolves({}).on(PutObjectCommand).resolves({ ETag: '"m"' });
  return { glueMock, s3Mock, catalog };
}

const manifestOf = (s3Mock: ReturnType<typeof withS3>['s3Mock']) => {
  const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
  return { key: put?.Key, body: String(put?.Body ?? '') };
};

for (const [key, reason, copyKey] of [
  ['landing/_export.dat', 'hidden', '_work/landed-copies/bronze_b1/bronze_b1.dat'],
  ['landing/.x.dat.gz', 'hidden', '_work/landed-copies/bronze_b1/bronze_b1.dat.gz'],
  ['landing/Y.DAT.GZ', 'upper-case codec', '_work/landed-copies/bronze_b1/bronze_b1.dat.gz'],
  ['landing/z.dat.Gz', 'mixed-case codec', '_work/landed-copies/bronze_b1/bronze_b1.dat.gz'],
] as const) {
  test(`a ${reason} key (${key}) is copied server-side to a safe lower-case name that the manifest lists, and removed with its table`, async (t) => {
    const { s3Mock, catalog } = withS3();
    await catalog.registerLandedFile('bronze_b1', { bucket: 'pf-bronze', key });
    t.deepEqual(s3Mock.commandCalls(HeadObjectCommand).map((call) => call.args[0].input), [{ Bucket: 'pf-bronze', Key: key }]);
    t.deepEqual(s3Mock.commandCalls(CopyObjectCommand).map((call) => call.args[0].input), [
      { Bucket: 'pf-silver', Key: copyKey, CopySource: `pf-bronze/${encodeURIComponent(key).replace(/%2F/g, '/')}` },
    ]);
    t.deepEqual(manifestOf(s3Mock), { key: '_work/landed/bronze_b1/manifest', body: `s3://pf-silver/${copyKey}\n` });
    // Cleanup: dropping the work table removes its copy.
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: copyKey, Size: 42 }], IsTruncated: false }).on(DeleteObjectsCommand).resolves({});
    await catalog.dropWorkTable('bronze_b1');
    t.deepEqual(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix), ['_work/landed-copies/bronze_b1/']);
    t.deepEqual(s3Mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input), [
      { Bucket: 'pf-silver', Delete: { Objects: [{ Key: copyKey }], Quiet: true } },
    ]);
  });
}

for (const key of ['landing/SALES.DAT', 'landing/sales.Dat.gz', 'landing/sub_dir/_x/ok.dat', 'landing/a.dat.gz']) {
  test(`${key} is read in place: no copy, the manifest lists the landed key, nothing to remove`, async (t) => {
    const { s3Mock, catalog } = withS3();
    await catalog.registerLandedFile('bronze_b2', { bucket: 'pf-bronze', key });
    t.is(s3Mock.commandCalls(CopyObjectCommand).length, 0);
    t.is(s3Mock.commandCalls(HeadObjectCommand).length, 0);
    t.deepEqual(manifestOf(s3Mock), { key: '_work/landed/bronze_b2/manifest', body: `s3://pf-bronze/${key}\n` });
    await catalog.dropWorkTable('bronze_b2');
    t.is(s3Mock.commandCalls(ListObjectsV2Command).length, 0);
  });
}
