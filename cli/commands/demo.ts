// `procureflow demo`: generate about 200 MB, land it, run silver and gold, print the report.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { generateDataset } from '../../generator/generate.ts';
import { MB } from '../../generator/size.ts';
import { balanceHolds, type BatchFigures } from '../../handlers/core/batch-figures.ts';
import { openLocalLake, resolveLakeDir } from '../../handlers/local/local-lake.ts';
import { runAnalytics } from '../analytics.ts';
import { ingestFiles } from '../ingest-files.ts';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { integerArg, sizeArg } from '../option-parsers.ts';
import { byteProgress } from '../progress.ts';
import { formatBarChart, formatBytes, formatIngestSummary, formatResult, formatTable } from '../report.ts';

export function registerDemoCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(
    program
      .command('demo')
      .description('generate ~200 MB of retail data, land it, build silver and gold, and print the report')
      .addOption(new Option('--size <size>', 'total size to generate').argParser(sizeArg).default(200 * MB, '200MB'))
      .addOption(new Option('--files <n>', 'number of files (one batch each)').argParser(integerArg(1)).default(4))
      .addOption(new Option('--seed <n>', 'random seed').argParser(integerArg()).default(7)),
  )).action(async (options: { lake?: string; memoryLimit?: string; size: number; files: number; seed: number }) => {
    const { size: sizeBytes, seed, files: fileCount } = options;
    const lake = await openLocalLake({ root: resolveLakeDir(options.lake), write: true, ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}) });
    const out = process.stdout;
    try {
      // The generated input is scratch: bronze keeps its own copy, so the input goes when ingested.
      const inputDir = path.join(lake.layout.workDir, `demo-input-${seed}-${sizeBytes}-${fileCount}`);
      let generated: Awaited<ReturnType<typeof generateDataset>>;
      let generateSeconds: number;
      let outcome: Awaited<ReturnType<typeof ingestFiles>>;
      try {
        const generateStart = Date.now();
        const bar = byteProgress('generate', sizeBytes);
        generated = await generateDataset({ sizeBytes, files: fileCount, seed, outDir: inputDir, prefix: 'retail', onProgress: (done) => bar.update(done) }).then(
          (files) => (bar.complete(), files),
        ).finally(() => bar.stop());
        generateSeconds = (Date.now() - generateStart) / 1000;
        outcome = await ingestFiles(lake, generated.map((file) => file.path), { keyFor: (file) => `demo/${path.basename(file)}` });
      } finally {
        await rm(inputDir, { recursive: true, force: true });
      }
      const datBytes = generated.reduce((sum, file) => sum + file.bytes, 0);
      const figures = outcome.results.flatMap((result) => ('figures' in result && result.figures ? [result.figures] : []));

      out.write(`\nProcureFlow demo — lake ${lake.layout.root}\n`);
      out.write(`generated ${generated.length} files, ${formatBytes(datBytes)} in ${generateSeconds.toFixed(1)} s (${(datBytes / MB / generateSeconds).toFixed(0)} MB/s)\n`);
      out.write(`ingested: ${formatIngestSummary(outcome)}\n\n`);
      for (const result of outcome.results) out.write(`${formatResult(result)}\n`);
      out.write(`\nBatches (lines = loaded + duplicates + rejected)\n${formatTable(figures.map(batchRow))}`);
      out.write(`\nRejects by reason\n${formatTable(rejectRows(figures))}`);
      out.write(`\nSizes\n${formatTable(sizeRows(datBytes, figures))}`);
      const revenue = await runAnalytics(lake, 'revenue_by_category');
      out.write(`\nRevenue by category (sql/analytics/revenue_by_category.sql)\n${formatTable(revenue)}\n`);
      out.write(formatBarChart(revenue, 'product_category', 'revenue'));
      out.write(`\nTry: npx procureflow query "SELECT * FROM procureflow_db.rejected_transactions LIMIT 5"${options.lake ? ` --lake ${options.lake}` : ''}\n`);
      if (outcome.failures.length > 0 || !figures.every(balanceHolds)) process.exitCode = 1;
    } finally {
      await lake.close();
    }
  });
}

function batchRow(f: BatchFigures): Record<string, unknown> {
  return {
    file: f.sourceFile.split('/').pop(),
    lines: f.lines,
    loaded: f.loaded,
    duplicates: f.duplicates,
    rejected: f.rejected,
    balance: balanceHolds(f) ? 'ok' : 'BROKEN',
    seconds: f.seconds,
  };
}

function rejectRows(figures: BatchFigures[]): Record<string, unknown>[] {
  const totals = new Map<string, number>();
  for (const f of figures) for (const [reason, n] of Object.entries(f.rejectsByReason)) totals.set(reason, (totals.get(reason) ?? 0) + n);
  return [...totals].sort((a, b) => b[1] - a[1]).map(([reason, rows]) => ({ reason, rows }));
}

function sizeRows(datBytes: number, figures: BatchFigures[]): Record<string, unknown>[] {
  const sum = (pick: (f: BatchFigures) => number) => figures.reduce((total, f) => total + pick(f), 0);
  const row = (layer: string, bytes: number) => ({ layer, size: formatBytes(bytes), 'of .dat': `${((bytes / datBytes) * 100).toFixed(1)} %` });
  const silver = sum((f) => f.bytesOut.silver);
  const gold = sum((f) => f.bytesOut.gold);
  const rejects = sum((f) => f.bytesOut.rejects);
  return [
    row('bronze .dat', datBytes),
    row('silver Parquet (every line, raw text of rejects)', silver),
    row('gold Parquet (clean, deduplicated)', gold),
    row('rejects Parquet', rejects),
    row('the lake: silver + gold + rejects', silver + gold + rejects),
  ];
}
