// The split mode end to end on the shared fake AWS (test/fakes/cleaner-on-fake.ts): landings go
// S3 → EventBridge → the landing FIFO queue → the real turn keeper, which hands each .dat to the
// silver FIFO queue → the real silver worker, whose "silver-ready" note goes back to the landing
// queue. The fake Athena runs every statement, so the lake compared is real data; the lake of the
// same files landed one by one in inline mode is the reference.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import test from 'ava';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSRecord } from 'aws-lambda';
import { CLEANER_ENV, LANDING_MESSAGE_GROUP } from '../handlers/aws/cleaner-environment.ts';
import { figuresFromParameters } from '../handlers/core/batch-figures.ts';
import { groupIdFor } from '../handlers/core/gold-turn.ts';
import { TURNS_PREFIX } from '../handlers/core/lake-prefixes.ts';
import { prepareBody, TurnMessages } from '../handlers/aws/turn-messages.ts';
import { createHandler } from '../handlers/lambda.ts';
import { type CleanerOnFake, cleanerOnFake, STACK, STACK_ENV } from './fakes/cleaner-on-fake.ts';
import { queueUrlOf } from './fakes/fake-sqs.ts';
import { DB, BRONZE, FILES, land, lakeOf, oneByOne } from './helpers/three-files-on-fake.ts';


const committedIds = (cloud: CleanerOnFake) => cloud.aws.state.partitions(DB, 'cleaned_transactions').map((partition) => partition.Values[0]);
const turnRecords = (cloud: CleanerOnFake) => cloud.aws.state.listKeys(STACK.buckets.silver, TURNS_PREFIX);
const notes = (cloud: CleanerOnFake) =>
  cloud.aws.sqs.sent.filter((sent) => sent.queue === STACK.queue && sent.body.includes('"procureflow"')).map((sent) => JSON.parse(sent.body) as Record<string, string>);

/** Runs the silver worker on one received record, deleting it when not reported (the mapping's part). */
async function runSilver(cloud: CleanerOnFake, record: SQSRecord) {
  if (!cloud.silverHandler) throw new Error('no silver handler');
  const response = await cloud.silverHandler({ Records: [record] }, cloud.context());
  if (response.batchItemFailures.length === 0) cloud.aws.sqs.queue(STACK.silverQueue).delete(record.receiptHandle);
  return response;
}

