// Every analysts' query in sql/analytics/ runs on a small generated lake and returns rows, so a
// broken file (a wrong table or column, a function DuckDB lacks) fails here rather than in Athena.
import path from 'node:path';
import test from 'ava';
import { analyticsNames, runAnalytics } from '../cli/analytics.ts';
import { generateDataset } from '../generator/generate.ts';
import { deliver, openTestLake } from './helpers/local-lake.ts';
import { landFile } from '../handlers/local/local-lake.ts';

test('every file of sql/analytics/ returns rows on a generated lake', async (t) => {
  const names = await analyticsNames();
  t.true(names.length > 0, 'sql/analytics/ holds at least one query');
  const testLake = await openTestLake(t);
  const files = await generateDataset({ sizeBytes: 256 * 1024, files: 2, seed: 11, outDir: testLake.inputDir });
  for (const file of files) {
    const results = await deliver(testLake, [await landFile(testLake.lake, file.path, `analytics/${path.basename(file.path)}`)]);
    t.deepEqual(results.map((result) => result.status), ['committed'], JSON.stringify(results));
  }
  for (const name of names) {
    const rows = await runAnalytics(testLake.lake, name).catch((error: unknown) => {
      throw new Error(`sql/analytics/${name}.sql: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    t.true(rows.length > 0, `sql/analytics/${name}.sql returned no rows`);
    // A column that is NULL on every row means the query reads something that is not there.
    for (const column of Object.keys(rows[0] ?? {})) {
      t.true(rows.some((row) => row[column] !== null), `sql/analytics/${name}.sql: column ${column} is NULL on every row`);
    }
  }
});
