// `procureflow query [SQL]`: SQL over the local lake's procureflow_db tables, from the argument,
// --file or stdin, streamed to stdout.
import type { Command } from 'commander';
import { integerOption } from '../integer-option.ts';
import { withLakeOption } from '../lake-option.ts';
import { DEFAULT_TABLE_LIMIT, FORMATS, type Format, writeResult } from '../query-output.ts';
import { readSql } from '../query-source.ts';
import { openLakeForReading } from '../read-lake.ts';

interface QueryOptions {
  lake?: string;
  format: string;
  file?: string;
  limit?: string;
  all?: boolean;
}

export function registerQueryCommand(program: Command): void {
  withLakeOption(
    program
      .command('query')
      .description('run SQL on the lake (tables: raw_transactions, cleaned_transactions, rejected_transactions in procureflow_db)')
      .argument('[sql]', 'the SQL; `-` or omitted with a pipe: read it from stdin')
      .option('--file <file>', 'read the SQL from a file (`-`: stdin), e.g. sql/analytics/revenue_by_category.sql')
      .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table')
      .option('--limit <n>', `print at most n rows (table default: ${DEFAULT_TABLE_LIMIT}; csv and json: all)`)
      .option('--all', 'print every row (table mode)')
      // A SQL file's text starts with its `--` comment; readSql tells such text from a mistyped flag.
      .allowUnknownOption(),
  ).action(async (argument: string | undefined, options: QueryOptions) => {
    if (!FORMATS.includes(options.format as Format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
    if (options.all && options.limit !== undefined) throw new Error('give either --limit or --all, not both');
    const format = options.format as Format;
    const limit = options.limit !== undefined ? integerOption(options.limit, '--limit', 0) : options.all || format !== 'table' ? undefined : DEFAULT_TABLE_LIMIT;
    const { sql } = await readSql({ argument, file: options.file });
    const { lake } = await openLakeForReading(options.lake);
    try {
      // Streaming: DuckDB hands over one chunk at a time as stdout takes it.
      const result = await lake.session.connection.stream(sql);
      await writeResult(result, process.stdout, { format, limit });
    } finally {
      await lake.close();
    }
  });
}
