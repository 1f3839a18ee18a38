// The SDK face: real SDK v3 clients whose `send` is answered by the fake services
// (aws-sdk-client-mock at the client boundary), so in-process code runs its real commands.
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  CreatePartitionCommand,
  CreateTableCommand,
  DeletePartitionCommand,
  DeleteTableCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { FakeAthena } from './fake-athena.ts';
import type { FakeGlue } from './fake-glue.ts';
import type { FakeS3 } from './fake-s3.ts';
import type { FakeSqs } from './fake-sqs.ts';

const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } };

export interface SdkClients {
  s3: S3Client;
  glue: GlueClient;
  athena: AthenaClient;
  sqs: SQSClient;
  restore(): void;
}

/** Fresh clients answered by the fakes. Commands the fakes do not know fail loudly (mock default). */
export function sdkClients(fakes: { s3: FakeS3; glue: FakeGlue; athena: FakeAthena; sqs: FakeSqs }): SdkClients {
  const s3 = new S3Client(clientConfig);
  const glue = new GlueClient(clientConfig);
  const athena = new AthenaClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const m3 = mockClient(s3);
  const mg = mockClient(glue);
  const ma = mockClient(athena);
  const mq = mockClient(sqs);
  for (const mock of [m3, mg, ma, mq] as Array<{ onAnyCommand: (input?: object) => { rejects: (e: Error) => void } }>) {
    mock.onAnyCommand().rejects(new Error('fake AWS: this command is not emulated'));
  }
  m3.on(HeadObjectCommand).callsFake((input) => fakes.s3.headObject(input));
  m3.on(GetObjectCommand).callsFake((input) => fakes.s3.getObject(input));
  m3.on(PutObjectCommand).callsFake((input) => fakes.s3.putObject(input));
  m3.on(CopyObjectCommand).callsFake((input) => fakes.s3.copyObject(input));
  m3.on(ListObjectsV2Command).callsFake((input) => fakes.s3.listObjectsV2(input));
  m3.on(DeleteObjectsCommand).callsFake((input) => fakes.s3.deleteObjects(input));
  mg.on(CreateTableCommand).callsFake((input) => fakes.glue.createTable(input));
  mg.on(GetTableCommand).callsFake((input) => fakes.glue.getTable(input));
  mg.on(DeleteTableCommand).callsFake((input) => fakes.glue.deleteTable(input));
  mg.on(CreatePartitionCommand).callsFake((input) => fakes.glue.createPartition(input));
  mg.on(BatchCreatePartitionCommand).callsFake((input) => fakes.glue.batchCreatePartition(input));
  mg.on(GetPartitionCommand).callsFake((input) => fakes.glue.getPartition(input));
  mg.on(BatchGetPartitionCommand).callsFake((input) => fakes.glue.batchGetPartition(input));
  mg.on(GetPartitionsCommand).callsFake((input) => fakes.glue.getPartitions(input));
  mg.on(DeletePartitionCommand).callsFake((input) => fakes.glue.deletePartition(input));
  ma.on(StartQueryExecutionCommand).callsFake((input) => fakes.athena.startQueryExecution(input));
  ma.on(GetQueryExecutionCommand).callsFake((input) => fakes.athena.getQueryExecution(input));
  ma.on(GetQueryResultsCommand).callsFake((input) => fakes.athena.getQueryResults(input));
  mq.on(SendMessageCommand).callsFake((input) => fakes.sqs.sendMessage(input));
  mq.on(SendMessageBatchCommand).callsFake((input) => fakes.sqs.sendMessageBatch(input));
  return {
    s3,
    glue,
    athena,
    sqs,
    restore() {
      m3.restore();
      mg.restore();
      ma.restore();
      mq.restore();
      s3.destroy();
      glue.destroy();
      athena.destroy();
      sqs.destroy();
    },
  };
}
