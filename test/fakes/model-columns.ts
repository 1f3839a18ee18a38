// Which columns of which table a statement reads, found from the statement itself: its SQL goes
// through DuckDB's planner (EXPLAIN (FORMAT JSON)) over EMPTY tables with the statement's tables'
// schemas, and each scan node names the columns it reads (its projections and the columns of
// the filters pushed into it). The model Athena (model-athena.ts) charges a Parquet table's scan
// for those columns only. Why: Athena's columnar formats are read by column ("Compression by
// column ... reduce disk space and I/O during query processing"; "When an Athena query obtains
// specific column values from your data, it uses statistics from data block predicates",
// https://docs.aws.amazon.com/athena/latest/ug/columnar-storage.html), so charging whole tables
// is only an upper bound.
//
// The SQL is the one the fake's SQL mode runs (fake-athena.ts): Trino SQL on DuckDB with the
// project's compatibility macros (handlers/local/duckdb-session.ts) and the fake's own
// (trino-macros.ts). DuckDB's optimizer is told to behave like Trino where it matters here:
// - statistics_propagation and empty_result_pullup off: the tables are empty, and DuckDB would
//   replace every scan of an empty table by an empty result;
// - materialized_cte and common_subplan off: Trino inlines each WITH query at each reference and
//   reads the table again each time (its optimizer does not share scans), so one scan per reference.
//
// One plan per statement SHAPE: the tables a statement names are renamed to canonical names in
// order of first appearance (stage_silver_<batch> → stage_silver_1, ...), and the cache key is
// that text with its string literals masked, so the 10 000 silver statements of a bench run are
// planned once. The answer is mapped back to the statement's own table names.
import { duckType } from './fake-athena.ts';
import { TrinoDuck } from './trino-duck.ts';

/** A table's columns as DuckDB types (the planner's tables are created from them). */
export type TableSchema = Array<{ name: string; type: string }>;

export interface StatementColumns {
  /** Per table the statement names: one entry per scan the planner made of it, the columns it reads. */
  scans: Map<string, Array<Set<string>>>;
  /** The statement's output columns (DuckDB types), for the table a CTAS registers. */
  output: TableSchema;
}

/** Lower-case identifiers that start with one of these are the pipeline's per-batch work tables. */
const WORK_TABLE = /^(bronze_|stage_silver_|stage_rejects_|stage_gold_)/;
const STRING_LITERAL = /'(?:[^']|'')*'/g;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class ColumnPlanner {
  /** Statements planned by DuckDB (cache misses) and answered from the cache. */
  planned = 0;
  cached = 0;
  private readonly cache = new Map<string, Promise<{ scans: Map<string, Array<Set<string>>>; output: TableSchema }>>();
  /** One plan at a time on the one connection (each plan recreates the schema's tables). */
  private readonly duckdb = new TrinoDuck({
    name: 'model-columns',
    memoryLimit: '256MB',
    threads: 1,
    settings: ["SET disabled_optimizers = 'statistics_propagation,empty_result_pullup,materialized_cte,common_subplan'"],
  });

  /**
   * The columns `select` reads of each table it names. `tables` are the names it references
   * (unqualified; `database.name` in the SQL resolves to the same table); `schemaOf` gives each
   * one's columns, or undefined when unknown (the plan then fails: the caller counts it whole).
   */
  async columnsRead(select: string, database: string, tables: string[], schemaOf: (name: string) => TableSchema | undefined): Promise<StatementColumns> {
    // Canonical names, in order of first appearance, per work-table kind.
    const canonical = new Map<string, string>();
    const counters = new Map<string, number>();
    for (const name of tables) {
      if (canonical.has(name)) continue;
      const kind = WORK_TABLE.exec(name)?.[1];
      if (!kind) {
        canonical.set(name, name);
        continue;
      }
      const next = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, next);
      canonical.set(name, `${kind}${next}`);
    }
    const renamed = [...canonical].filter(([name, alias]) => name !== alias);
    const text = renamed.length === 0 ? select : select.replace(new RegExp(`\\b(${renamed.map(([name]) => name).join('|')})\\b`, 'g'), (name) => canonical.get(name) ?? name);
    const key = `${database}\n${text.replace(STRING_LITERAL, "'?'")}`;
    let plan = this.cache.get(key);
    if (plan) this.cached++;
    else {
      const schemas = new Map([...canonical].map(([name, alias]) => [alias, schemaOf(name)] as const));
      plan = this.duckdb.exclusive(() => this.plan(text, database, schemas));
      this.cache.set(key, plan);
      this.planned++;
    }
    const { scans, output } = await plan;
    const back = new Map([...canonical].map(([name, alias]) => [alias, name] as const));
    return { scans: new Map([...scans].map(([alias, reads]) => [back.get(alias) ?? alias, reads] as const)), output };
  }

  async close(): Promise<void> {
    await this.duckdb.close();
  }

  /** Creates the statement's tables (empty) in `database`, then reads the scans off the plan. */
  private async plan(select: string, database: string, schemas: Map<string, TableSchema | undefined>) {
    const { db } = await this.duckdb.open();
    await db.run('SET search_path = main');
    await db.run(`DROP SCHEMA IF EXISTS ${quoteIdent(database)} CASCADE`);
    await db.run(`CREATE SCHEMA ${quoteIdent(database)}`);
    const columnsOf = new Map<string, Set<string>>();
    for (const [name, schema] of schemas) {
      if (!schema || schema.length === 0) throw new Error(`model columns: no schema for ${name}`);
      await db.run(`CREATE TABLE ${quoteIdent(database)}.${quoteIdent(name)} (${schema.map((column) => `${quoteIdent(column.name)} ${column.type}`).join(', ')})`);
      columnsOf.set(name, new Set(schema.map((column) => column.name)));
    }
    await db.run(`SET search_path = '${database.replaceAll("'", "''")}'`);
    const output = await db.describe(select);
    const explained = await db.rows(`EXPLAIN (FORMAT JSON) ${select}`);
    const physical = explained.find((row) => row.explain_key === 'physical_plan') ?? explained[0];
    const scans = new Map<string, Array<Set<string>>>();
    const walk = (node: PlanNode) => {
      const table = typeof node.extra_info?.Table === 'string' ? (node.extra_info.Table.split('.').at(-1) as string) : undefined;
      const known = table ? columnsOf.get(table) : undefined;
      if (table && known) {
        const read = new Set<string>(asList(node.extra_info?.Projections).filter((column) => known.has(column)));
        // A filter pushed into the scan reads its columns too, whether or not it projects them.
        for (const filter of asList(node.extra_info?.Filters)) for (const word of filter.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) if (known.has(word)) read.add(word);
        const reads = scans.get(table) ?? [];
        reads.push(read);
        scans.set(table, reads);
      }
      for (const child of node.children ?? []) walk(child);
    };
    for (const root of JSON.parse(String(physical?.explain_value ?? '[]')) as PlanNode[]) walk(root);
    return { scans, output };
  }
}

interface PlanNode {
  name: string;
  children?: PlanNode[];
  extra_info?: { Table?: unknown; Projections?: unknown; Filters?: unknown };
}

/** EXPLAIN's JSON gives one item as a string and several as an array. */
function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.length > 0) return value.split('\n');
  return [];
}

/** Glue (Hive) columns → the planner's DuckDB schema. */
export function schemaFromGlue(columns: Array<{ Name: string; Type: string }>): TableSchema {
  return columns.map((column) => ({ name: column.Name, type: duckType(column.Type) }));
}
