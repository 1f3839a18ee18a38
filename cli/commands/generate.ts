// `procureflow generate`: synthetic, contract-conforming retail .dat files.
import type { Command } from 'commander';
import { generateDataset, parseSize } from '../../generator/generate.ts';
import { byteProgress } from '../progress.ts';
import { integerOption } from '../integer-option.ts';
import { formatBytes } from '../report.ts';

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('generate realistic retail .dat files with known dirt (deterministic per seed)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--size <size>', 'total size, e.g. 200MB, 1GB, 10GB', '200MB')
    .option('--files <n>', 'number of files', '8')
    .option('--seed <n>', 'random seed', '7')
    .action(async (options: { out: string; size: string; files: string; seed: string }) => {
      const sizeBytes = parseSize(options.size);
      const progress = byteProgress('generate', sizeBytes);
      const started = Date.now();
      const files = await generateDataset({
        sizeBytes,
        files: integerOption(options.files, '--files', 1),
        seed: integerOption(options.seed, '--seed'),
        outDir: options.out,
        onProgress: (done) => progress.update(done),
      })
        .then((written) => (progress.complete(), written))
        .finally(() => progress.stop());
      const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
      const seconds = (Date.now() - started) / 1000;
      for (const file of files) process.stdout.write(`${file.path}\t${formatBytes(file.bytes)}\t${file.lines} lines\n`);
      process.stdout.write(`${files.length} files, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s (${(bytes / 1024 / 1024 / seconds).toFixed(0)} MB/s)\n`);
    });
}
