// The lake folder option shared by every command that touches a lake, and the check that a
// folder given to a reading command is a lake at all.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { lakeLayout, LOCAL_BUCKETS } from '../handlers/local/lake-layout.ts';
import { resolveLakeDir } from '../handlers/local/local-lake.ts';

export function withLakeOption(command: Command): Command {
  return command.option('--lake <dir>', 'lake folder (default: $PROCUREFLOW_LAKE or ./.lake)');
}

const isDirectory = (dir: string) => stat(dir).then((info) => info.isDirectory(), () => false);

/**
 * The lake folder of a reading command (query, tables, describe), refused unless `ingest` or
 * `demo` made it: a mistyped --lake must not answer "0 rows" nor leave folders behind, so this
 * only looks. A lake has its catalog folder and its bronze bucket folder from its first landing.
 */
export async function existingLakeDir(flag?: string): Promise<string> {
  const root = resolveLakeDir(flag);
  const layout = lakeLayout(root);
  const { catalogDir } = layout;
  const missing = [];
  if (!(await isDirectory(catalogDir))) missing.push(`${path.basename(catalogDir)}/`);
  if (!(await isDirectory(layout.bucketDir(LOCAL_BUCKETS.bronze)))) missing.push(`${LOCAL_BUCKETS.bronze}/`);
  if (missing.length === 0) return root;
  const from = flag !== undefined ? '--lake' : process.env.PROCUREFLOW_LAKE !== undefined ? 'PROCUREFLOW_LAKE' : 'the default ./.lake';
  throw new Error(
    `${root} (from ${from}) is not a ProcureFlow lake: it has no ${missing.join(' and no ')} folder. ` +
      `A lake is made by \`procureflow ingest FILE --lake DIR\` or \`procureflow demo --lake DIR\`; check the path.`,
  );
}
