// `procureflow ingest FILE...`: each file is one batch, landed and processed before returning.
import type { Command } from 'commander';
import { openLocalLake, resolveLakeDir } from '../../handlers/local/local-lake.ts';
import { ingestFiles } from '../ingest-files.ts';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { formatIngestSummary, formatResult } from '../report.ts';

export function registerIngestCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(
    program
      .command('ingest')
      .description('land .dat, .dat.gz or .zip files in the lake and process each into silver and gold')
      .argument('<files...>', 'files or folders (their .dat, .dat.gz and .zip files), in order; bronze key: <folder name>/<file name>'),
  )).action(async (files: string[], options: { lake?: string; memoryLimit?: string }) => {
    const lake = await openLocalLake({ root: resolveLakeDir(options.lake), write: true, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) });
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
