// `procureflow query [SQL]`: SQL over the local lake's procureflow_db tables, from the argument,
// --file or stdin, streamed to stdout.
import { type Command, Option } from 'commander';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { integerArg } from '../option-parsers.ts';
import { DEFAULT_TABLE_LIMIT, FORMATS, type Format, writeResult } from '../query-output.ts';
import { readSql } from '../query-source.ts';
import { openLakeForReading } from '../read-lake.ts';

interface QueryOptions {
  format: Format;
  file?: string;
  limit?: number;
  all?: boolean;
}

export function registerQueryCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(
    program
      .command('query')
      .description('run SQL on the lake (tables: raw_transactions, cleaned_transactions, rejected_transactions in procureflow_db)')
      .argument('[sql]', 'the SQL; `-` or omitted with a pipe: read it from stdin')
      .option('--file <file>', 'read the SQL from a file (`-`: stdin), e.g. sql/analytics/revenue_by_category.sql')
      .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
      .addOption(new Option('--limit <n>', `print at most n rows (table default: ${DEFAULT_TABLE_LIMIT}; csv and json: all)`).argParser(integerArg(0)))
      .addOption(new Option('--all', 'print every row (table mode)').conflicts('limit'))
      // A SQL file's text starts with its `--` comment; readSql tells such text from a mistyped flag.
      .allowUnknownOption(),
  )).action(async (argument: string | undefined, options: QueryOptions, command: Command) => {
    const { format } = options;
    const limit = options.limit ?? (options.all || format !== 'table' ? undefined : DEFAULT_TABLE_LIMIT);
    const { sql } = await readSql({ argument, file: options.file });
    const { lake } = await openLakeForReading(command);
    try {
      // Streaming: DuckDB hands over one chunk at a time as stdout takes it.
      const result = await lake.session.connection.stream(sql);
      await writeResult(result, process.stdout, { format, limit });
    } finally {
      await lake.close();
    }
  });
}
