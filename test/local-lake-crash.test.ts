// A crash at any point of a batch, the commit included, then a rerun by a new process: the lake
// of one clean run, and nothing left behind (no partial file, no work copy, no temporary commit
// file, no partition folder of an uncommitted batch).
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { BATCH_STEPS, type BatchStep } from '../handlers/core/process-batch.ts';
import type { CommitFaults } from '../handlers/local/commit-log.ts';
import { datFile, deliver, ingest, lakeContents, landContent, leftovers, line, openTestLake, reopenTestLake } from './helpers/local-lake.ts';

const DAY1 = datFile([line('TXN-1'), line('TXN-2', { total_amount: '' }), line('TXN-3', { store_id: '0' })]);
const DAY2 = datFile([line('TXN-2', { customer_id: 'C-resent' }), line('TXN-4'), line('TXN-4', { customer_id: 'C-a' }), 'not|a|line']);
const DEAD_PID = 2 ** 22 + 1; // above Linux's pid_max: never a live process

async function cleanLake(t: ExecutionContext): Promise<Awaited<ReturnType<typeof lakeContents>>> {
  const clean = await openTestLake(t);
  await ingest(t, clean, 'day1.dat', DAY1);
  await ingest(t, clean, 'day2.dat', DAY2);
  return lakeContents(clean);
}

/** Crashes once, the first time it is fired while armed. */
interface Trigger {
  armed: boolean;
  fire(): void;
}
type Crash = { name: string; beforeStep?: BatchStep; faults?: (trigger: Trigger) => CommitFaults };
const CRASHES: Crash[] = [
  ...BATCH_STEPS.map((step) => ({ name: `before step ${step}`, beforeStep: step })),
  {
    name: 'while writing the commit file',
    faults: (trigger) => ({
      whileWritingCommit: async (temporary) => {
        if (!trigger.armed) return;
        // A killed writer leaves its flushed temporary file behind under its own pid.
        await writeFile(path.join(path.dirname(temporary), `.${DEAD_PID}-0badc0de.tmp`), '{"version":2,"kind":"commit","bat');
        trigger.fire();
      },
    }),
  },
  { name: 'right after the commit file is written', faults: (trigger) => ({ afterCommitFile: () => trigger.fire() }) },
];

for (const crashCase of CRASHES) {
  test(`a crash ${crashCase.name}, then a rerun by a new process: the lake of one clean run, nothing left behind`, async (t) => {
    const expected = await cleanLake(t);
    let crashes = 0;
    const trigger: Trigger = {
      armed: false,
      fire() {
        if (!this.armed) return;
        this.armed = false;
        crashes++;
        throw new Error(`injected crash ${crashCase.name}`);
      },
    };
    const lake = await openTestLake(t, { commitFaults: crashCase.faults?.(trigger) });
    await ingest(t, lake, 'day1.dat', DAY1);

    const landing = await landContent(lake, 'day2.dat', DAY2);
    trigger.armed = true;
    const beforeStep = (step: BatchStep) => {
      if (step === crashCase.beforeStep) trigger.fire();
    };
    const [failed] = await deliver(lake, [landing], { beforeStep });
    t.is(crashes, 1);
    t.is(failed?.status, 'failed');

    await reopenTestLake(lake);
    const [rerun] = await deliver(lake, [landing]);
    t.true(rerun?.status === 'committed' || rerun?.status === 'already_committed', JSON.stringify(rerun));
    t.deepEqual(await lakeContents(lake), expected);
    t.deepEqual(await leftovers(lake), []);
  });
}

test('a crash while landing leaves a partial file; landing the same key again removes it', async (t) => {
  const lake = await openTestLake(t);
  const bronze = lake.lake.layout.bucketDir('bronze');
  await mkdir(bronze, { recursive: true });
  const partial = path.join(bronze, `day2.dat.${DEAD_PID}.partial`);
  await writeFile(partial, DAY2.slice(0, 40));
  await deliver(lake, [await landContent(lake, 'day2.dat', DAY2)]);
  t.deepEqual(await leftovers(lake), []);
  t.false((await readdir(bronze)).includes(path.basename(partial)));
});