test('landing order decides, not the order silvers finish: b ready first waits for a; a is committed before b, and an id in both goes to a', async (t) => {
  const expected = await oneByOne(FILES.slice(0, 2));
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const [a, b] = FILES.slice(0, 2).map(([key, body]) => land(cloud, key, body)) as [string, string];
  const callsBefore = cloud.aws.state.calls.length;
  const admitted = await cloud.deliver();
  t.deepEqual(admitted.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  // An invocation that only hands landings out takes no gold turn: it does not even list the pending records.
  t.false(cloud.aws.state.calls.slice(callsBefore).some((call) => call.startsWith(`S3.ListObjectsV2 s3://${STACK.buckets.silver}/${TURNS_PREFIX}`)));
  // Two pending records (in SequenceNumber order) and two prepare messages, one group per batch.
  t.is(turnRecords(cloud).filter((key) => key.includes('/pending/')).length, 2);
  const prepares = cloud.aws.sqs.sent.filter((sent) => sent.queue === STACK.silverQueue);
  t.deepEqual(prepares.map((sent) => [sent.groupId, sent.deduplicationId]), [[a, a], [b, b]]);

  // Both prepare messages received at once (two groups); b's worker finishes first.
  const [recordA, recordB] = cloud.aws.receiveSqsEvent(2, STACK.silverQueue).Records as [SQSRecord, SQSRecord];
  t.deepEqual((await runSilver(cloud, recordB)).batchItemFailures, []);
  const early = await cloud.deliver();
  t.deepEqual(early.response, { batchItemFailures: [] });
  t.deepEqual(committedIds(cloud), [], 'b is ready but waits for a, landed before it');
  t.false([...cloud.aws.state.executions.values()].some((execution) => execution.sql.includes('stage_gold_')));

  t.deepEqual((await runSilver(cloud, recordA)).batchItemFailures, []);
  const turn = await cloud.deliver();
  t.deepEqual(turn.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.deepEqual(committedIds(cloud), [a, b], 'committed in landing order');
  const golds = [...cloud.aws.state.executions.values()].filter((execution) => execution.sql.startsWith(`CREATE TABLE ${DB}.stage_gold_`));
  t.is(golds.length, 1, 'one gold statement for both');
  t.true(golds[0]?.sql.includes(`stage_gold_${groupIdFor([a, b])}`));
  const lake = await lakeOf(cloud);
  t.deepEqual(lake, expected);
  t.deepEqual(
    lake.gold.filter(([id]) => id === 'T2').map(([, total, source]) => [total, source]),
    [['1.00', `${BRONZE}/${STACK.bronzePrefix}a.dat`]],
    'T2 goes to a, the first landed',
  );
  t.deepEqual(turnRecords(cloud), [], 'the turn records are cleared');
});

test('re-delivered landing events and prepare messages change nothing; the same batch landing twice is committed once', async (t) => {
  const expected = await oneByOne(FILES.slice(0, 1));
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const [key, body] = FILES[0] as [string, Buffer];
  const a = land(cloud, key, body);
  const landingBody = (await cloud.deliver()).event.Records[0]?.body ?? '';
  // The same object again before the first is committed: same key and content, same batch.
  t.is(land(cloud, key, body), a);
  await cloud.deliver();
  t.is(turnRecords(cloud).filter((record) => record.includes('/pending/')).length, 2, 'a pending record per landing');
  // The second prepare message is dropped (deduplicated by the batch id within 5 minutes).
  const prepares = cloud.aws.sqs.sent.filter((sent) => sent.queue === STACK.silverQueue);
  t.is(cloud.aws.sqs.queue(STACK.silverQueue).depth, 1);
  const prepare = prepares[0];
  if (!prepare) throw new Error('no prepare message');
  // The prepare message re-delivered: its first worker did the work but was not acked (a timeout).
  const [received] = cloud.aws.receiveSqsEvent(1, STACK.silverQueue).Records as [SQSRecord];
  t.deepEqual((await cloud.silverHandler?.({ Records: [received] }, cloud.context()))?.batchItemFailures, []);
  cloud.aws.sqs.queue(STACK.silverQueue).expireVisibility();
  const executions = cloud.aws.state.executions.size;
  const again = await cloud.deliverSilver();
  t.is(again?.event.Records[0]?.attributes.ApproximateReceiveCount, '2');
  t.is(cloud.aws.state.executions.size, executions, 'a prepared batch is not prepared again');
  t.deepEqual(
    cloud.aws.sqs.sent.filter((sent) => sent.body.includes('silver-ready')).map((sent) => sent.deduplicationId),
    [`ready-${a}-1`, `ready-${a}-2`],
    'its note is sent again, under a new deduplication id',
  );
  await cloud.settle();
  t.deepEqual(committedIds(cloud), [a], 'committed once');
  t.deepEqual(await lakeOf(cloud), expected);
  t.deepEqual(turnRecords(cloud), []);
  t.deepEqual(cloud.errors, []);

  // After the commit: the landing event and the prepare message again call no Athena query.
  cloud.aws.sqs.sendMessage({ QueueUrl: queueUrlOf(STACK.queue), MessageBody: landingBody, MessageGroupId: LANDING_MESSAGE_GROUP, MessageDeduplicationId: 'landing-again' });
  cloud.aws.sqs.sendMessage({ QueueUrl: queueUrlOf(STACK.silverQueue), MessageBody: prepare.body, MessageGroupId: a, MessageDeduplicationId: `${a}-third` });
  const sentBefore = cloud.aws.sqs.sent.length;
  const queriesBefore = cloud.aws.state.executions.size;
  await cloud.settle();
  t.is(cloud.aws.state.executions.size, queriesBefore, 'no query');
  t.is(cloud.aws.sqs.sent.length, sentBefore, 'no message');
  t.deepEqual(turnRecords(cloud), []);
  t.deepEqual(await lakeOf(cloud), expected);
});

test('landings are admitted ten at once, but a failed one reports itself and every later landing, and no later pending record is left behind', async (t) => {
  const expected = await oneByOne();
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const ids = FILES.map(([key, body]) => land(cloud, key, body));
  const event = cloud.aws.receiveSqsEvent();
  t.is(event.Records.length, 3);
  // b's message lost its FIFO SequenceNumber: its admission fails while a's and c's go through.
  const broken = { ...event, Records: event.Records.map((record, index) => (index === 1 ? { ...record, attributes: { ...record.attributes, SequenceNumber: '' } } : record)) };
  const response = await cloud.handler(broken, cloud.context());
  t.deepEqual(
    response.batchItemFailures.map((failure) => failure.itemIdentifier),
    event.Records.slice(1).map((record) => record.messageId),
  );
  // Only a's pending record: c's, written meanwhile, is deleted, so no turn can take c before b.
  const pending = turnRecords(cloud).filter((key) => key.includes('/pending/'));
  t.deepEqual(pending, [`${TURNS_PREFIX}pending/${(event.Records[0]?.attributes.SequenceNumber ?? '').padStart(40, '0')}.json`]);
  // The reported messages come back (with their SequenceNumbers) and the lake ends as one clean run.
  cloud.aws.queue?.delete(event.Records[0]?.receiptHandle ?? '');
  cloud.aws.queue?.expireVisibility();
  await cloud.settle();
  t.deepEqual(committedIds(cloud), ids);
  t.deepEqual(await lakeOf(cloud), expected);
  t.deepEqual(turnRecords(cloud), []);
});

test('a silver failure is retried and then succeeds; the lake is one clean run', async (t) => {
  const expected = await oneByOne();
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const ids = FILES.map(([key, body]) => land(cloud, key, body));
  const b = ids[1];
  let failures = 0;
  cloud.aws.state.settings.failWhen = (sql) => {
    if (!sql.startsWith(`CREATE TABLE ${DB}.stage_silver_${b}`) || failures >= 1) return undefined;
    failures++;
    return 'HIVE_CURSOR_ERROR: injected';
  };
  await cloud.settle();
  t.is(failures, 1);
  t.deepEqual(committedIds(cloud), ids);
  t.deepEqual(await lakeOf(cloud), expected);
  t.deepEqual(cloud.silverDeadLetters, []);
  t.deepEqual(turnRecords(cloud), []);
});

test('a silver failing on its last receive: a failed record, the turn keeper skips that landing with an error and a count, and commits the later ones', async (t) => {
  const expected = await oneByOne([FILES[0], FILES[2]] as Array<[string, Buffer]>);
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const [a, b, c] = FILES.map(([key, body]) => land(cloud, key, body));
  cloud.aws.state.settings.failWhen = (sql) => (sql.startsWith(`CREATE TABLE ${DB}.stage_silver_${b}`) ? 'HIVE_CURSOR_ERROR: injected' : undefined);
  await cloud.settle();
  t.is(cloud.silverDeadLetters.length, 1, "b's prepare message is in the silver DLQ");
  t.is((JSON.parse(cloud.silverDeadLetters[0] ?? '{}') as { batchId?: string }).batchId, b);
  t.deepEqual(committedIds(cloud), [a, c]);
  t.deepEqual(await lakeOf(cloud), expected);
  const skipped = cloud.errors.filter((error) => error.message.startsWith('landing skipped'));
  t.is(skipped.length, 1);
  t.like(skipped[0]?.fields, { batchId: b, sourceFile: `${BRONZE}/${STACK.bronzePrefix}b.dat` });
  const counted = (name: string) => cloud.published.reduce((sum, blob) => sum + (typeof blob[name] === 'number' ? (blob[name] as number) : 0), 0);
  t.is(counted('landingsSilverFailed'), 1);
  t.is(counted('LandingsRefused'), 1);
  t.deepEqual(turnRecords(cloud), [], 'pending and failed records of b are gone');
});

test('a crash inside the gold turn (between two commits): every message is reported, the rerun gives the lake of one clean run', async (t) => {
  const expected = await oneByOne();
  const cloud = cleanerOnFake();
  t.teardown(() => cloud.aws.close());
  const ids = FILES.map(([key, body]) => land(cloud, key, body));
  await cloud.deliver();
  while (await cloud.deliverSilver()) {
    // every prepare message, one worker invocation each
  }
  // The turn keeper that crashes before committing the second batch (the first is committed).
  const { s3, glue, athena, sqs } = cloud.aws.clients();
  const crashing = createHandler({
    env: STACK_ENV,
    s3,
    glue,
    athena,
    sqs,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'ProcureFlowTest' }),
    timing: cloud.timing,
    beforeStep: (step, batchId) => {
      if (step === 'commit' && batchId === ids[1]) throw new Error('crash injected before the commit');
    },
  });
  const event = cloud.aws.receiveSqsEvent();
  t.is(event.Records.length, 3, 'three silver-ready notes');
  const response = await crashing(event, cloud.context());
  t.deepEqual(response.batchItemFailures.map((failure) => failure.itemIdentifier), event.Records.map((record) => record.messageId));
  t.deepEqual(committedIds(cloud), [ids[0]]);
  cloud.aws.queue?.expireVisibility();
  await cloud.settle();
  t.deepEqual(committedIds(cloud), ids);
  t.deepEqual(await lakeOf(cloud), expected);
  t.deepEqual(turnRecords(cloud), []);
});

