// Rule (n), SQS through the SDK face: the fake's FIFO queues refuse what SQS refuses (each rule's
// source is next to it in test/fakes/fake-sqs.ts) and hand a Lambda the real SQS record shape.
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import test from 'ava';
import { MAX_RECEIVE_COUNT } from '../components/cleaner-queue.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import { cleanerOnFake, STACK } from './fakes/cleaner-on-fake.ts';
import { FakeAws } from './fakes/fake-aws.ts';
import { MAX_PAYLOAD_BYTES, queueUrlOf } from './fakes/fake-sqs.ts';

const SILVER = 'pf-silver.fifo';
const LANDINGS = 'pf-landings.fifo';

function fake(t: { teardown: (f: () => Promise<void>) => void }, now = () => 0): { aws: FakeAws; sqs: SQSClient } {
  const aws = new FakeAws({
    buckets: ['pf-bronze'],
    rule: { pattern: { source: ['aws.s3'] }, queue: LANDINGS, messageGroupId: 'landings' },
    queues: [{ name: SILVER, contentBasedDeduplication: false }],
    settings: { now },
  });
  t.teardown(() => aws.close());
  return { aws, sqs: aws.clients().sqs };
}

const send = (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>) =>
  new SendMessageCommand({ QueueUrl: queueUrlOf(SILVER), MessageBody: '{"procureflow":"prepare"}', MessageGroupId: 'b1', MessageDeduplicationId: 'b1', ...input });

test('(n) SendMessage to a FIFO queue without MessageGroupId: MissingParameter, nothing enqueued', async (t) => {
  const { aws, sqs } = fake(t);
  await t.throwsAsync(sqs.send(send({ MessageGroupId: undefined })), { name: 'MissingParameter', message: 'The request must contain the parameter MessageGroupId.' });
  t.is(aws.sqs.queue(SILVER).depth, 0);
});

test('(n) MessageDeduplicationId is required unless the queue has content-based deduplication', async (t) => {
  const { aws, sqs } = fake(t);
  await t.throwsAsync(sqs.send(send({ MessageDeduplicationId: undefined })), { name: 'InvalidParameterValue', message: /ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly/ });
  t.is(aws.sqs.queue(SILVER).depth, 0);
  // The landing queue (the EventBridge target) has content-based deduplication: the body's SHA-256 is the id.
  const landing = { QueueUrl: queueUrlOf(LANDINGS), MessageBody: '{"procureflow":"gold-turn"}', MessageGroupId: 'landings' };
  await sqs.send(new SendMessageCommand(landing));
  await sqs.send(new SendMessageCommand(landing));
  t.is(aws.sqs.queue(LANDINGS).depth, 1, 'the same body within 5 minutes is a duplicate');
});

test('(n) a duplicate MessageDeduplicationId within 5 minutes is accepted (a MessageId comes back) but not delivered again', async (t) => {
  let now = 0;
  const { aws, sqs } = fake(t, () => now);
  const first = await sqs.send(send({}));
  const again = await sqs.send(send({ MessageBody: '{"other":"body"}' }));
  t.truthy(first.MessageId);
  t.truthy(again.MessageId);
  t.is(aws.sqs.queue(SILVER).depth, 1);
  now = 5 * 60_000 + 1;
  await sqs.send(send({}));
  t.is(aws.sqs.queue(SILVER).depth, 2, 'past the deduplication interval the same id is a new message');
});

test('(n) DelaySeconds per message is refused on a FIFO queue (0 is accepted)', async (t) => {
  const { aws, sqs } = fake(t);
  await t.throwsAsync(sqs.send(send({ DelaySeconds: 5 })), {
    name: 'InvalidParameterValue',
    message: 'Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
  });
  await t.throwsAsync(sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrlOf(SILVER), Entries: [{ Id: 'a', MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'a', DelaySeconds: 1 }] })), {
    name: 'InvalidParameterValue',
  });
  t.is(aws.sqs.queue(SILVER).depth, 0);
  await sqs.send(send({ DelaySeconds: 0 }));
  t.is(aws.sqs.queue(SILVER).depth, 1);
});

test('(n) a queue URL that names no queue: QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue)', async (t) => {
  const { sqs } = fake(t);
  const error = await t.throwsAsync(sqs.send(send({ QueueUrl: queueUrlOf('pf-nothing.fifo') })), { name: 'QueueDoesNotExist' });
  t.is((error as { Code?: string } | undefined)?.Code, 'AWS.SimpleQueueService.NonExistentQueue');
  await t.throwsAsync(sqs.send(new SendMessageBatchCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/pf-silver', Entries: [{ Id: 'a', MessageBody: 'x' }] })), {
    name: 'QueueDoesNotExist',
  });
});

