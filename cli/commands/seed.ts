// `procureflow seed`: generated .dat files into an S3 bronze prefix, resumable.
import type { Command } from 'commander';
import type { SeedCliOptions } from '../seed-run.ts';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('seed an S3 bronze prefix with generated .dat files (multipart, resumable from its manifest)')
    .requiredOption('--bucket <name>', 'bronze bucket')
    .option('--prefix <prefix>', 'key prefix, e.g. bronze/', '')
    .option('--size <size>', 'total size, e.g. 200MB, 10GB', '1GB')
    .option('--files <n>', 'number of objects (default: size / batch size)')
    .option('--seed <n>', 'random seed', '7')
    .option('--batch-size <size>', 'bytes per object (micro-batch)', '64MB')
    .option('--concurrency <n>', 'uploads in flight', '4')
    .option('--retries <n>', 'retries per object, with exponential backoff', '3')
    .option('--endpoint <url>', 'S3-compatible endpoint (path-style), e.g. http://127.0.0.1:4568')
    .option('--region <region>', 'AWS region')
    .action(async (options: SeedCliOptions) => {
      const { runSeed } = await import('../seed-run.ts');
      await runSeed(options);
    });
}
