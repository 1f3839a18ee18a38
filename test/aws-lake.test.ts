// The cloud composition root: one retry layer per client (issue 9 item 3) and the ports it builds.
import test from 'ava';
import { awsClients, openAwsLake } from '../handlers/aws/aws-lake.ts';
import { readLambdaSettings } from '../handlers/aws/lambda-settings.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../sql');

test('Athena retries are ours only (SDK maxAttempts 1); S3 and Glue keep the SDK standard strategy (3 attempts)', async (t) => {
  process.env.AWS_REGION ??= 'us-east-1';
  const clients = awsClients();
  t.is(await clients.athena.config.maxAttempts(), 1);
  t.is(await clients.s3.config.maxAttempts(), 3);
  t.is(await clients.glue.config.maxAttempts(), 3);
  for (const client of Object.values(clients)) client.destroy();
});

test('the ports carry the settings (landing limit, zip limits, /tmp) and processUnpackedMembers false', async (t) => {
  process.env.AWS_REGION ??= 'us-east-1';
  const settings = readLambdaSettings({ BRONZE_BUCKET: 'pf-bronze', SILVER_BUCKET: 'pf-silver', GOLD_BUCKET: 'pf-gold', GLUE_DATABASE: 'db', ATHENA_WORKGROUP: 'wg', SQL_DIR, LANDING_MAX_BYTES: '77' });
  const clients = awsClients();
  const lake = await openAwsLake(settings, clients, silentLog);
  const ports = lake.ports({ remainingTimeMillis: () => 1000 });
  t.like(ports, { landingMaxBytes: 77, workDir: '/tmp', processUnpackedMembers: false, zipLimits: settings.zipLimits });
  t.is(ports.catalog, lake.catalog);
  for (const client of Object.values(clients)) client.destroy();
});
