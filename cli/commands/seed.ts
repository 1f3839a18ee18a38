// `procureflow seed`: generated .dat files into an S3 bronze prefix or a folder, resumable.
import { type Command, Option } from 'commander';
import { DEFAULT_BATCH_BYTES } from '../../generator/seed-upload.ts';
import { GB } from '../../generator/size.ts';
import { integerArg, sizeArg } from '../option-parsers.ts';
import type { SeedCliOptions } from '../seed-run.ts';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('seed an S3 bronze prefix (or a folder) with generated .dat files, resumable from its manifest')
    .addOption(new Option('--bucket <name>', 'S3 bucket to seed').conflicts('out'))
    .addOption(new Option('--out <dir>', 'folder to seed instead of a bucket (same bytes, same manifest)'))
    .option('--prefix <prefix>', 'key prefix, e.g. bronze/', '')
    .addOption(new Option('--size <size>', 'total size, e.g. 200MB, 10GB').argParser(sizeArg).default(GB, '1GB'))
    .addOption(new Option('--files <n>', 'number of objects (default: size / batch size)').argParser(integerArg(1)))
    .addOption(new Option('--seed <n>', 'random seed').argParser(integerArg()).default(7))
    .addOption(new Option('--batch-size <size>', 'bytes per object (micro-batch)').argParser(sizeArg).default(DEFAULT_BATCH_BYTES, '64MB'))
    .addOption(new Option('--concurrency <n>', 'objects written at once').argParser(integerArg(1)).default(4))
    .addOption(new Option('--retries <n>', 'retries per object, with exponential backoff').argParser(integerArg(0)).default(3))
    .addOption(new Option('--endpoint <url>', 'S3-compatible endpoint (path-style), e.g. http://127.0.0.1:4568').conflicts('out'))
    .addOption(new Option('--region <region>', 'AWS region').conflicts('out'))
    .action(async (options: SeedCliOptions) => {
      const { runSeed } = await import('../seed-run.ts');
      await runSeed(options);
    });
}