test('ready batches beyond one chunk: the turn takes one chunk and a gold-turn note keeps the turns going', async (t) => {
  const expected = await oneByOne();
  // One batch per gold statement: every file is over the cap (a chunk takes at least one batch).
  const cloud = cleanerOnFake({ env: { ...STACK_ENV, [CLEANER_ENV.groupMaxBytes]: '80' } });
  t.teardown(() => cloud.aws.close());
  const ids = FILES.map(([key, body]) => land(cloud, key, body));
  await cloud.deliver();
  while (await cloud.deliverSilver()) {
    // every prepare message, one worker invocation each
  }
  const first = await cloud.deliver();
  t.deepEqual(first.response, { batchItemFailures: [] }, JSON.stringify(cloud.errors));
  t.deepEqual(committedIds(cloud), ids.slice(0, 1), 'one chunk per turn');
  t.deepEqual(notes(cloud).filter((note) => note.procureflow === 'gold-turn'), [{ procureflow: 'gold-turn', after: groupIdFor(ids.slice(0, 1)) }]);
  const turnNote = cloud.aws.sqs.sent.find((sent) => sent.body.includes('gold-turn'));
  t.like(turnNote, { groupId: 'landings', deduplicationId: `turn-${groupIdFor(ids.slice(0, 1))}` });
  const second = await cloud.deliver();
  t.is(second.event.Records.length, 1, 'the note alone wakes the next turn');
  t.deepEqual(committedIds(cloud), ids.slice(0, 2));
  await cloud.deliver();
  t.deepEqual(committedIds(cloud), ids);
  t.is(notes(cloud).filter((note) => note.procureflow === 'gold-turn').length, 2, 'no note once nothing ready is left');
  t.is(cloud.aws.queue?.depth, 0);
  t.deepEqual(await lakeOf(cloud), expected);
  t.true(committedIds(cloud).every((id) => figuresFromParameters(cloud.aws.state.partitions(DB, 'cleaned_transactions').find((partition) => partition.Values[0] === id)?.Parameters) !== undefined));
});

