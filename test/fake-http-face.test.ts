// The HTTP face serves the same state and the same rules as the SDK face: real SDK clients with
// an endpoint (JSON 1.1 for Glue and Athena, REST/XML for S3) see what the SDK face wrote, and
// AWS's refusals arrive as the SDK's named exceptions.
import { AthenaClient } from '@aws-sdk/client-athena';
import { CreateTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CopyObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import test from 'ava';
import { FakeAws } from './fakes/fake-aws.ts';
import { startHttpFace } from './fakes/http-face.ts';
import { runQuery } from './fakes/run-query.ts';

const config = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' }, maxAttempts: 1 });

test('S3, Glue and Athena over HTTP on the one state, with the rules of the SDK face', async (t) => {
  const aws = new FakeAws({ buckets: ['lake'], databases: ['db'] });
  const face = await startHttpFace(aws);
  const s3 = new S3Client({ ...config(face.endpoint), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const glue = new GlueClient(config(face.endpoint));
  const athena = new AthenaClient(config(face.endpoint));
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'in/a file é.dat', Body: 'one\ntwo\n' }));
    t.is(aws.state.getObject('lake', 'in/a file é.dat')?.body.toString(), 'one\ntwo\n');
    await s3.send(new CopyObjectCommand({ Bucket: 'lake', Key: 'in/copy.dat', CopySource: encodeURIComponent('lake/in/a file é.dat') }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'in/', MaxKeys: 1 }));
    t.deepEqual([listed.Contents?.map((c) => c.Key), listed.IsTruncated], [['in/a file é.dat'], true]);
    t.is(await (await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'in/copy.dat' }))).Body?.transformToString(), 'one\ntwo\n');
    t.is((await t.throwsAsync(s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'missing' }))))?.name, 'NotFound');
    t.is((await t.throwsAsync(s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'missing' }))))?.name, 'NoSuchKey');

    aws.state.putObject('lake', '_work/landed/t/manifest', 's3://lake/in/a file é.dat\n');
    const input = {
      DatabaseName: 'db',
      TableInput: {
        Name: 't',
        StorageDescriptor: {
          Location: 's3://lake/_work/landed/t/',
          Columns: [{ Name: 'line', Type: 'string' }],
          InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' },
        },
      },
    };
    await glue.send(new CreateTableCommand(input));
    t.is((await t.throwsAsync(glue.send(new CreateTableCommand(input))))?.name, 'AlreadyExistsException');

    const out = await runQuery(athena, 'SELECT line FROM t ORDER BY line');
    t.deepEqual(out.states, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
    t.deepEqual(out.rows, [['line'], ['one'], ['two']]);
    const ctas = await runQuery(athena, "CREATE TABLE db.c WITH (format = 'PARQUET', external_location = 's3://lake/in/') AS SELECT 1 AS x");
    t.regex(ctas.reason ?? '', /^HIVE_PATH_ALREADY_EXISTS: /);
    await s3.send(new DeleteObjectsCommand({ Bucket: 'lake', Delete: { Objects: [{ Key: 'in/copy.dat' }, { Key: 'in/a file é.dat' }] } }));
    t.deepEqual(aws.state.listKeys('lake', 'in/'), []);
  } finally {
    for (const client of [s3, glue, athena]) client.destroy();
    await face.close();
    await aws.close();
  }
});
