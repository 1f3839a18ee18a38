// A second stack (prod) with defaults but for `silverWorkers: 0`: its names never collide with the
// dev stack's, the analyst SQL points at its own database, nothing is force-destroyable, and
// without silver workers it has neither their queue nor their function (the turn keeper runs each
// FIFO batch inline as one group); the dev program test covers the default split.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { BUCKET_ROLES, bucketName } from '../components/lake.ts';
import { CLEANER_ENV } from '../handlers/aws/cleaner-environment.ts';
import { defaultDatabaseName } from '../components/stack-config.ts';
import { ACCOUNT, REGION, installMocks, settled, valueOf } from './pulumi-helpers/mocks.ts';

const registrations = installMocks('prod', {
  'aws:region': REGION,
  'procureflow:alarmEmail': 'ops@example.com',
  'procureflow:batchSize': '10',
  'procureflow:silverWorkers': '0',
});
const program = await import('../index.ts');
await settled();

/** A `procureflow:<key>` value of the dev stack file. */
function devStackValue(key: string): string {
  const match = new RegExp(`^\\s*procureflow:${key}:\\s*"?([^"\\s]+)"?`, 'm').exec(readFileSync(new URL('../Pulumi.dev.yaml', import.meta.url), 'utf8'));
  if (!match?.[1]) throw new Error(`Pulumi.dev.yaml sets no procureflow:${key}`);
  return match[1];
}

function inputsOf(type: string): Record<string, unknown>[] {
  return registrations.filter((registration) => registration.type === type).map((registration) => registration.inputs);
}

test('the prod stack names its buckets after itself, never like the dev stack', async (t) => {
  const prodBuckets = inputsOf('aws:s3/bucket:Bucket').map((inputs) => String(inputs.bucket)).sort();
  t.deepEqual(
    prodBuckets,
    ['athena-results', 'bronze', 'gold', 'silver'].map((role) => `procureflow-prod-${role}-${ACCOUNT}`),
  );
  // The dev stack sets no prefix in Pulumi.dev.yaml (each developer sets their own): its default.
  t.throws(() => devStackValue('namePrefix'));
  const devBuckets = BUCKET_ROLES.map((role) => bucketName('procureflow-dev', role, ACCOUNT));
  t.deepEqual(prodBuckets.filter((name) => devBuckets.includes(name)), []);
  t.is(await valueOf(program.bronzeBucket), `procureflow-prod-bronze-${ACCOUNT}`);
  for (const inputs of inputsOf('aws:s3/bucket:Bucket')) t.false(inputs.forceDestroy as boolean, 'prod buckets are never force-destroyed');
  t.deepEqual(inputsOf('aws:athena/workgroup:Workgroup').map((inputs) => inputs.forceDestroy), [false, false]);
  t.false(inputsOf('aws:ecr/repository:Repository')[0]?.forceDelete as boolean);
});

test('the prod stack gets its own database, workgroup, function and queues', async (t) => {
  // Pulumi.dev.yaml names no database: the dev stack's derives from its prefix as prod's does.
  t.throws(() => devStackValue('databaseName'));
  t.is(defaultDatabaseName('procureflow-dev'), 'procureflow_dev_db');
  t.is(defaultDatabaseName('alice-pf-dev'), 'alice_pf_dev_db', 'two developers, two databases');
  t.is(await valueOf(program.databaseName), 'procureflow_prod_db');
  t.is(await valueOf(program.pipelineWorkgroupName), 'procureflow-prod-pipeline');
  t.is(await valueOf(program.analystsWorkgroupName), 'procureflow-prod-analysts');
  t.is(await valueOf(program.functionName), 'procureflow-prod-cleaner');
  t.deepEqual(inputsOf('aws:sqs/queue:Queue').map((inputs) => inputs.name).sort(), ['procureflow-prod-landings-dlq.fifo', 'procureflow-prod-landings.fifo']);
});

test('the named queries read the stack database, not procureflow_db', (t) => {
  const queries = inputsOf('aws:athena/namedQuery:NamedQuery');
  t.true(queries.length > 0);
  for (const query of queries) {
    t.is(query.database, 'procureflow_prod_db');
    t.regex(String(query.query), /\bprocureflow_prod_db\.cleaned_transactions\b/);
    t.notRegex(String(query.query), /(^|[^_])procureflow_db\./);
  }
});

test('configured values reach the resources: batch size and the alarm e-mail', (t) => {
  t.is(inputsOf('aws:lambda/eventSourceMapping:EventSourceMapping')[0]?.batchSize, 10);
  t.deepEqual(inputsOf('aws:sns/topicSubscription:TopicSubscription'), [
    { topic: 'arn:aws:sns:us-east-1:123456789012:procureflow-prod-alarms', protocol: 'email', endpoint: 'ops@example.com' },
  ]);
});

test('silverWorkers 0: no silver queue, worker, mapping or alarm; no SILVER_QUEUE_URL; the policy has no split statements', async (t) => {
  t.deepEqual(inputsOf('aws:lambda/function:Function').map((inputs) => inputs.name), ['procureflow-prod-cleaner']);
  t.deepEqual(inputsOf('aws:lambda/eventSourceMapping:EventSourceMapping').map((inputs) => inputs.eventSourceArn), [
    `arn:aws:sqs:${REGION}:${ACCOUNT}:procureflow-prod-landings.fifo`,
  ]);
  t.deepEqual(inputsOf('aws:cloudwatch/logGroup:LogGroup').map((inputs) => inputs.name), ['/aws/lambda/procureflow-prod-cleaner']);
  t.deepEqual(inputsOf('aws:cloudwatch/metricAlarm:MetricAlarm').map((inputs) => inputs.name).sort(), [
    'procureflow-prod-cleaner-errors',
    'procureflow-prod-cleaner-throttles',
    'procureflow-prod-landings-dead-letters',
    'procureflow-prod-landings-refused',
  ]);
  const variables = (inputsOf('aws:lambda/function:Function')[0]?.environment as { variables: Record<string, string> }).variables;
  t.false(CLEANER_ENV.silverQueueUrl in variables, 'inline mode: SILVER_QUEUE_URL unset');
  t.is(variables[CLEANER_ENV.landingQueueUrl], `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/procureflow-prod-landings.fifo`);
  t.is(variables[CLEANER_ENV.silverMaxReceives], '5');
  const statements = JSON.parse(String(inputsOf('aws:iam/rolePolicy:RolePolicy')[0]?.policy)).Statement as { Sid: string; Action: string[]; Resource: unknown }[];
  t.deepEqual(statements.filter((statement) => ['SilverQueue', 'QueueSends', 'TurnRecordObjects', 'TurnRecordsList'].includes(statement.Sid)), []);
  t.false(statements.some((statement) => statement.Action.includes('sqs:SendMessage')), 'the inline turn keeper sends nothing');
  t.is(statements.find((statement) => statement.Sid === 'OwnLogGroup')?.Resource, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/procureflow-prod-cleaner:*`);
  t.is(program.silverQueueUrl, undefined);
  t.is(program.silverFunctionName, undefined);
});