test('the notes as SQS receives them: exact QueueUrl, body, MessageGroupId and MessageDeduplicationId of each SendMessage', async (t) => {
  const client = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  t.teardown(() => mock.restore());
  mock.on(SendMessageCommand).resolves({ MessageId: 'm-1', SequenceNumber: '18890000000000001000' });
  const queues = { silverQueueUrl: queueUrlOf(STACK.silverQueue), landingQueueUrl: queueUrlOf(STACK.queue) };
  const messages = new TurnMessages(client, queues);
  const ref = { bucket: BRONZE, key: 'landing/a.dat' };
  await messages.prepare(prepareBody('a_0123456789ab', '18890000000000001000', { ref, etag: 'e1', size: 266 }));
  await messages.silverReady('a_0123456789ab', 3);
  await messages.goldTurn('group_0123456789abcdef');
  t.deepEqual(
    mock.commandCalls(SendMessageCommand).map((call) => call.args[0].input),
    [
      {
        QueueUrl: queues.silverQueueUrl,
        MessageBody: '{"procureflow":"prepare","batchId":"a_0123456789ab","sequence":"18890000000000001000","landing":{"ref":{"bucket":"pf-bronze","key":"landing/a.dat"},"etag":"e1","size":266}}',
        MessageGroupId: 'a_0123456789ab',
        MessageDeduplicationId: 'a_0123456789ab',
      },
      { QueueUrl: queues.landingQueueUrl, MessageBody: '{"procureflow":"silver-ready","batchId":"a_0123456789ab"}', MessageGroupId: LANDING_MESSAGE_GROUP, MessageDeduplicationId: 'ready-a_0123456789ab-3' },
      { QueueUrl: queues.landingQueueUrl, MessageBody: '{"procureflow":"gold-turn","after":"group_0123456789abcdef"}', MessageGroupId: LANDING_MESSAGE_GROUP, MessageDeduplicationId: 'turn-group_0123456789abcdef' },
    ],
  );
  // A send that still fails after the SDK's retries throws (the caller reports its record).
  mock.on(SendMessageCommand).rejects(Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' }));
  await t.throwsAsync(messages.goldTurn('group_x'), { message: 'Access to the resource is denied' });
});
