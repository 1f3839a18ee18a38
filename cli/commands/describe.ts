// `procureflow describe TABLE`: a table's columns and their types, as queries see them.
import type { Command } from 'commander';
import { literal, renderValue } from '../../handlers/core/sql-template.ts';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { openLakeForReading } from '../read-lake.ts';
import { formatTable } from '../report.ts';

export function registerDescribeCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(
    program
      .command('describe')
      .description('list the columns of a lake table, e.g. `procureflow describe cleaned_transactions`')
      .argument('<table>', 'table name, with or without its schema (procureflow_db.)'),
  )).action(async (table: string, _options: unknown, command: Command) => {
    const { lake, schema } = await openLakeForReading(command);
    try {
      const name = table.startsWith(`${schema}.`) ? table.slice(schema.length + 1) : table;
      const columns = await lake.session.rows(
        `SELECT column_name AS "column", data_type AS type FROM information_schema.columns
         WHERE table_schema = ${renderValue(literal(schema))} AND table_name = ${renderValue(literal(name))} ORDER BY ordinal_position`,
      );
      if (columns.length === 0) {
        const tables = await lake.session.rows(`SELECT table_name FROM information_schema.tables WHERE table_schema = ${renderValue(literal(schema))} ORDER BY 1`);
        throw new Error(`no table ${JSON.stringify(table)} in ${schema}; its tables: ${tables.map((row) => String(row.table_name)).join(', ')}`);
      }
      process.stdout.write(`${schema}.${name}\n${formatTable(columns, ['column', 'type'])}`);
    } finally {
      await lake.close();
    }
  });
}
