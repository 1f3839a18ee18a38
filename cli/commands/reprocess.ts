// `procureflow reprocess BATCH`: runs a committed batch again from its bronze object with
// today's SQL, under the same batch id (drop, then process the landing again).
import type { Command } from 'commander';
import { reprocessBatch } from '../../handlers/core/batch-operations.ts';
import { openTarget, type TargetOptions, withTargetOptions } from './batches.ts';

export function registerReprocessCommand(program: Command): void {
  withTargetOptions(
    program
      .command('reprocess')
      .argument('<batch>', 'the batch id (see `procureflow batches`)')
      .description("run a committed batch again from its bronze object with today's SQL (same batch id)"),
  ).action(async (batchId: string, options: TargetOptions, command: Command) => {
    const target = await openTarget(options, true, command);
    try {
      const { before, result } = await reprocessBatch(target.ports, batchId);
      if (result.status !== 'committed') {
        process.stderr.write(`procureflow reprocess: batch ${batchId} was committed again by another writer meanwhile; nothing reprocessed\n`);
        process.exitCode = 1;
        return;
      }
      const after = result.figures;
      const figures = (f: typeof before) => `loaded ${f.loaded}, duplicates ${f.duplicates} (in gold ${f.duplicatesInGold}), rejected ${f.rejected}`;
      process.stdout.write(`reprocessed batch ${batchId} (${after.sourceFile}) in ${target.where}\n  before: ${figures(before)}\n  after:  ${figures(after)}\n`);
    } finally {
      await target.close();
    }
  });
}
