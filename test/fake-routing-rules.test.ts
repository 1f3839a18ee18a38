// How a landing travels: S3 notification filters (case-sensitive), EventBridge suffix matching
// with equals-ignore-case, and an SQS FIFO queue's ordering, message groups and deduplication.
import test from 'ava';
import { type EventPattern, FakeFifoQueue, objectCreatedDetailEvent, patternMatches, s3NotificationMatches } from './fakes/event-routing.ts';
import { FakeAws } from './fakes/fake-aws.ts';

const created = (key: string) => objectCreatedDetailEvent({ bucket: 'pf-bronze', key, size: 1, etag: 'e', reason: 'PutObject' });

test('(k) S3 notification suffix filters are case-sensitive: ".dat" misses SALES.DAT and y.DAT.GZ', (t) => {
  const filter = { prefix: 'landing/', suffix: '.dat' };
  t.true(s3NotificationMatches('landing/sales.dat', filter));
  t.false(s3NotificationMatches('landing/SALES.DAT', filter));
  t.false(s3NotificationMatches('landing/Sales.Dat', filter));
  t.false(s3NotificationMatches('landing/y.DAT.GZ', { prefix: 'landing/', suffix: '.dat.gz' }));
  t.false(s3NotificationMatches('elsewhere/sales.dat', filter));
});

test('(k) EventBridge: a plain suffix is case-sensitive, suffix with equals-ignore-case is not', (t) => {
  const plain: EventPattern = { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ suffix: '.dat' }] } } };
  const folded: EventPattern = {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: { bucket: { name: ['pf-bronze'] }, object: { key: [{ suffix: { 'equals-ignore-case': '.dat' } }, { suffix: { 'equals-ignore-case': '.dat.gz' } }, { suffix: { 'equals-ignore-case': '.zip' } }] } },
  };
  t.true(patternMatches(created('landing/sales.dat'), plain));
  t.false(patternMatches(created('landing/SALES.DAT'), plain));
  for (const key of ['landing/sales.dat', 'landing/SALES.DAT', 'landing/y.DAT.GZ', 'landing/X.ZIP']) t.true(patternMatches(created(key), folded), key);
  t.false(patternMatches(created('landing/readme.txt'), folded));
  t.false(patternMatches({ ...created('landing/a.dat'), source: 'aws.ec2' }, folded));
});

test('(l) SQS FIFO: one group is delivered in order and the next message waits while one is in flight', (t) => {
  const queue = new FakeFifoQueue('landings.fifo');
  for (const n of [1, 2, 3]) queue.send({ body: `gold-${n}`, groupId: 'gold', deduplicationId: `d${n}` });
  queue.send({ body: 'other-1', groupId: 'other', deduplicationId: 'o1' });
  const first = queue.receive(1);
  t.deepEqual(first.map((m) => m.body), ['gold-1']);
  t.deepEqual(queue.receive(10).map((m) => m.body), ['other-1'], 'gold is blocked while gold-1 is in flight; other groups are not');
  t.deepEqual(queue.receive(10), []);
  queue.delete(first[0]?.receiptHandle ?? '');
  const next = queue.receive(1);
  t.deepEqual(next.map((m) => m.body), ['gold-2']);
  // Not deleted: after the visibility timeout the same message comes back first, never gold-3 before it.
  queue.expireVisibility();
  t.deepEqual(queue.receive(1).map((m) => [m.body, m.receiveCount]), [['gold-2', 2]]);
  t.throws(() => new FakeFifoQueue('landings'), { message: /must end with \.fifo/ });
});

test('(l) SQS FIFO: the same MessageDeduplicationId within 5 minutes is accepted but not delivered again', (t) => {
  let now = 0;
  const queue = new FakeFifoQueue('landings.fifo', () => now);
  t.false(queue.send({ body: 'a', groupId: 'g', deduplicationId: 'same' }).duplicate);
  const [message] = queue.receive();
  queue.delete(message?.receiptHandle ?? '');
  now = 4 * 60_000;
  t.true(queue.send({ body: 'a again', groupId: 'g', deduplicationId: 'same' }).duplicate, 'tracked even after delete');
  t.is(queue.depth, 0);
  now = 5 * 60_000 + 1;
  t.false(queue.send({ body: 'a later', groupId: 'g', deduplicationId: 'same' }).duplicate);
  t.is(queue.depth, 1);
});

test('the routing end to end: an upper-case landing reaches the FIFO queue through the rule, in landing order', async (t) => {
  const aws = new FakeAws({
    buckets: ['pf-bronze'],
    rule: { pattern: { source: ['aws.s3'], detail: { object: { key: [{ suffix: { 'equals-ignore-case': '.dat' } }] } } }, queue: 'pf-landings.fifo', messageGroupId: 'gold' },
  });
  aws.s3.put('pf-bronze', 'landing/b.dat', 'x');
  aws.s3.put('pf-bronze', 'landing/SALES.DAT', 'y');
  aws.s3.put('pf-bronze', 'landing/notes.txt', 'z');
  const event = aws.receiveSqsEvent();
  t.deepEqual(event.Records.map((r) => (JSON.parse(r.body) as { detail: { object: { key: string } } }).detail.object.key), ['landing/b.dat', 'landing/SALES.DAT']);
  t.true(event.Records.every((r) => r.eventSourceARN.endsWith('.fifo') && r.attributes.MessageGroupId === 'gold'));
  await aws.close();
});
