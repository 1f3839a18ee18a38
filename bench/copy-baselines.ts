// Reference points for the pipeline bench, run on the same input with the lake's DuckDB
// settings, so that the pipeline's MB/s can be read side by side with them:
// - the issue's baseline: one plain `COPY (typed SELECT) TO parquet`, nothing else;
// - the contract's floor: the Parquet that a batch must write (silver with its raw line, and
//   gold), from DuckDB's native CSV reader, with no rule, dedupe or commit at all.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { literal, renderValue } from '../handlers/core/sql-template.ts';
import { TYPED_COLUMNS } from '../handlers/core/tables.ts';
import { DUCKDB_TYPES } from '../handlers/local/duckdb-catalog.ts';
import { DuckDbSession, defaultDuckDbThreads } from '../handlers/local/duckdb-session.ts';
import { DEFAULT_MEMORY_LIMIT } from '../handlers/local/local-lake.ts';

export interface CopyTimings {
  baselineSeconds: number;
  floorSeconds: number;
  /** CPU seconds of this process (DuckDB's threads included) for the baseline: less disturbed by other jobs. */
  baselineCpuSeconds: number;
}

const readerColumns = `{${TYPED_COLUMNS.map((column) => `'${column.name}': '${DUCKDB_TYPES[column.type]}'`).join(', ')}}`;

/** Process CPU seconds so far (Node and DuckDB's threads). */
export function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function timed(run: () => Promise<void>, cpu?: { seconds: number }): Promise<number> {
  const started = performance.now();
  const cpuStart = cpuSeconds();
  await run();
  if (cpu) cpu.seconds += cpuSeconds() - cpuStart;
  return (performance.now() - started) / 1000;
}

/** Times both references over `files`, writing scratch Parquet under `workDir` (removed after). */
export async function measureCopyBaselines(files: string[], workDir: string): Promise<CopyTimings> {
  mkdirSync(workDir, { recursive: true });
  const session = await DuckDbSession.open({ memoryLimit: DEFAULT_MEMORY_LIMIT, threads: defaultDuckDbThreads(), spillDir: path.join(workDir, 'spill') });
  const out = (name: string) => renderValue(literal(path.join(workDir, name)));
  // Lines DuckDB's reader cannot type (dirt, bad bytes) are skipped: the references do no cleaning.
  const read = (file: string) =>
    `read_csv(${renderValue(literal(file))}, delim = '|', quote = '', escape = '', header = true, auto_detect = false, columns = ${readerColumns}, ignore_errors = true)`;
  // The typed values joined again: a line of the same shape and length as the raw one.
  const rawLine = `concat_ws('|', ${TYPED_COLUMNS.map((column) => column.name).join(', ')})`;
  try {
    let baselineSeconds = 0;
    let floorSeconds = 0;
    const baselineCpu = { seconds: 0 };
    for (const [index, file] of files.entries()) {
      baselineSeconds += await timed(() => session.run(`COPY (SELECT * FROM ${read(file)}) TO ${out(`baseline-${index}.parquet`)} (FORMAT parquet, COMPRESSION snappy)`), baselineCpu);
      floorSeconds += await timed(async () => {
        await session.run(
          `COPY (SELECT *, ${rawLine} AS raw_line, CAST(NULL AS VARCHAR) AS reject_reason, ${renderValue(literal(file))} AS source_file FROM ${read(file)})
             TO ${out(`silver-${index}.parquet`)} (FORMAT parquet, COMPRESSION snappy)`,
        );
        await session.run(
          `COPY (SELECT * EXCLUDE (raw_line, reject_reason), CAST(transaction_ts AS DATE) AS transaction_date FROM read_parquet(${out(`silver-${index}.parquet`)}))
             TO ${out(`gold-${index}.parquet`)} (FORMAT parquet, COMPRESSION snappy)`,
        );
      });
    }
    return { baselineSeconds, floorSeconds, baselineCpuSeconds: baselineCpu.seconds };
  } finally {
    session.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
