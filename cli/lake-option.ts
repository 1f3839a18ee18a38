// The lake options shared by every command that touches a lake, and the check that a folder given
// to a reading command is a lake at all. Commander reads the environment (`.env()`), so a flag
// beats PROCUREFLOW_LAKE / PROCUREFLOW_MEMORY_LIMIT and `--help` names both variables.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { lakeLayout, LOCAL_BUCKETS } from '../handlers/local/lake-layout.ts';
import { DEFAULT_MEMORY_LIMIT, resolveLakeDir } from '../handlers/local/local-lake.ts';

export function withLakeOption(command: Command): Command {
  return command.addOption(new Option('--lake <dir>', 'lake folder (default: ./.lake)').env('PROCUREFLOW_LAKE'));
}

/** For the commands that open DuckDB on the lake. */
export function withMemoryLimitOption(command: Command): Command {
  return command.addOption(new Option('--memory-limit <size>', `DuckDB's memory limit, e.g. 2GB (default: ${DEFAULT_MEMORY_LIMIT})`).env('PROCUREFLOW_MEMORY_LIMIT'));
}

/** How a refusal names where the lake folder came from. */
export function lakeOrigin(command: Command): string {
  switch (command.getOptionValueSource('lake')) {
    case 'cli':
      return '--lake';
    case 'env':
      return 'PROCUREFLOW_LAKE';
    default:
      return 'the default ./.lake';
  }
}

const isDirectory = (dir: string) => stat(dir).then((info) => info.isDirectory(), () => false);

/**
 * The lake folder of a reading command (query, tables, describe), refused unless `ingest` or
 * `demo` made it: a mistyped --lake must not answer "0 rows" nor leave folders behind, so this
 * only looks. A lake has its catalog folder and its bronze bucket folder from its first landing.
 */
export async function existingLakeDir(dir: string | undefined, origin: string): Promise<string> {
  const root = resolveLakeDir(dir);
  const layout = lakeLayout(root);
  const { catalogDir } = layout;
  const missing = [];
  if (!(await isDirectory(catalogDir))) missing.push(`${path.basename(catalogDir)}/`);
  if (!(await isDirectory(layout.bucketDir(LOCAL_BUCKETS.bronze)))) missing.push(`${LOCAL_BUCKETS.bronze}/`);
  if (missing.length === 0) return root;
  throw new Error(
    `${root} (from ${origin}) is not a ProcureFlow lake: it has no ${missing.join(' and no ')} folder. ` +
      `A lake is made by \`procureflow ingest FILE --lake DIR\` or \`procureflow demo --lake DIR\`; check the path.`,
  );
}
