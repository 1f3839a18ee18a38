// The fake Glue refuses what Glue refuses (rule m), through a real GlueClient.
import { BatchCreatePartitionCommand, CreatePartitionCommand, CreateTableCommand, DeleteTableCommand, GetPartitionCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { FakeAws } from './fakes/fake-aws.ts';

const table = (Name: string) => ({
  DatabaseName: 'db',
  TableInput: { Name, StorageDescriptor: { Location: `s3://lake/${Name}/`, Columns: [{ Name: 'x', Type: 'int' }] }, PartitionKeys: [{ Name: 'batch_id', Type: 'string' }] },
});
const partition = (value: string) => ({ DatabaseName: 'db', TableName: 'facts', PartitionInput: { Values: [value], StorageDescriptor: { Location: `s3://lake/facts/batch_id=${value}/` } } });

test('(m) CreateTable on an existing name → AlreadyExistsException', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const { glue } = aws.clients();
  await glue.send(new CreateTableCommand(table('facts')));
  const error = await t.throwsAsync(glue.send(new CreateTableCommand(table('facts'))));
  t.is(error?.name, 'AlreadyExistsException');
  await aws.close();
});

test('(m) DeleteTable and GetPartition of a missing entity → EntityNotFoundException', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const { glue } = aws.clients();
  t.is((await t.throwsAsync(glue.send(new DeleteTableCommand({ DatabaseName: 'db', Name: 'nope' }))))?.name, 'EntityNotFoundException');
  await glue.send(new CreateTableCommand(table('facts')));
  t.is((await t.throwsAsync(glue.send(new GetPartitionCommand({ DatabaseName: 'db', TableName: 'facts', PartitionValues: ['a'] }))))?.name, 'EntityNotFoundException');
  await glue.send(new DeleteTableCommand({ DatabaseName: 'db', Name: 'facts' }));
  t.is((await t.throwsAsync(glue.send(new DeleteTableCommand({ DatabaseName: 'db', Name: 'facts' }))))?.name, 'EntityNotFoundException');
  await aws.close();
});

test('(m) CreatePartition of existing values → AlreadyExistsException; BatchCreatePartition reports it per partition and takes at most 100', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const { glue } = aws.clients();
  await glue.send(new CreateTableCommand(table('facts')));
  await glue.send(new CreatePartitionCommand(partition('a')));
  t.is((await t.throwsAsync(glue.send(new CreatePartitionCommand(partition('a')))))?.name, 'AlreadyExistsException');
  const batch = await glue.send(
    new BatchCreatePartitionCommand({ DatabaseName: 'db', TableName: 'facts', PartitionInputList: [partition('a').PartitionInput, partition('b').PartitionInput] }),
  );
  t.deepEqual(batch.Errors?.map((e) => [e.PartitionValues, e.ErrorDetail?.ErrorCode]), [[['a'], 'AlreadyExistsException']]);
  t.deepEqual(aws.state.partitions('db', 'facts').map((p) => p.Values), [['a'], ['b']]);
  const tooMany = Array.from({ length: 101 }, (_, i) => partition(`p${i}`).PartitionInput);
  t.is((await t.throwsAsync(glue.send(new BatchCreatePartitionCommand({ DatabaseName: 'db', TableName: 'facts', PartitionInputList: tooMany }))))?.name, 'InvalidInputException');
  await aws.close();
});

test('(m) CreatePartition whose values do not match the partition keys one to one → InvalidInputException', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const { glue } = aws.clients();
  await glue.send(new CreateTableCommand(table('facts')));
  for (const Values of [[], ['a', 'b']]) {
    const error = await t.throwsAsync(glue.send(new CreatePartitionCommand({ DatabaseName: 'db', TableName: 'facts', PartitionInput: { Values, StorageDescriptor: { Location: 's3://lake/facts/x/' } } })));
    t.is(error?.name, 'InvalidInputException');
    t.is(error?.message, 'The number of partition keys do not match the number of partition values');
  }
  t.deepEqual(aws.state.partitions('db', 'facts'), []);
  await aws.close();
});

test('S3 calls on a bucket that does not exist → NoSuchBucket (404)', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const { s3 } = aws.clients();
  for (const command of [new PutObjectCommand({ Bucket: 'nope', Key: 'a', Body: 'x' }), new GetObjectCommand({ Bucket: 'nope', Key: 'a' }), new ListObjectsV2Command({ Bucket: 'nope' })]) {
    const error = await t.throwsAsync(s3.send(command as PutObjectCommand));
    t.is(error?.name, 'NoSuchBucket');
  }
  await aws.close();
});
