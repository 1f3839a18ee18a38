// `procureflow generate`: synthetic, contract-conforming retail .dat files.
import { type Command, Option } from 'commander';
import { generateDataset } from '../../generator/generate.ts';
import { MB } from '../../generator/size.ts';
import { integerArg, sizeArg } from '../option-parsers.ts';
import { byteProgress } from '../progress.ts';
import { formatBytes } from '../report.ts';

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('generate realistic retail .dat files with known dirt (deterministic per seed)')
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--size <size>', 'total size, e.g. 200MB, 1GB, 10GB').argParser(sizeArg).default(200 * MB, '200MB'))
    .addOption(new Option('--files <n>', 'number of files').argParser(integerArg(1)).default(8))
    .addOption(new Option('--seed <n>', 'random seed').argParser(integerArg()).default(7))
    .action(async (options: { out: string; size: number; files: number; seed: number }) => {
      const sizeBytes = options.size;
      const progress = byteProgress('generate', sizeBytes);
      const started = Date.now();
      const files = await generateDataset({
        sizeBytes,
        files: options.files,
        seed: options.seed,
        outDir: options.out,
        onProgress: (done) => progress.update(done),
      })
        .then((written) => (progress.complete(), written))
        .finally(() => progress.stop());
      const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
      const seconds = (Date.now() - started) / 1000;
      for (const file of files) process.stdout.write(`${file.path}\t${formatBytes(file.bytes)}\t${file.lines} lines\n`);
      process.stdout.write(`${files.length} files, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s (${(bytes / MB / seconds).toFixed(0)} MB/s)\n`);
    });
}
