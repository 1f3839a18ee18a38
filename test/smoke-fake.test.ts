// `procureflow smoke` against the fake AWS side with the real cleaner behind it: the smoke lands
// its crafted files with PutObject, the fake routes each through the stack's EventBridge rule to
// the FIFO queue, the real handler (handlers/lambda.ts) processes them through the fake Athena
// (Trino's grammar and reader, then DuckDB), and the smoke reads the commits from Glue and gold,
// rejects and the balance through Athena. Nothing here is answered by hand: a broken pipeline
// must make the smoke say so.
import test from 'ava';
import { craftedFiles, runSmoke, smokeTarget, type SmokeOptions } from '../cli/commands/smoke.ts';
import { type CleanerOnFake, cleanerOnFake, STACK, STACK_ENV, STACK_ENV_INLINE } from './fakes/cleaner-on-fake.ts';

const RUN = 'fk1';
const target = smokeTarget({ bronzeBucket: STACK.buckets.bronze, bronzePrefix: STACK.bronzePrefix, databaseName: STACK.database, pipelineWorkgroupName: STACK.workGroup }, {});

/**
 * The smoke's clock is the cleaner's (plus a skew, if given). Each of its sleeps is one poll of the event source mapping:
 * whatever the queue holds is delivered to the handler (a reported message comes back only after
 * its visibility timeout, which moves the clock past the smoke's wait).
 */
function smokeOptions(cloud: CleanerOnFake, skewMs = 0): SmokeOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    run: RUN,
    timeoutMs: 60_000,
    pollMs: 5_000,
    now: () => cloud.clock.now + skewMs,
    sleep: async (ms) => {
      // The silver workers first (split stack; none in the inline one), then the turn keeper.
      while (await cloud.deliverSilver()) {
        // one prepare message per invocation, as the silver event source mapping's batch of 1
      }
      if ((cloud.aws.queue?.depth ?? 0) > 0) await cloud.deliver();
      // Time passes; the smoke's own Athena polls wait for their query to settle.
      await cloud.timing.sleep(ms);
    },
    out: (line) => lines.push(line),
  };
}

test('a working deployment: every crafted file is landed, processed by the real handlers (silver workers and turn keeper, the default stack) on the fake Athena, and every smoke check passes', async (t) => {
  // MAX_RECEIVE_COUNT of the stack's landing queue (components/cleaner-queue.ts).
  const cloud = cleanerOnFake({ env: STACK_ENV, maxReceiveCount: 5 });
  t.teardown(() => cloud.aws.close());
  const options = smokeOptions(cloud);
  const ok = await runSmoke(target, cloud.aws.clients(), options);
  t.true(ok, options.lines.join('\n'));
  t.is(options.lines.at(-1), 'smoke: every case as the contract says');
  t.false(options.lines.some((line) => line.includes('FAIL')));
  // What the smoke saw is what the lake holds: one committed batch per crafted file, in landing order.
  const names = craftedFiles(RUN).map((file) => file.name);
  t.is(cloud.aws.state.partitions(STACK.database, 'cleaned_transactions').length, names.length);
  const commits = cloud.aws.state.calls.filter((call) => call.startsWith('Glue.CreatePartition cleaned_transactions'));
  const batches = options.lines.filter((line) => line.startsWith('s3://')).map((line) => / batch (\S+)$/.exec(line)?.[1]);
  t.deepEqual(commits, batches.map((batch) => `Glue.CreatePartition cleaned_transactions ${batch ?? '?'}`));
  t.deepEqual(cloud.errors, [], 'the handler logged no error');
  t.deepEqual(cloud.deadLetters, []);
  // The hidden name was read through a safe copy, and only it (the upper-case .DAT is read in place).
  t.deepEqual(
    cloud.aws.state.calls.filter((call) => call.startsWith('S3.CopyObject')).map((call) => decodeURIComponent(call).split(' → ')[0]),
    [`S3.CopyObject ${STACK.buckets.bronze}/${STACK.bronzePrefix}smoke-${RUN}/_hidden-name.dat`],
  );
});

test('a broken step of one file: the smoke exits false, names the file that never committed and the ones stuck behind it in the FIFO group', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE, maxReceiveCount: 5 });
  t.teardown(() => cloud.aws.close());
  // The rejects step fails for the upper-case file (an Athena failure the fake cannot produce
  // from data). Gold runs once for a whole group, so the failure is put on a step of that file alone.
  cloud.aws.state.settings.failWhen = (sql) => (/^CREATE TABLE \S+\.stage_rejects_sales_/.test(sql) ? 'HIVE_CURSOR_ERROR: injected by the test' : undefined);
  const options = smokeOptions(cloud);
  const ok = await runSmoke(target, cloud.aws.clients(), options);
  t.false(ok);
  const text = options.lines.join('\n');
  t.is(options.lines.at(-1), 'smoke: MISMATCH (see FAIL lines above)');
  const verdicts = new Map<string, string[]>();
  let current = '';
  for (const line of options.lines) {
    const landed = /^s3:\/\/\S+\/smoke-fk1\/(\S+) /.exec(line);
    if (landed) verdicts.set((current = landed[1] ?? ''), []);
    else if (line.startsWith('  ')) verdicts.get(current)?.push(line.trim().slice(0, 4).trim());
  }
  // The first file commits and checks out; SALES.DAT never commits; the files after it wait
  // behind it in the one message group, so they are not committed within the wait either.
  t.deepEqual(Object.fromEntries(verdicts), {
    '2026-03-01.dat': ['ok', 'ok', 'ok', 'ok'],
    'SALES.DAT': ['FAIL'],
    '_hidden-name.dat': ['FAIL'],
    'gzipped.dat.gz': ['FAIL'],
  }, text);
  t.regex(text, /SALES\.DAT .*\n {2}FAIL not committed within 60 s/);
  // The cleaner saw the real failure, with Athena's reason, and no SALES.DAT partition exists.
  t.true(cloud.errors.some((entry) => JSON.stringify(entry.fields).includes('HIVE_CURSOR_ERROR: injected by the test')));
  t.false(cloud.aws.state.partitions(STACK.database, 'cleaned_transactions').some((partition) => partition.Values[0]?.startsWith('sales_')));
});

test('a user clock an hour ahead of AWS does not make the smoke rerun its queries as stale (every check still passes)', async (t) => {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE, maxReceiveCount: 5 });
  t.teardown(() => cloud.aws.close());
  const options = smokeOptions(cloud, 3_600_000);
  t.true(await runSmoke(target, cloud.aws.clients(), options), options.lines.join('\n'));
  // Each smoke query ran once: 4 files × (gold, rejects, silver count).
  t.is([...cloud.aws.state.executions.values()].filter((execution) => execution.sql.startsWith('SELECT') && execution.sql.includes("WHERE batch_id = '")).length, 12);
});