test('(n) SendMessageBatch: at most 10 entries, distinct ids, at least one entry; a refused batch enqueues nothing', async (t) => {
  const { aws, sqs } = fake(t);
  const entry = (id: string) => ({ Id: id, MessageBody: `body-${id}`, MessageGroupId: 'g', MessageDeduplicationId: id });
  const batch = (entries: Array<ReturnType<typeof entry>>) => new SendMessageBatchCommand({ QueueUrl: queueUrlOf(SILVER), Entries: entries });
  await t.throwsAsync(sqs.send(batch(Array.from({ length: 11 }, (_, index) => entry(`e${index}`)))), { name: 'TooManyEntriesInBatchRequest' });
  await t.throwsAsync(sqs.send(batch([entry('a'), entry('b'), entry('a')])), { name: 'BatchEntryIdsNotDistinct' });
  await t.throwsAsync(sqs.send(batch([])), { name: 'EmptyBatchRequest' });
  await t.throwsAsync(sqs.send(batch([entry('a'), { Id: 'b', MessageBody: 'x', MessageGroupId: undefined as unknown as string, MessageDeduplicationId: 'b' }])), { name: 'MissingParameter' });
  t.is(aws.sqs.queue(SILVER).depth, 0);
  const sent = await sqs.send(batch(Array.from({ length: 10 }, (_, index) => entry(`e${index}`))));
  t.deepEqual(
    sent.Successful?.map((result) => result.Id),
    Array.from({ length: 10 }, (_, index) => `e${index}`),
  );
  t.deepEqual(sent.Failed, []);
  t.deepEqual(
    aws.sqs.queue(SILVER).receive(10).map((message) => message.body),
    Array.from({ length: 10 }, (_, index) => `body-e${index}`),
    'enqueued in the order they are sent',
  );
});

test('(n) the payload limit is 1 MiB for one message and for a whole batch', async (t) => {
  const { aws, sqs } = fake(t);
  await t.throwsAsync(sqs.send(send({ MessageBody: 'x'.repeat(MAX_PAYLOAD_BYTES + 1) })), { name: 'InvalidParameterValue', message: /shorter than 1048576 bytes/ });
  await sqs.send(send({ MessageBody: 'x'.repeat(MAX_PAYLOAD_BYTES) }));
  const half = 'y'.repeat(MAX_PAYLOAD_BYTES / 2);
  await t.throwsAsync(
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrlOf(SILVER),
        Entries: ['a', 'b', 'c'].map((id) => ({ Id: id, MessageBody: id === 'c' ? 'z' : half, MessageGroupId: id, MessageDeduplicationId: id })),
      }),
    ),
    { name: 'BatchRequestTooLong' },
  );
  t.is(aws.sqs.queue(SILVER).depth, 1);
});

