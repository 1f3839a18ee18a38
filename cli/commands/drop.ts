// `procureflow drop BATCH`: removes one batch from silver, gold and rejects (local lake or a
// deployed stack). What first write wins means afterwards: docs/deploy.md, "Operating batches".
import type { Command } from 'commander';
import { dropBatch } from '../../handlers/core/batch-operations.ts';
import { openTarget, type TargetOptions, withTargetOptions } from './batches.ts';

export function registerDropCommand(program: Command): void {
  withTargetOptions(
    program
      .command('drop')
      .argument('<batch>', 'the batch id (see `procureflow batches`)')
      .description('remove one batch from silver, gold and rejects; the ids it loaded become loadable again'),
  ).action(async (batchId: string, options: TargetOptions, command: Command) => {
    const target = await openTarget(options, true, command);
    try {
      const result = await dropBatch(target.ports, batchId);
      if (!result.dropped && !result.figures) {
        process.stderr.write(`procureflow drop: batch ${batchId} is not committed in ${target.where}; nothing dropped\n`);
        process.exitCode = 1;
        return;
      }
      const f = result.figures;
      process.stdout.write(
        `dropped batch ${batchId}${f ? ` (${f.sourceFile}: ${f.loaded} gold rows, ${f.rejected} rejects, ${f.lines} silver rows)` : ''} from ${target.where}\n`,
      );
    } finally {
      await target.close();
    }
  });
}
