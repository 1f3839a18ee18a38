// `procureflow ingest FILE...`: each file is one batch, landed and processed before returning.
import { type Command, Option } from 'commander';
import { openLocalLake, resolveLakeDir } from '../../handlers/local/local-lake.ts';
import { ingestFiles } from '../ingest-files.ts';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { integerArg } from '../option-parsers.ts';
import { formatIngestSummary, formatResult } from '../report.ts';

export function registerIngestCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(
    program
      .command('ingest')
      .description('land .dat, .dat.gz or .zip files in the lake and process each into silver and gold')
      .argument('<files...>', 'files or folders (their .dat, .dat.gz and .zip files), in order; bronze key: <folder name>/<file name>')
      // Off by default: the contract's first write wins over the whole gold (docs/data-contract.md).
      .addOption(
        new Option('--dedupe-horizon-days <n>', 'look up ids already in gold only among transactions dated at most N days before the batch (default: all of gold)').argParser(integerArg(1)),
      ),
  )).action(async (files: string[], options: { lake?: string; memoryLimit?: string; dedupeHorizonDays?: number }) => {
    const lake = await openLocalLake({
      root: resolveLakeDir(options.lake),
      write: true,
      ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
      ...(options.dedupeHorizonDays ? { dedupeHorizonDays: options.dedupeHorizonDays } : {}),
    });
    try {
      const outcome = await ingestFiles(lake, files);
      for (const result of outcome.results) process.stdout.write(`${formatResult(result)}\n`);
      process.stdout.write(`${formatIngestSummary(outcome)}\n`);
      if (outcome.failures.length > 0) {
        for (const failure of outcome.failures) process.stderr.write(`procureflow ingest: ${formatResult(failure)}\n`);
        process.exitCode = 1;
      }
    } finally {
      await lake.close();
    }
  });
}
