// Trino's grammar in the suite: every statement the pipeline sends to Athena, rendered through the
// real core code (fillTemplate, ctasStatement, figureQueries) for a sample batch and for hostile
// file names, parses with Trino's grammar (dt-sql-parser TrinoSQL) and calls only functions on the
// checked list of Trino functions (test/fakes/trino-functions.ts). The fake Athena applies the
// same checks to every statement it receives, so the end-to-end test covers the rest.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ctasStatement } from '../handlers/aws/athena-engine.ts';
import { figureQueries, groupFigureQueries } from '../handlers/core/batch-figures.ts';
import { batchIdFor } from '../handlers/core/batch-identity.ts';
import { horizonStart } from '../handlers/core/dedupe-horizon.ts';
import { DEFAULT_SQL_DIR, loadPipelineSql } from '../handlers/core/pipeline-sql.ts';
import { fillTemplate, identifier, literal, noRows, unionOf } from '../handlers/core/sql-template.ts';
import { HEADER_LINE } from '../handlers/core/tables.ts';
import { parseStatement, syntaxProblems, formatProblem, unknownFunctions } from './fakes/trino-grammar.ts';

const DB = 'procureflow_db';
const NAMES = [
  'sales.dat',
  '2026-03-01.dat',
  'Sales March 2026.dat',
  "O'Brien's export.dat",
  'ventes été ü 日本.dat',
  '_export.dat',
  'SALES.DAT',
  'y.DAT.GZ',
  '.dat',
];

/** The statements of one batch, as processBatch builds them (same names, same values). */
async function statementsFor(key: string): Promise<Array<{ step: string; sql: string }>> {
  const sql = await loadPipelineSql();
  const ref = { bucket: 'pf-bronze', key: `landing/${key}` };
  const batchId = batchIdFor(ref, '0123456789abcdef0123456789abcdef');
  const work = { source: `bronze_${batchId}`, silver: `stage_silver_${batchId}`, gold: `stage_gold_${batchId}`, rejects: `stage_rejects_${batchId}` };
  const location = (bucket: string, table: string) => `s3://${bucket}/${table}/batch_id=${batchId}/`;
  const silver = fillTemplate(sql.silver, { source_table: identifier(work.source), source_file: literal(`${ref.bucket}/${ref.key}`), header: literal(HEADER_LINE) }, 'silver.sql');
  const rejects = fillTemplate(sql.rejects, { silver_batch: identifier(work.silver) }, 'rejects.sql');
  const idRange = { min: "TXN-0001 O'Brien", max: 'TXN-9999' };
  // A configured dedupe horizon's DATE literal (without one the text is the same, dated 0001-01-01).
  const horizon = horizonStart('2026-03-01', 30);
  const group = unionOf([
    { table: work.silver, columns: { batch_id: literal(batchId), landing_ordinal: 1 } },
    { table: `${work.silver}_2`, columns: { batch_id: literal(`${batchId}_2`), landing_ordinal: 2 } },
  ]);
  const goldOf = (silverGroup: typeof group, earlier: typeof group) =>
    fillTemplate(
      sql.gold,
      { silver_group: silverGroup, gold_table: identifier(`${DB}.cleaned_transactions`), min_id: literal(idRange.min), max_id: literal(idRange.max), horizon_start: horizon, earlier_silver: earlier },
      'gold.sql',
    );
  // One statement for the group (no earlier slice), and the second slice of a turn written in two.
  const gold = goldOf(group, noRows(['transaction_id', 'reject_reason']));
  const laterSlice = goldOf(unionOf([{ table: `${work.silver}_3`, columns: { batch_id: literal(`${batchId}_3`), landing_ordinal: 3 } }]), group);
  const slicedStages = unionOf([{ table: work.gold, columns: {} }, { table: `${work.gold}_2`, columns: {} }]);
  const figures = {
    ...figureQueries({ silverStage: work.silver, rejectsStage: work.rejects }),
    ...groupFigureQueries({ silverGroup: group, goldStage: work.gold, goldTable: `${DB}.cleaned_transactions`, idRange, horizonStart: horizon, manyBatches: true }),
    loadedOfSlices: groupFigureQueries({ silverGroup: group, goldStage: slicedStages, goldTable: `${DB}.cleaned_transactions`, idRange, horizonStart: horizon, manyBatches: true }).loaded,
  };
  return [
    { step: 'silver', sql: ctasStatement(`${DB}.${work.silver}`, silver, location('pf-silver', 'raw_transactions')) },
    { step: 'rejects', sql: ctasStatement(`${DB}.${work.rejects}`, rejects, location('pf-gold', 'rejected_transactions')) },
    { step: 'gold', sql: ctasStatement(`${DB}.${work.gold}`, gold, `s3://pf-gold/cleaned_transactions/groups/group_0123/`, 'batch_id') },
    { step: 'gold, a later slice', sql: ctasStatement(`${DB}.${work.gold}_2`, laterSlice, `s3://pf-gold/cleaned_transactions/groups/group_0456/`, 'batch_id') },
    ...Object.entries(figures).map(([name, text]) => ({ step: `figures.${name}`, sql: text })),
  ];
}

for (const name of NAMES) {
  test(`every pipeline statement for a landing named ${JSON.stringify(name)} is Trino SQL calling only Trino functions`, async (t) => {
    const statements = await statementsFor(name);
    t.is(statements.length, 8);
    for (const { step, sql } of statements) {
      const problems = syntaxProblems(sql);
      t.deepEqual(problems.map(formatProblem), [], `${step} parses`);
      if (problems.length > 0) continue;
      t.deepEqual(unknownFunctions(parseStatement(sql)).map((call) => call.name), [], `${step} calls only Trino functions`);
    }
  });
}

test('the analysts’ named queries are Trino SQL calling only Trino functions', async (t) => {
  const file = path.join(DEFAULT_SQL_DIR, 'analytics', 'revenue_by_category.sql');
  const sql = await readFile(file, 'utf8');
  t.deepEqual(syntaxProblems(sql).map(formatProblem), []);
  t.deepEqual(unknownFunctions(parseStatement(sql)), []);
});

test('the checks can fail: DuckDB spellings and broken SQL are caught', (t) => {
  t.deepEqual(unknownFunctions(parseStatement('SELECT len(split(line, \'|\')), regexp_matches(line, \'x\') FROM t')).map((call) => call.name), ['len', 'regexp_matches']);
  t.true(syntaxProblems('SELECT a FROM t WHERE').length > 0);
  t.true(syntaxProblems("SELECT 'unterminated FROM t").length > 0);
});
