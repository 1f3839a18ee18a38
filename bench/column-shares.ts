// The share of each Parquet column in the lake's silver, rejects and gold (issue 8; the cloud
// bench's data model, test/fakes/model-athena.ts DEFAULT_SHAPE, takes its column shares from
// here): a local lake is built from the generator's default data (seed 11, as bench/pipeline.ts),
// then DuckDB's parquet_metadata() gives each column chunk's total_compressed_size; a column's
// share is its bytes over the table's column bytes (footers and page indexes are not column data
// and are left out). The batch_id partition column is a folder name, not a Parquet column.
// Usage: npx tsx bench/column-shares.ts [SIZE=200MB] [FILES=2] [--keep]
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateDataset, parseSize } from '../generator/generate.ts';
import { handleLandings } from '../handlers/core/handle-landings.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { LAKE_TABLES, TABLE_LAYER } from '../handlers/core/tables.ts';
import { DuckDbSession } from '../handlers/local/duckdb-session.ts';
import { LOCAL_BUCKETS } from '../handlers/local/lake-layout.ts';
import { landFile, openLocalLake } from '../handlers/local/local-lake.ts';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const sizeBytes = parseSize(args[0] ?? '200MB');
const files = Number(args[1] ?? 2);
const root = path.resolve('.bench', `column-shares-${process.pid}`);

mkdirSync(root, { recursive: true });
try {
  const generated = await generateDataset({ sizeBytes, files, seed: 11, outDir: path.join(root, 'input') });
  const datBytes = generated.reduce((sum, file) => sum + file.bytes, 0);
  const lake = await openLocalLake({ root: path.join(root, 'lake'), write: true, log: silentLog });
  const landings = [];
  for (const file of generated) landings.push(await landFile(lake, file.path));
  const results = await handleLandings(landings, lake.ports);
  const failed = results.filter((result) => result?.status !== 'committed');
  if (failed.length > 0) throw new Error(`batches failed: ${JSON.stringify(failed)}`);
  await lake.close();

  const db = await DuckDbSession.open({ memoryLimit: '512MB', threads: 2, spillDir: path.join(root, 'spill') });
  console.log(`lake of ${(datBytes / 1e6).toFixed(1)} MB of .dat (${files} files, generator defaults, seed 11)`);
  for (const table of LAKE_TABLES) {
    const glob = path.join(root, 'lake', LOCAL_BUCKETS[TABLE_LAYER[table]], table, '**', '*.parquet');
    const rows = await db.rows(
      `SELECT path_in_schema AS col, sum(total_compressed_size) AS bytes FROM parquet_metadata('${glob}') GROUP BY path_in_schema ORDER BY min(column_id)`,
    );
    const total = rows.reduce((sum, row) => sum + Number(row.bytes), 0);
    const shares = Object.fromEntries(rows.map((row) => [String(row.col), Number((Number(row.bytes) / total).toPrecision(3))]));
    console.log(`${table}: ${(total / datBytes * 100).toFixed(2)} % of the .dat in column data; shares ${JSON.stringify(shares)}`);
  }
  db.close();
} finally {
  if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
}