test('(n) received messages carry the Lambda SQS record shape: SequenceNumber increasing as a decimal string, group, dedup id, the queue ARN', async (t) => {
  const { aws, sqs } = fake(t);
  const answers = [];
  for (const batch of ['b1', 'b2', 'b3']) answers.push(await sqs.send(send({ MessageGroupId: batch, MessageDeduplicationId: `prepare-${batch}`, MessageBody: `{"batchId":"${batch}"}` })));
  const event = aws.receiveSqsEvent(10, SILVER);
  t.is(event.Records.length, 3, 'three groups, three messages');
  const numbers = event.Records.map((record) => record.attributes.SequenceNumber ?? '');
  t.deepEqual(numbers, answers.map((answer) => answer.SequenceNumber));
  for (const number of numbers) t.regex(number, /^[1-9][0-9]{19,}$/);
  t.true(BigInt(numbers[0] as string) < BigInt(numbers[1] as string) && BigInt(numbers[1] as string) < BigInt(numbers[2] as string));
  t.not(BigInt(numbers[1] as string) - BigInt(numbers[0] as string), 1n, 'non-consecutive');
  t.like(event.Records[1], {
    body: '{"batchId":"b2"}',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${SILVER}`,
    awsRegion: 'us-east-1',
    attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'b2', MessageDeduplicationId: 'prepare-b2' },
  });
  // One group at a time: with b1's message in flight, a later b1 message is not handed out.
  await sqs.send(send({ MessageGroupId: 'b1', MessageDeduplicationId: 'ready-b1-1' }));
  t.deepEqual(aws.receiveSqsEvent(10, SILVER).Records, []);
  aws.sqs.queue(SILVER).returnToQueue(event.Records[0]?.receiptHandle ?? '');
  t.deepEqual(
    aws.receiveSqsEvent(10, SILVER).Records.map((record) => [record.attributes.MessageDeduplicationId, record.attributes.ApproximateReceiveCount]),
    [
      ['prepare-b1', '2'],
      ['ready-b1-1', '1'],
    ],
    'the returned message comes back first, at the head of its group',
  );
  // The landing queue's records name the landing queue.
  aws.s3.put('pf-bronze', 'landing/a.dat', 'x');
  t.is(aws.receiveSqsEvent().Records[0]?.eventSourceARN, `arn:aws:sqs:us-east-1:123456789012:${LANDINGS}`);
});

test('the harness drives both queues: deliver() admits landings, deliverSilver() prepares one, settle() runs both until empty and every landing commits in landing order', async (t) => {
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const row = (id: string) => `${id}|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|20.00|card|usd`;
  const batchIds: string[] = [];
  for (const [name, id] of [
    ['a.dat', 'T1'],
    ['b.dat', 'T2'],
    ['c.dat', 'T3'],
  ] as const) {
    const key = `${STACK.bronzePrefix}${name}`;
    const { ETag } = cloud.aws.s3.put(STACK.buckets.bronze, key, Buffer.from(`${HEADER_LINE}\n${row(id)}\n`));
    batchIds.push(batchIdFor({ bucket: STACK.buckets.bronze, key }, ETag.replace(/"/g, '')));
  }
  const silver = cloud.aws.sqs.queue(STACK.silverQueue);
  t.is(await cloud.deliverSilver(), undefined, 'nothing to prepare before the turn keeper has run');
  const admitted = await cloud.deliver();
  t.deepEqual(admitted.response.batchItemFailures, []);
  t.is(silver.depth, 3, 'one prepare message per landed file');
  const prepares = cloud.aws.sqs.sent.filter((message) => message.queue === STACK.silverQueue);
  t.is(new Set(prepares.map((message) => message.groupId)).size, 3, 'one message group per batch');
  const first = await cloud.deliverSilver();
  t.is(first?.event.Records.length, 1, 'the silver mapping hands over one message');
  t.is(first?.event.Records[0]?.eventSourceARN, `arn:aws:sqs:us-east-1:123456789012:${STACK.silverQueue}`);
  t.deepEqual(first?.response.batchItemFailures, []);
  const ran = await cloud.settle();
  t.true(ran.silver >= 2 && ran.landing >= 1, JSON.stringify(ran));
  t.is(silver.depth, 0);
  t.is(cloud.aws.queue?.depth, 0);
  t.deepEqual(cloud.errors, []);
  // Gold commits (Glue CreatePartition on the gold table) in landing order, each once.
  const goldCommits = cloud.callsSince(0).filter((call) => call.startsWith('Glue.CreatePartition cleaned_transactions '));
  t.deepEqual(goldCommits, batchIds.map((id) => `Glue.CreatePartition cleaned_transactions ${id}`));
});

test('the harness respects the silver queue redrive policy: a file whose silver fails on every receive reaches the silver DLQ after MAX_RECEIVE_COUNT receives, each after the visibility timeout; the later landing still commits', async (t) => {
  const cloud = cleanerOnFake({ settings: { failWhen: (sql) => (sql.startsWith(`CREATE TABLE ${STACK.database}.stage_silver_bad_`) ? 'INTERNAL_ERROR_QUERY_ENGINE: injected' : undefined) } });
  t.teardown(() => cloud.aws.close());
  const row = (id: string) => `${id}|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|20.00|card|usd`;
  const put = (name: string, id: string) => {
    const key = `${STACK.bronzePrefix}${name}`;
    const { ETag } = cloud.aws.s3.put(STACK.buckets.bronze, key, Buffer.from(`${HEADER_LINE}\n${row(id)}\n`));
    return batchIdFor({ bucket: STACK.buckets.bronze, key }, ETag.replace(/"/g, ''));
  };
  const bad = put('bad.dat', 'T1');
  const good = put('good.dat', 'T2');
  const startedAt = cloud.clock.now;
  const ran = await cloud.settle();
  t.is(cloud.silverDeadLetters.length, 1);
  t.like(JSON.parse(cloud.silverDeadLetters[0] ?? '{}'), { batchId: bad });
  t.true(ran.silver >= MAX_RECEIVE_COUNT + 1, JSON.stringify(ran));
  t.true(cloud.clock.now - startedAt >= (MAX_RECEIVE_COUNT - 1) * 6 * 900_000, 'each retry came back after the visibility timeout');
  const gold = cloud.aws.state.partitions(STACK.database, 'cleaned_transactions').map((partition) => partition.Values[0]);
  t.deepEqual(gold, [good]);
  t.true(cloud.errors.some((error) => JSON.stringify(error).includes(bad)), 'the skipped landing is logged at error level');
});
