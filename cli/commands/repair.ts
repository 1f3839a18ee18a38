// `procureflow repair`: checks the lake against its catalog, rebuilds what the files vouch for,
// removes leftovers, and reports what it could not vouch for (exit code 1 then).
import type { Command } from 'commander';
import { lakeLayout } from '../../handlers/local/lake-layout.ts';
import { repairLake } from '../../handlers/local/lake-repair.ts';
import { resolveLakeDir } from '../../handlers/local/local-lake.ts';
import { withLakeOption } from '../lake-option.ts';

export function registerRepairCommand(program: Command): void {
  withLakeOption(
    program
      .command('repair')
      .description('check the lake against its catalog, rebuild a damaged catalog from the files, remove leftovers of crashed runs')
      .option('--dry-run', 'only say what would be done')
      .option('--drop-damaged', 'drop committed batches whose files are missing or changed, so that their files can be ingested again'),
  ).action(async (options: { lake?: string; dryRun?: boolean; dropDamaged?: boolean }) => {
    const layout = lakeLayout(resolveLakeDir(options.lake));
    const report = await repairLake(layout, { dryRun: options.dryRun, dropDamaged: options.dropDamaged });
    const verb = options.dryRun ? 'would' : 'did';
    for (const action of report.actions) process.stdout.write(`repair ${verb}: ${action}\n`);
    for (const problem of report.problems) process.stderr.write(`procureflow repair: NOT REPAIRED: ${problem}\n`);
    process.stdout.write(
      `${layout.root}: ${report.batches} committed batch(es); ${report.actions.length} repair(s) ${options.dryRun ? 'to do' : 'done'}; ${report.problems.length} problem(s) left\n`,
    );
    if (report.problems.length > 0 || (options.dryRun && report.actions.length > 0)) process.exitCode = 1;
  });
}
