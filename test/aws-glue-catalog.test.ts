// The Glue catalog with aws-sdk-client-mock: the exact table and partition inputs, idempotency
// (AlreadyExists is success, EntityNotFound is absence) and chunking to 100 partitions a call.
import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
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

test('registerPartitions sends at most 100 partitions a call and tolerates AlreadyExists only', async (t) => {
  const { mock, catalog } = setup();
  mock.on(GetTableCommand).resolves({ Table: { Name: 'cleaned_transactions', StorageDescriptor: parquetDescriptor } });
  mock
    .on(BatchCreatePartitionCommand)
    .resolvesOnce({ Errors: [{ PartitionValues: ['b_0'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } }] })
    .resolvesOnce({})
    .resolvesOnce({ Errors: [{ PartitionValues: ['b_249'], ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'boom' } }] });
  const batches = Array.from({ length: 250 }, (_, i) => ({ batchId: `b_${i}` }));
  await t.throwsAsync(catalog.registerPartitions('cleaned_transactions', batches), { message: /1 partition\(s\) not registered: b_249: InternalServiceException boom/ });
  const sizes = mock.commandCalls(BatchCreatePartitionCommand).map((call) => call.args[0].input.PartitionInputList?.length);
  t.deepEqual(sizes, [100, 100, 50]);
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
