// `procureflow batches`: the committed batches and their figures, from a local lake (the
// `procureflow_db.batches` view's rows) or from a deployed stack (Glue GetPartitions: Athena's
// SQL cannot read partition parameters, where the cloud keeps the figures). Also the shared
// `--lake` / `--stack-outputs` target of `drop` and `reprocess`.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { StackTarget } from '../../handlers/aws/aws-lake.ts';
import { BATCH_COLUMNS, type BatchRow, listBatches } from '../../handlers/core/batch-operations.ts';
import { silentLog } from '../../handlers/core/pipeline-log.ts';
import type { BatchPorts } from '../../handlers/core/process-batch.ts';
import { existingLakeDir, lakeOrigin, withLakeOption } from '../lake-option.ts';

export interface TargetOptions {
  lake?: string;
  stackOutputs?: string;
  bronzeBucket?: string;
  silverBucket?: string;
  goldBucket?: string;
  bronzePrefix?: string;
  database?: string;
  workgroup?: string;
  region?: string;
}

/** The ports of the lake an operation runs on, and how to let go of them. */
export interface OperationTarget {
  where: string;
  ports: BatchPorts;
  close(): Promise<void>;
}

/** `--lake` and the stack flags every batch operation takes. */
export function withTargetOptions(command: Command): Command {
  return withLakeOption(command)
    .option('--stack-outputs <file>', 'a deployed stack: `pulumi stack output --json > outputs.json`, or - for stdin')
    .option('--bronze-bucket <name>', 'stack: bronze bucket (default: the bronzeBucket output)')
    .option('--silver-bucket <name>', 'stack: silver bucket (default: the silverBucket output)')
    .option('--gold-bucket <name>', 'stack: gold bucket (default: the goldBucket output)')
    .option('--bronze-prefix <prefix>', 'stack: bronze prefix (default: the bronzePrefix output)')
    .option('--database <name>', 'stack: Glue database (default: the databaseName output)')
    .option('--workgroup <name>', 'stack: the pipeline Athena workgroup (default: the pipelineWorkgroupName output)')
    .option('--region <region>', 'stack: AWS region');
}

/** Stack outputs (`pulumi stack output --json`) and flags → the stack; flags win. */
export function stackTarget(outputs: Record<string, unknown>, flags: TargetOptions): StackTarget {
  const pick = (flag: string | undefined, output: string): string => {
    const value = flag ?? outputs[output];
    if (typeof value !== 'string' || value === '') throw new Error(`no ${output} in the stack outputs and no flag for it`);
    return value;
  };
  const prefix = flags.bronzePrefix ?? (typeof outputs.bronzePrefix === 'string' ? outputs.bronzePrefix : '');
  return {
    buckets: { bronze: pick(flags.bronzeBucket, 'bronzeBucket'), silver: pick(flags.silverBucket, 'silverBucket'), gold: pick(flags.goldBucket, 'goldBucket') },
    bronzePrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    database: pick(flags.database, 'databaseName'),
    workGroup: pick(flags.workgroup, 'pipelineWorkgroupName'),
  };
}

const isStack = (options: TargetOptions) =>
  options.stackOutputs !== undefined || [options.bronzeBucket, options.silverBucket, options.goldBucket, options.database].some((flag) => flag !== undefined);

/**
 * Opens the local lake (`--lake`, PROCUREFLOW_LAKE or ./.lake) or the deployed stack
 * (`--stack-outputs` or flags); `command` tells where the lake option came from.
 */
export async function openTarget(options: TargetOptions, write: boolean, command: Command): Promise<OperationTarget> {
  if (isStack(options)) {
    // A PROCUREFLOW_LAKE left in the environment does not conflict with a stack given on the command line.
    if (command.getOptionValueSource('lake') === 'cli') throw new Error('give either --lake or a stack (--stack-outputs or the bucket flags), not both');
    const source = options.stackOutputs;
    const outputs = source === undefined ? {} : (JSON.parse(source === '-' ? readFileSync(0, 'utf8') : await readFile(source, 'utf8')) as Record<string, unknown>);
    const target = stackTarget(outputs, options);
    const { awsClients, openAwsLake, operatorSettings } = await import('../../handlers/aws/aws-lake.ts');
    const clients = awsClients({}, options.region ? { region: options.region } : {});
    const lake = await openAwsLake(operatorSettings(target), clients, silentLog);
    // An operator's run has no Lambda deadline: an hour bounds the Athena waits of a reprocess.
    const ports = lake.ports({ remainingTimeMillis: () => 3_600_000 });
    return {
      where: `database ${target.database} (gold s3://${target.buckets.gold}/)`,
      ports,
      async close() {
        for (const client of Object.values(clients)) client.destroy();
      },
    };
  }
  const { openLocalLake } = await import('../../handlers/local/local-lake.ts');
  const root = await existingLakeDir(options.lake, lakeOrigin(command));
  const lake = await openLocalLake({ root, write, ...(write ? {} : { log: silentLog }) });
  return { where: root, ports: lake.ports, close: () => lake.close() };
}

/** The rows as aligned columns, one batch a line. */
function formatBatches(rows: BatchRow[]): string[] {
  const header = BATCH_COLUMNS.map((column) => column.name);
  const cells = rows.map((row) => BATCH_COLUMNS.map((column) => (row[column.name] === null ? '' : String(row[column.name]))));
  const widths = header.map((name, i) => Math.max(name.length, ...cells.map((line) => (line[i] ?? '').length)));
  const render = (line: string[]) => line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [render(header), ...cells.map(render)];
}

export function registerBatchesCommand(program: Command): void {
  withTargetOptions(
    program
      .command('batches')
      .description('list the committed batches and their figures (local lake, or a deployed stack through Glue)')
      .option('--json', 'print the rows as JSON'),
  ).action(async (options: TargetOptions & { json?: boolean }, command: Command) => {
    const target = await openTarget(options, false, command);
    try {
      const rows = await listBatches(target.ports.catalog);
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else {
        for (const line of formatBatches(rows)) process.stdout.write(`${line}\n`);
        process.stdout.write(`${rows.length} committed batch(es) in ${target.where}\n`);
      }
    } finally {
      await target.close();
    }
  });
}
