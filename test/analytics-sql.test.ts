// Every analysts' query in sql/analytics/ runs on a small generated lake and returns rows, and is
// Trino SQL calling only Trino functions as Athena stores it (the named query the stack ships), so
// a broken file (a wrong table or column, a function DuckDB lacks, a DuckDB-only function Athena
// lacks) fails here rather than in Athena.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { analyticsNames, runAnalytics } from '../cli/analytics.ts';
import { analyticsQueries } from '../components/catalog.ts';
import { DEFAULT_SQL_DIR } from '../handlers/core/pipeline-sql.ts';
import { formatProblem, parseStatement, syntaxProblems, unknownFunctions } from './fakes/trino-grammar.ts';
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

/**
 * What Trino would refuse in each analytics file of `sqlDir`, as the named query the stack ships
 * (components/catalog.ts analyticsQueries): syntax errors by Trino's grammar, then calls of
 * functions missing from the checked Trino function list (Trino: FUNCTION_NOT_FOUND).
 */
function trinoRefusals(sqlDir: string): string[] {
  return analyticsQueries(path.join(sqlDir, 'analytics'), 'procureflow_db').flatMap(({ name, query }) => {
    const syntax = syntaxProblems(query);
    if (syntax.length > 0) return syntax.map((problem) => `${name}.sql: ${formatProblem(problem)}`);
    return unknownFunctions(parseStatement(query)).map((call) => `${name}.sql: line ${call.line}:${call.column}: function ${call.name} not registered`);
  });
}

test('every file of sql/analytics/ is Trino SQL calling only Trino functions', (t) => {
  t.true(analyticsQueries(path.join(DEFAULT_SQL_DIR, 'analytics'), 'procureflow_db').length > 0);
  t.deepEqual(trinoRefusals(DEFAULT_SQL_DIR), []);
});

test('an analytics file calling a function Athena lacks, or in DuckDB-only syntax, is refused by the Trino check', async (t) => {
  const sqlDir = await mkdtemp(path.join(tmpdir(), 'pf-analytics-'));
  t.teardown(() => rm(sqlDir, { recursive: true, force: true }));
  await mkdir(path.join(sqlDir, 'analytics'));
  // All three run on DuckDB: list, list_sum and regexp_matches are DuckDB's; Trino has none of them.
  await writeFile(
    path.join(sqlDir, 'analytics', 'broken_functions.sql'),
    '-- DuckDB spellings\nSELECT product_category, list_sum(list(quantity)) AS units\nFROM procureflow_db.cleaned_transactions\nWHERE regexp_matches(product_category, \'^E\')\nGROUP BY 1\n',
  );
  // DuckDB's `GROUP BY ALL` (runs on DuckDB): Trino's SqlBase.g4 wants a grouping element after the
  // set quantifier (`groupBy: setQuantifier? groupingElement (',' groupingElement)*`).
  await writeFile(path.join(sqlDir, 'analytics', 'broken_syntax.sql'), '-- DuckDB grouping\nSELECT product_category, count(*) FROM procureflow_db.cleaned_transactions GROUP BY ALL\n');
  const refusals = trinoRefusals(sqlDir);
  t.deepEqual(refusals.filter((refusal) => refusal.startsWith('broken_functions.sql')), [
    'broken_functions.sql: line 2:26: function list_sum not registered',
    'broken_functions.sql: line 2:35: function list not registered',
    'broken_functions.sql: line 4:7: function regexp_matches not registered',
  ]);
  t.true(refusals.some((refusal) => refusal.startsWith('broken_syntax.sql: line 2:')), refusals.join('\n'));
});
