// The `procureflow` command: demo, describe, generate, ingest, query, repair, seed, smoke, tables.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBatchesCommand } from './commands/batches.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerDropCommand } from './commands/drop.ts';
import { registerDescribeCommand } from './commands/describe.ts';
import { registerGenerateCommand } from './commands/generate.ts';
import { registerIngestCommand } from './commands/ingest.ts';
import { registerQueryCommand } from './commands/query.ts';
import { registerRepairCommand } from './commands/repair.ts';
import { registerReprocessCommand } from './commands/reprocess.ts';
import { registerSeedCommand } from './commands/seed.ts';
import { registerSmokeCommand } from './commands/smoke.ts';
import { registerTablesCommand } from './commands/tables.ts';

const program = new Command()
  .name('procureflow')
  .description('Turn legacy retail .dat extracts into a bronze → silver → gold Parquet lake (DuckDB locally, Athena on AWS).')
  .version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .showHelpAfterError();

registerDemoCommand(program);
registerGenerateCommand(program);
registerIngestCommand(program);
registerQueryCommand(program);
registerRepairCommand(program);
registerSeedCommand(program);
registerSmokeCommand(program);
registerBatchesCommand(program);
registerDropCommand(program);
registerReprocessCommand(program);
registerTablesCommand(program);
registerDescribeCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`procureflow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
