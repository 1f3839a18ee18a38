// `procureflow tables`: the lake's tables, what each holds and how many rows it has.
import type { Command } from 'commander';
import { LAKE_TABLES, TABLE_LAYER } from '../../handlers/core/tables.ts';
import type { LakeTable } from '../../handlers/core/ports.ts';
import { literal, renderValue } from '../../handlers/core/sql-template.ts';
import { withLakeOption, withMemoryLimitOption } from '../lake-option.ts';
import { openLakeForReading } from '../read-lake.ts';
import { formatTable } from '../report.ts';

/** One line on each lake table, for people finding their way (docs/analysts.md says more). */
export const TABLE_PURPOSE: Record<LakeTable, string> = {
  raw_transactions: 'every data line, typed, with raw_line and reject_reason',
  cleaned_transactions: 'valid lines, deduplicated by transaction_id (first write wins)',
  rejected_transactions: 'broken lines with their one reason',
};

/** The local catalog's view of committed batches (handlers/local/batches-view.ts). */
const BATCHES_VIEW = { name: 'batches', layer: 'catalog', holds: 'one row per committed batch with its figures' };

export function registerTablesCommand(program: Command): void {
  withMemoryLimitOption(withLakeOption(program.command('tables').description("list the lake's tables with their row counts"))).action(async (_options: unknown, command: Command) => {
    const { lake, schema } = await openLakeForReading(command);
    try {
      const names = await lake.session.rows(
        `SELECT table_name AS name, count(*) AS columns FROM information_schema.columns WHERE table_schema = ${renderValue(literal(schema))} GROUP BY table_name ORDER BY table_name`,
      );
      const rows = [];
      for (const { name, columns } of names) {
        const table = String(name);
        const [count] = await lake.session.rows(`SELECT count(*) AS n FROM ${schema}."${table.replaceAll('"', '""')}"`);
        const known = (LAKE_TABLES as string[]).includes(table) ? (table as LakeTable) : undefined;
        rows.push({
          table: `${schema}.${table}`,
          layer: known ? TABLE_LAYER[known] : table === BATCHES_VIEW.name ? BATCHES_VIEW.layer : '',
          rows: Number(count?.n ?? 0),
          columns: Number(columns),
          holds: known ? TABLE_PURPOSE[known] : table === BATCHES_VIEW.name ? BATCHES_VIEW.holds : '',
        });
      }
      process.stdout.write(formatTable(rows, ['table', 'layer', 'rows', 'columns', 'holds']));
    } finally {
      await lake.close();
    }
  });
}
