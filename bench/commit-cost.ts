// The commit's cost as the lake grows: BATCHES one-line files ingested one after another into a
// fresh lake; prints the commit step's time (from the beforeStep hook: 'commit' to 'cleanup') and
// the whole batch's time, for the first and the last batches.
// Usage: npm run bench:commit [-- BATCHES=1000]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { handleLanding } from '../handlers/core/handle-landings.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import type { BatchStep } from '../handlers/core/process-batch.ts';
import { CHECKPOINT_EVERY } from '../handlers/local/commit-log.ts';
import { landFile, openLocalLake } from '../handlers/local/local-lake.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';

const batches = Number(process.argv[2] ?? 1000);
const root = path.resolve('.bench', `commit-cost-${process.pid}`);
const WINDOW = 20;

mkdirSync(path.join(root, 'input'), { recursive: true });
try {
  const lake = await openLocalLake({ root: path.join(root, 'lake'), write: true, log: silentLog });
  const commitMs: number[] = [];
  const batchMs: number[] = [];
  let commitStarted = 0;
  const beforeStep = (step: BatchStep) => {
    if (step === 'commit') commitStarted = performance.now();
    if (step === 'cleanup') commitMs.push(performance.now() - commitStarted);
  };
  for (let i = 0; i < batches; i++) {
    const file = path.join(root, 'input', `one-${String(i).padStart(5, '0')}.dat`);
    writeFileSync(file, `${HEADER_LINE}\nTXN-${i}|2026-03-01 14:05:09|42|CUST-1|SKU-1|electronics|3|19.99|1.00|58.97|card|usd\n`);
    const started = performance.now();
    const [result] = await handleLanding(await landFile(lake, file), { ...lake.ports, beforeStep });
    if (result?.status !== 'committed') throw new Error(`batch ${i}: ${JSON.stringify(result)}`);
    batchMs.push(performance.now() - started);
  }
  await lake.close();
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
  const ordinary = (values: number[], from: number, to: number) =>
    values.slice(from, to).filter((_, k) => (from + k + 1) % CHECKPOINT_EVERY !== 0);
  const show = (label: string, values: number[]) => {
    const first = mean(ordinary(values, 0, WINDOW));
    const last = mean(ordinary(values, values.length - WINDOW, values.length));
    process.stdout.write(
      `${label.padEnd(8)} batch 1: ${values[0]?.toFixed(1)} ms, batch ${values.length}: ${values.at(-1)?.toFixed(1)} ms; ` +
        `mean of first ${WINDOW}: ${first.toFixed(1)} ms, of last ${WINDOW}: ${last.toFixed(1)} ms (last/first ${(last / first).toFixed(2)})\n`,
    );
  };
  process.stdout.write(`${batches} one-line batches into one lake\n`);
  show('commit', commitMs);
  show('batch', batchMs);
  const checkpoints = commitMs.filter((_, k) => (k + 1) % CHECKPOINT_EVERY === 0);
  if (checkpoints.length > 0) process.stdout.write(`commits that also write a checkpoint (every ${CHECKPOINT_EVERY}): ${checkpoints.map((ms) => ms.toFixed(1)).join(', ')} ms\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
