// The SDK face of the fake in MODEL mode: real SDK v3 clients whose `send` is answered at the
// client boundary: S3 and Glue commands by the fake services on the shared state, Athena commands
// by the statement model (model-athena.ts), SQS sends by the fake's queues (fake-sqs.ts), each call costing its latency (latency-model.ts) in
// virtual time (virtual-clock.ts). A call's effect happens when it is made; its answer arrives
// once its latency has passed.
//
// Unlike sdk-face.ts this face does not go through aws-sdk-client-mock: its sinon stub matches
// every call against every registered command and records it, about 70 µs a call measured here,
// and the cloud bench makes over a million calls. Here `send` looks the command's class up in a
// table; a command without an entry is refused loudly, as sdk-face.ts refuses it.
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
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FakeAws } from './fake-aws.ts';
import type { LatencyModel } from './latency-model.ts';
import type { ModelAthena } from './model-athena.ts';
import type { SdkClients } from './sdk-face.ts';
import type { VirtualClock } from './virtual-clock.ts';

const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } };

/** Counts of calls made through the face, by service. */
export interface CallCounts {
  s3: number;
  glue: number;
  athena: number;
  sqs: number;
}

export function modelClients(aws: FakeAws, model: ModelAthena, clock: VirtualClock, latency: LatencyModel): SdkClients & { calls: CallCounts } {
  const calls: CallCounts = { s3: 0, glue: 0, athena: 0, sqs: 0 };
  const s3 = new S3Client(clientConfig);
  const glue = new GlueClient(clientConfig);
  const athena = new AthenaClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  // The work is real (tracked, so the clock waits for it); the answer comes after the latency.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Work = (input: any) => unknown;
  const timed = (service: keyof CallCounts, ms: number, work: Work) => async (input: unknown): Promise<unknown> => {
    calls[service]++;
    try {
      return await clock.track(() => work(input));
    } finally {
      if (ms > 0) await clock.sleep(ms);
    }
  };
  const answer = (client: { send: unknown }, routes: Array<[abstract new (...args: never[]) => unknown, (input: unknown) => Promise<unknown>]>) => {
    const table = new Map<unknown, (input: unknown) => Promise<unknown>>(routes);
    Object.defineProperty(client, 'send', {
      configurable: true,
      writable: true,
      value: (command: { constructor: unknown; input: unknown }) => {
        const route = table.get(command.constructor);
        return route ? route(command.input) : Promise.reject(new Error('fake AWS (model): this command is not emulated'));
      },
    });
  };
  const s3ms = latency.s3RequestMs;
  const gluems = latency.glueCallMs;
  answer(s3, [
    [HeadObjectCommand, timed('s3', s3ms, (input) => aws.s3.headObject(input))],
    [GetObjectCommand, timed('s3', s3ms, (input) => aws.s3.getObject(input))],
    [PutObjectCommand, timed('s3', s3ms, (input) => aws.s3.putObject(input))],
    [CopyObjectCommand, timed('s3', s3ms, (input) => aws.s3.copyObject(input))],
    [ListObjectsV2Command, timed('s3', s3ms, (input) => aws.s3.listObjectsV2(input))],
    [DeleteObjectsCommand, timed('s3', s3ms, (input) => aws.s3.deleteObjects(input))],
  ]);
  answer(glue, [
    [CreateTableCommand, timed('glue', gluems, (input) => aws.glue.createTable(input))],
    [GetTableCommand, timed('glue', gluems, (input) => aws.glue.getTable(input))],
    [DeleteTableCommand, timed('glue', gluems, (input) => aws.glue.deleteTable(input))],
    [CreatePartitionCommand, timed('glue', gluems, (input) => aws.glue.createPartition(input))],
    [BatchCreatePartitionCommand, timed('glue', gluems, (input) => aws.glue.batchCreatePartition(input))],
    [GetPartitionCommand, timed('glue', gluems, (input) => aws.glue.getPartition(input))],
    [BatchGetPartitionCommand, timed('glue', gluems, (input) => aws.glue.batchGetPartition(input))],
    [GetPartitionsCommand, timed('glue', gluems, (input) => aws.glue.getPartitions(input))],
    [DeletePartitionCommand, timed('glue', gluems, (input) => aws.glue.deletePartition(input))],
  ]);
  // An SQS send costs what one S3 request costs (latency-model.ts s3RequestMs, 30 ms): the model
  // has no SQS figure of its own, and both are one HTTPS round trip to a regional endpoint.
  answer(sqs, [
    [SendMessageCommand, timed('sqs', latency.s3RequestMs, (input) => aws.sqs.sendMessage(input))],
    [SendMessageBatchCommand, timed('sqs', latency.s3RequestMs, (input) => aws.sqs.sendMessageBatch(input))],
  ]);
  // Athena's API calls cost nothing beyond the statement's modelled duration (latency-model.ts).
  answer(athena, [
    [StartQueryExecutionCommand, timed('athena', 0, (input) => model.startQueryExecution(input))],
    [GetQueryExecutionCommand, timed('athena', 0, (input) => model.getQueryExecution(input))],
    [GetQueryResultsCommand, timed('athena', 0, (input) => model.getQueryResults(input))],
  ]);
  return {
    s3,
    glue,
    athena,
    sqs,
    calls,
    restore() {
      for (const client of [s3, glue, athena, sqs]) delete (client as { send?: unknown }).send;
      s3.destroy();
      glue.destroy();
      athena.destroy();
      sqs.destroy();
    },
  };
}
