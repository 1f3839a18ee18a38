// The fake Amazon Athena: StartQueryExecution / GetQueryExecution / GetQueryResults on the shared
// state, with Athena's refusals, and statements really run: parsed with Trino's grammar, then
// executed on an embedded DuckDB over the fake S3's objects, read the way Trino reads them.
import { InvalidRequestException } from '@aws-sdk/client-athena';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDbSession } from '../../handlers/local/duckdb-session.ts';
import { type CloudState, type Execution, type GlueColumn, type GluePartition, type GlueTable, type QueryResult, splitS3Uri } from './cloud-state.ts';
import { isHiddenName, readableKeysOfLocation } from './hidden-paths.ts';
import { checkActiveDmlQuota, checkClientRequestToken, replayByToken } from './athena-request-rules.ts';
import { parseCtas } from './ctas-statement.ts';
import { formatProblem, parseStatement, syntaxProblems, unknownFunctions } from './trino-grammar.ts';
import { AthenaQueryFailure, decodeKeepingInvalidBytes, decompressForRead, markersToReplacement, splitTrinoLines } from './trino-text-reader.ts';
import { TrinoDuck } from './trino-duck.ts';

const $metadata = { httpStatusCode: 400 };
const SYMLINK_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

/** Hive/Glue column type → DuckDB type. */
export function duckType(hiveType: string): string {
  const type = hiveType.toLowerCase();
  if (type === 'string' || type.startsWith('varchar') || type.startsWith('char')) return 'VARCHAR';
  if (type === 'int' || type === 'integer') return 'INTEGER';
  if (type === 'bigint') return 'BIGINT';
  if (type === 'double') return 'DOUBLE';
  if (type === 'boolean') return 'BOOLEAN';
  if (type === 'date') return 'DATE';
  if (type === 'timestamp') return 'TIMESTAMP';
  if (type.startsWith('decimal')) return type.toUpperCase();
  throw new Error(`fake Athena: no DuckDB type for Hive type ${hiveType}`);
}

