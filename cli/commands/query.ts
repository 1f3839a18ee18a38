// `procureflow query SQL`: SQL over the local lake's procureflow_db tables.
import type { Command } from 'commander';
import { openLocalLake, resolveLakeDir } from '../../handlers/local/local-lake.ts';
import { silentLog } from '../../handlers/core/pipeline-log.ts';
import { withLakeOption } from '../lake-option.ts';
import { formatCsv, formatTable } from '../report.ts';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export function registerQueryCommand(program: Command): void {
  withLakeOption(
    program
      .command('query')
      .description('run SQL on the lake: procureflow_db.raw_transactions, cleaned_transactions, rejected_transactions')
      .argument('<sql>', 'the SQL statement')
      .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table'),
  ).action(async (sql: string, options: { lake?: string; format: string }) => {
    if (!FORMATS.includes(options.format as Format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
    const lake = await openLocalLake({ root: resolveLakeDir(options.lake), log: silentLog });
    try {
      const rows = await lake.session.rows(sql);
      const format = options.format as Format;
      const columns = rows.length > 0 ? Object.keys(rows[0] ?? {}) : await lake.session.describe(sql).then((cols) => cols.map((c) => c.name), () => []);
      if (format === 'json') process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (format === 'csv') process.stdout.write(formatCsv(rows, columns));
      else process.stdout.write(formatTable(rows, columns));
    } finally {
      await lake.close();
    }
  });
}