/** DuckDB type → [Hive type for Glue, Trino type name for ColumnInfo]. */
export function trinoTypes(duck: string): [string, string] {
  const type = duck.toUpperCase();
  if (type === 'VARCHAR') return ['string', 'varchar'];
  if (type === 'INTEGER') return ['int', 'integer'];
  if (type === 'BIGINT' || type === 'HUGEINT') return ['bigint', 'bigint'];
  if (type === 'DOUBLE' || type === 'FLOAT') return ['double', 'double'];
  if (type === 'BOOLEAN') return ['boolean', 'boolean'];
  if (type === 'DATE') return ['date', 'date'];
  if (type.startsWith('TIMESTAMP')) return ['timestamp', 'timestamp'];
  if (type.startsWith('DECIMAL')) return [type.toLowerCase(), 'decimal'];
  return [type.toLowerCase(), type.toLowerCase()];
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteText = (text: string) => `'${text.replaceAll("'", "''")}'`;

export class FakeAthena {
  /** One statement at a time on the one DuckDB connection; Athena's concurrency is modelled by states. */
  private readonly duckdb = new TrinoDuck({ name: 'fake-athena', memoryLimit: '512MB', threads: 2 });

  constructor(private readonly state: CloudState) {}

  async close(): Promise<void> {
    await Promise.allSettled([...this.state.executions.values()].map((execution) => execution.done));
    await this.duckdb.close();
  }

  startQueryExecution(input: {
    QueryString?: string;
    ClientRequestToken?: string;
    QueryExecutionContext?: { Database?: string };
    WorkGroup?: string;
  }): { QueryExecutionId: string } {
    const sql = input.QueryString ?? '';
    this.state.calls.push(`Athena.StartQueryExecution ${sql.split('\n')[0] ?? ''}`);
    const token = input.ClientRequestToken;
    checkClientRequestToken(token);
    const database = input.QueryExecutionContext?.Database ?? 'default';
    const workGroup = input.WorkGroup ?? 'primary';
    if (token !== undefined) {
      const known = this.state.tokens.get(token);
      const earlier = known ? this.state.executions.get(known) : undefined;
      if (earlier) return replayByToken(earlier, { sql, database, workGroup });
    }
    if (!this.state.workGroups.has(workGroup)) throw new InvalidRequestException({ message: `WorkGroup ${workGroup} is not found.`, $metadata });
    // Syntax errors are refused by StartQueryExecution itself, as InvalidRequestException with
    // Trino's "line L:C: ..." message (seen in the wild: guardian/athena-cli#39,
    // aws-solutions-library-samples/cloud-intelligence-dashboards-framework#1125).
    const problems = syntaxProblems(sql);
    if (problems.length > 0) throw new InvalidRequestException({ message: formatProblem(problems[0] as (typeof problems)[number]), $metadata });
    const statementType = /^\s*(SELECT|WITH|INSERT|CREATE\s+TABLE\s+\S+\s+WITH\b[\s\S]*\bAS\b|CREATE\s+TABLE\s+\S+\s+AS\b)/i.test(sql) ? 'DML' : 'DDL';
    // Rule (d) counts queued and running queries of the statement's own kind (athena-request-rules.ts).
    const active = [...this.state.executions.values()].filter((execution) => execution.statementType === statementType && !execution.settled).length;
    if (statementType === 'DML') checkActiveDmlQuota(active, this.state.settings.activeDmlQuota);
    const id = createHash('sha256').update(this.state.nextId('q')).digest('hex').slice(0, 8) + '-' + this.state.nextId('').slice(-6);
    const execution: Execution = {
      id,
      token: token ?? id,
      sql,
      database,
      workGroup,
      submitted: new Date(this.state.settings.now()),
      statementType,
      polls: 0,
      settled: false,
      done: Promise.resolve(),
    };
    execution.done = this.run(execution);
    this.state.executions.set(id, execution);
    if (token !== undefined) this.state.tokens.set(token, id);
    return { QueryExecutionId: id };
  }

  /** Poll states: QUEUED at the first look, RUNNING at the second, then the outcome once settled. */
  async getQueryExecution(input: { QueryExecutionId?: string }) {
    const id = input.QueryExecutionId ?? '';
    this.state.calls.push(`Athena.GetQueryExecution ${id}`);
    const execution = this.state.executions.get(id);
    if (!execution) throw new InvalidRequestException({ message: `QueryExecution ${id} was not found`, $metadata });
    execution.polls += 1;
    // Yield to the event loop so that DuckDB (threads) makes progress between polls.
    if (execution.polls >= 2) await Promise.race([execution.done, new Promise((resolve) => setImmediate(resolve))]);
    const base = {
      QueryExecutionId: id,
      Query: execution.sql,
      StatementType: execution.statementType,
      WorkGroup: execution.workGroup,
      QueryExecutionContext: { Database: execution.database },
    };
    if (execution.polls === 1 || !execution.settled) {
      return { QueryExecution: { ...base, Status: { State: execution.polls === 1 ? 'QUEUED' : 'RUNNING', SubmissionDateTime: execution.submitted } } };
    }
    const outcome = execution.outcome;
    const Status =
      outcome?.state === 'SUCCEEDED'
        ? { State: 'SUCCEEDED', SubmissionDateTime: execution.submitted, CompletionDateTime: execution.completed }
        : {
            State: 'FAILED',
            SubmissionDateTime: execution.submitted,
            CompletionDateTime: execution.completed,
            StateChangeReason: outcome?.reason ?? 'unknown',
            // AthenaError: ErrorCategory 1 = system, 2 = user, 3 = other (API reference, AthenaError).
            AthenaError: { ErrorCategory: 2, ErrorMessage: outcome?.reason ?? 'unknown', Retryable: false },
          };
    return { QueryExecution: { ...base, Status } };
  }

  /**
   * Rows page by page (MaxResults ≤ 1000); a SELECT's first page starts with the header row;
   * a CTAS/INSERT answers UpdateCount ("The number of rows inserted with a CREATE TABLE AS
   * SELECT, INSERT INTO, or UPDATE statement", API reference, GetQueryResults).
   */
  getQueryResults(input: { QueryExecutionId?: string; NextToken?: string; MaxResults?: number }) {
    const id = input.QueryExecutionId ?? '';
    this.state.calls.push(`Athena.GetQueryResults ${id}`);
    const execution = this.state.executions.get(id);
    if (!execution) throw new InvalidRequestException({ message: `QueryExecution ${id} was not found`, $metadata });
    if (!execution.settled) throw new InvalidRequestException({ message: 'Query has not yet finished. Current state: RUNNING', $metadata });
    if (execution.outcome?.state !== 'SUCCEEDED') throw new InvalidRequestException({ message: 'Query did not finish successfully. Final query state: FAILED', $metadata });
    const result = execution.outcome.result;
    // MaxResults "Valid Range: Minimum value of 1. Maximum value of 1000." (Athena API reference,
    // API_GetQueryResults.html); the wording of the refusal is the fake's.
    const maxResults = input.MaxResults ?? 1000;
    if (maxResults < 1 || maxResults > 1000) throw new InvalidRequestException({ message: `MaxResults must be between 1 and 1000, got ${maxResults}`, $metadata });
    const pageSize = input.MaxResults ?? 1000;
    const header = result.updateCount === undefined ? [result.columns.map((column) => column.name)] : [];
    const all = [...header, ...result.rows];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + pageSize);
    const next = start + pageSize < all.length ? String(start + pageSize) : undefined;
    return {
      ...(result.updateCount !== undefined ? { UpdateCount: result.updateCount } : {}),
      ResultSet: {
        Rows: page.map((row) => ({ Data: row.map((value) => (value === null ? {} : { VarCharValue: markersToReplacement(value) })) })),
        ResultSetMetadata: { ColumnInfo: result.columns.map((column) => ({ Name: column.name, Label: column.name, Type: column.type })) },
      },
      ...(next ? { NextToken: next } : {}),
    };
  }

  private async run(execution: Execution): Promise<void> {
    try {
      await this.state.settings.beforeRun?.(execution);
      const injected = this.state.settings.failWhen?.(execution.sql);
      if (injected) throw new AthenaQueryFailure(injected);
      const result = await this.duckdb.exclusive(() => this.execute(execution));
      execution.outcome = { state: 'SUCCEEDED', result };
    } catch (error) {
      execution.outcome = { state: 'FAILED', reason: error instanceof Error ? error.message : String(error) };
    } finally {
      execution.completed = new Date(this.state.settings.now());
      execution.settled = true;
    }
  }

  private async execute(execution: Execution): Promise<QueryResult> {
    const { db } = await this.duckdb.open();
    // Every function must be a Trino function (Trino: FUNCTION_NOT_FOUND, "Function '%s' not registered").
    const unknown = unknownFunctions(parseStatement(execution.sql))[0];
    if (unknown) throw new AthenaQueryFailure(`FUNCTION_NOT_FOUND: line ${unknown.line}:${unknown.column}: Function '${unknown.name}' not registered`);
    await this.exposeTables(execution.database, execution.sql);
    const ctas = parseCtas(execution.sql);
    if (ctas) return this.createTableAs(execution, ctas);
    if (!/^\s*(SELECT|WITH)\b/i.test(execution.sql)) throw new AthenaQueryFailure(`fake Athena does not run this kind of statement: ${execution.sql.slice(0, 60)}`);
    return this.select(db, execution.sql);
  }

  private async select(db: DuckDbSession, sql: string): Promise<QueryResult> {
    let described: Array<{ name: string; type: string }>;
    try {
      described = await db.describe(sql);
    } catch (error) {
      throw new AthenaQueryFailure(`fake Athena (DuckDB) refused the query: ${(error as Error).message}`);
    }
    const text = described.map((column, index) => `CAST(${quoteIdent(column.name)} AS VARCHAR) AS c${index}`).join(', ');
    const rows = await db.rows(`SELECT ${text} FROM (${sql}) AS q`);
    return {
      columns: described.map((column) => ({ name: column.name, type: trinoTypes(column.type)[1] })),
      rows: rows.map((row) => described.map((_, index) => (row[`c${index}`] === null ? null : String(row[`c${index}`])))),
    };
  }

  private async createTableAs(execution: Execution, ctas: NonNullable<ReturnType<typeof parseCtas>>): Promise<QueryResult> {
    const { db, dir } = await this.duckdb.open();
    const workGroup = this.state.workGroups.get(execution.workGroup);
    const [schema, name] = ctas.table.includes('.') ? (ctas.table.split('.') as [string, string]) : [execution.database, ctas.table];
    const qualified = `${schema}.${name}`;
    // Rule (a): "If the workgroup in which a query will run is configured with an enforced query
    // results location, do not specify an external_location for the CTAS query. Athena issues an
    // error and fails a query that specifies an external_location in this case."
    // (https://docs.aws.amazon.com/athena/latest/ug/workgroups-troubleshooting.html). The docs do
    // not quote the message; the wording below is the fake's.
    if (workGroup?.enforceConfiguration && ctas.properties.external_location !== undefined) {
      throw new AthenaQueryFailure(
        `INVALID_TABLE_PROPERTY: external_location is not allowed: workgroup ${workGroup.name} enforces its query results location (override client-side settings)`,
      );
    }
    // CTAS onto an existing table fails: "The optional IF NOT EXISTS clause causes the error to be
    // suppressed if the table already exists" (https://trino.io/docs/current/sql/create-table-as.html).
    if (this.state.table(schema, name)) throw new AthenaQueryFailure(`TABLE_ALREADY_EXISTS: line 1:1: Table 'awsdatacatalog.${qualified}' already exists`);
    const location = ctas.properties.external_location ?? `${workGroup?.outputLocation ?? 's3://fake-athena-results/'}tables/${execution.id}/`;
    const { bucket, prefix } = splitS3Uri(location.endsWith('/') ? location : `${location}/`);
    // A location the file system cannot check fails the CTAS: the Hive connector's pathExists
    // throws HIVE_FILESYSTEM_ERROR "Failed checking path: " + path when the file system call
    // fails (HiveMetadata / HiveWriteUtils in prestodb/presto and trinodb/trino), as S3 does for
    // a bucket that does not exist (NoSuchBucket).
    if (!this.state.buckets.has(bucket)) throw new AthenaQueryFailure(`HIVE_FILESYSTEM_ERROR: Failed checking path: ${location}`);
    // Rule (b): "The external_location property must specify a location that is empty. A CTAS
    // query checks that the path location (prefix) in the bucket is empty and never overwrites
    // the data" (https://docs.aws.amazon.com/athena/latest/ug/considerations-ctas.html); Trino's
    // HiveMetadata: HIVE_PATH_ALREADY_EXISTS "Target directory for table '%s' already exists: %s".
    if (this.state.listKeys(bucket, prefix).length > 0) {
      throw new AthenaQueryFailure(`HIVE_PATH_ALREADY_EXISTS: Target directory for table '${qualified}' already exists: ${location}`);
    }
    const format = (ctas.properties.format ?? 'PARQUET').toUpperCase();
    const compression = (ctas.properties.write_compression ?? 'SNAPPY').toUpperCase();
    if (format !== 'PARQUET') throw new AthenaQueryFailure(`fake Athena writes only PARQUET, not ${format}`);
    const partitionedBy = ctas.partitionedBy;
    let described: Array<{ name: string; type: string }>;
    try {
      described = await db.describe(ctas.select);
    } catch (error) {
      throw new AthenaQueryFailure(`fake Athena (DuckDB) refused the query: ${(error as Error).message}`);
    }
    const out = path.join(dir, `ctas-${execution.id}`);
    await mkdir(out, { recursive: true });
    let written: Array<{ file: string; relative: string }>;
    if (partitionedBy.length > 0) {
      // Rule (c): at most 100 partitions per CTAS/INSERT: "HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded
      // limit of 100 open writers for partitions/buckets" (Athena, troubleshooting-athena.html and
      // other-notable-limitations.html "Maximum number of partitions"; Trino's HivePageSink).
      const distinct = await db.rows(`SELECT count(*) AS n FROM (SELECT DISTINCT ${partitionedBy.map(quoteIdent).join(', ')} FROM (${ctas.select}) AS s) AS d`);
      if (Number(distinct[0]?.n ?? 0) > 100) throw new AthenaQueryFailure('HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets');
      await db.run(`COPY (${ctas.select}) TO ${quoteText(out)} (FORMAT parquet, COMPRESSION ${compression}, PARTITION_BY (${partitionedBy.map(quoteIdent).join(', ')}))`);
      written = await listFiles(out);
    } else {
      const file = path.join(out, `${execution.id}-00000.snappy.parquet`);
      await db.run(`COPY (${ctas.select}) TO ${quoteText(file)} (FORMAT parquet, COMPRESSION ${compression})`);
      written = [{ file, relative: path.basename(file) }];
    }
    let rows = 0;
    for (const { file, relative } of written) {
      rows += Number((await db.rows(`SELECT count(*) AS n FROM read_parquet(${quoteText(file)})`))[0]?.n ?? 0);
      this.state.putObject(bucket, `${prefix}${relative.split(path.sep).join('/')}`, await readFile(file));
    }
    await rm(out, { recursive: true, force: true });
    const dataColumns = described.filter((column) => !partitionedBy.includes(column.name));
    const database = this.state.databases.get(schema);
    if (!database) throw new AthenaQueryFailure(`SCHEMA_NOT_FOUND: Schema '${schema}' does not exist`);
    const table: GlueTable = {
      Name: name,
      TableType: 'EXTERNAL_TABLE',
      Parameters: { EXTERNAL: 'TRUE', has_encrypted_data: 'false', parquet_compression: compression },
      StorageDescriptor: {
        Location: location,
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: {} },
        Columns: dataColumns.map((column) => ({ Name: column.name, Type: trinoTypes(column.type)[0] })),
      },
      PartitionKeys: described.filter((column) => partitionedBy.includes(column.name)).map((column) => ({ Name: column.name, Type: trinoTypes(column.type)[0] })),
    };
    // A partitioned CTAS registers every partition it wrote (Trino HiveMetadata.finishCreateTable:
    // "for (PartitionUpdate update : partitionUpdates) ... metastore.addPartition(...)", location
    // `<external_location><key>=<value>/`), so the new table reads its rows at once.
    const partitions = new Map<string, GluePartition>();
    if (partitionedBy.length > 0) {
      for (const { relative } of written) {
        const folders = relative.split(path.sep).slice(0, -1);
        const values = folders.map((folder) => decodeURIComponent(folder.slice(folder.indexOf('=') + 1)));
        partitions.set(values.join('/'), {
          Values: values,
          StorageDescriptor: { ...table.StorageDescriptor, Location: `${location.endsWith('/') ? location : `${location}/`}${folders.join('/')}/` },
          Parameters: {},
          CreationTime: new Date(this.state.settings.now()),
        });
      }
    }
    database.set(name, { table, partitions });
    return { columns: [{ name: 'rows', type: 'bigint' }], rows: [], updateCount: rows };
  }

  /** (Re)creates one DuckDB view per Glue table of the database, reading what Trino would read. */
  private async exposeTables(databaseName: string, sql: string): Promise<void> {
    const { db } = await this.duckdb.open();
    await db.run('SET search_path = main');
    for (const [schema, tables] of this.state.databases) {
      // From scratch each time: a table dropped from Glue must vanish from DuckDB too.
      await db.run(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await db.run(`CREATE SCHEMA ${quoteIdent(schema)}`);
      // Only the tables the statement names are read (a broken table must not fail other queries).
      for (const { table } of tables.values()) {
        if (new RegExp(`\\b${table.Name}\\b`, 'i').test(sql)) await this.exposeTable(db, schema, table);
      }
    }
    await db.run(`SET search_path = ${quoteText(databaseName)}`);
  }

  private async exposeTable(db: DuckDbSession, schema: string, table: GlueTable): Promise<void> {
    const target = `${quoteIdent(schema)}.${quoteIdent(table.Name)}`;
    const sd = table.StorageDescriptor;
    const isText = sd.SerdeInfo?.SerializationLibrary?.includes('LazySimpleSerDe') ?? false;
    if (isText) {
      const lines = await this.textLines(table);
      await db.run(`CREATE TABLE ${target} (${quoteIdent(sd.Columns[0]?.Name ?? 'line')} VARCHAR)`);
      const appender = await db.connection.createAppender(table.Name, schema);
      for (const line of lines) {
        appender.appendVarchar(line);
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      return;
    }
    const select = table.PartitionKeys.length === 0
      ? await this.parquetSelect(sd.Columns, [], sd.Location)
      : await this.partitionedSelect(schema, table);
    await db.run(`CREATE VIEW ${target} AS ${select}`);
  }

  /** Rule (m): a partitioned table reads its REGISTERED partitions only, never its folder. */
  private async partitionedSelect(schema: string, table: GlueTable): Promise<string> {
    const branches: string[] = [];
    for (const partition of this.state.partitions(schema, table.Name)) {
      const values = table.PartitionKeys.map((key, index) => ({ key, value: partition.Values[index] ?? '' }));
      branches.push(await this.parquetSelect(table.StorageDescriptor.Columns, values, partition.StorageDescriptor.Location));
    }
    return branches.length > 0 ? branches.join('\nUNION ALL\n') : this.emptySelect([...table.StorageDescriptor.Columns, ...table.PartitionKeys]);
  }

  private async parquetSelect(columns: GlueColumn[], partitionValues: Array<{ key: GlueColumn; value: string }>, location: string): Promise<string> {
    const { bucket, prefix } = splitS3Uri(location.endsWith('/') ? location : `${location}/`);
    const keys = readableKeysOfLocation(this.state.listKeys(bucket, prefix), prefix);
    const extra = partitionValues.map(({ key, value }) => `CAST(${quoteText(value)} AS ${duckType(key.Type)}) AS ${quoteIdent(key.Name)}`);
    if (keys.length === 0) {
      return this.emptySelect([...columns, ...partitionValues.map(({ key }) => key)]);
    }
    const files = await Promise.all(keys.map((key) => this.materialize(bucket, key)));
    const list = columns.map((column) => `CAST(${quoteIdent(column.Name)} AS ${duckType(column.Type)}) AS ${quoteIdent(column.Name)}`);
    return `SELECT ${[...list, ...extra].join(', ')} FROM read_parquet([${files.map(quoteText).join(', ')}], union_by_name = true)`;
  }

  private emptySelect(columns: GlueColumn[]): string {
    return `SELECT ${columns.map((column) => `CAST(NULL AS ${duckType(column.Type)}) AS ${quoteIdent(column.Name)}`).join(', ')} WHERE false`;
  }

  /** Copies an object to the temp folder once per content; DuckDB reads it from there. */
  private async materialize(bucket: string, key: string): Promise<string> {
    const { dir } = await this.duckdb.open();
    const object = this.state.getObject(bucket, key);
    if (!object) throw new AthenaQueryFailure(`HIVE_CANNOT_OPEN_SPLIT: s3://${bucket}/${key} does not exist`);
    const file = path.join(dir, 'objects', `${createHash('sha1').update(`${bucket}/${key}/${object.etag}`).digest('hex')}.parquet`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, object.body);
    return file;
  }

  /** The lines of a text table: its files, or the targets of its symlink manifests. */
  private async textLines(table: GlueTable): Promise<string[]> {
    const sd = table.StorageDescriptor;
    const { bucket, prefix } = splitS3Uri(sd.Location.endsWith('/') ? sd.Location : `${sd.Location}/`);
    const listed = readableKeysOfLocation(this.state.listKeys(bucket, prefix), prefix);
    let targets: Array<{ bucket: string; key: string; uri: string }>;
    if (sd.InputFormat === SYMLINK_INPUT_FORMAT) {
      targets = [];
      for (const manifestKey of listed) {
        const manifest = this.state.getObject(bucket, manifestKey)?.body.toString('utf8') ?? '';
        for (const uri of manifest.split(/\r?\n/).filter((text) => text.length > 0)) {
          const { bucket: targetBucket, prefix: targetKey } = splitS3Uri(uri);
          // Rule (f) for symlink targets: see hidden-paths.ts (Hadoop FileInputFormat.hiddenFileFilter).
          if (isHiddenName(targetKey)) throw new AthenaQueryFailure(`HIVE_UNKNOWN_ERROR: Input Pattern ${uri} matches 0 files`);
          targets.push({ bucket: targetBucket, key: targetKey, uri });
        }
      }
    } else {
      targets = listed.map((key) => ({ bucket, key, uri: `s3://${bucket}/${key}` }));
    }
    const lines: string[] = [];
    for (const target of targets) {
      const object = this.state.getObject(target.bucket, target.key);
      if (!object) throw new AthenaQueryFailure(`HIVE_UNKNOWN_ERROR: Input path does not exist: ${target.uri}`);
      const text = decompressForRead(target.key.slice(target.key.lastIndexOf('/') + 1), object.body);
      for (const line of splitTrinoLines(text, this.state.settings.maxTextLineBytes, target.uri)) lines.push(decodeKeepingInvalidBytes(line));
    }
    return lines;
  }
}

async function listFiles(root: string): Promise<Array<{ file: string; relative: string }>> {
  const found: Array<{ file: string; relative: string }> = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.push({ file: full, relative: path.relative(root, full) });
    }
  };
  await walk(root);
  return found;
}
