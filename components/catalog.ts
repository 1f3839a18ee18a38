// The catalog: the Glue database and the three lake tables, two Athena workgroups (the
// pipeline's and the analysts'), and one saved (named) query per analyst file in sql/analytics/.
//
// Why two workgroups: a workgroup that enforces its settings (overrides client-side settings)
// fails every CTAS that names `external_location` ("Troubleshoot workgroup errors",
// https://docs.aws.amazon.com/athena/latest/ug/workgroups-troubleshooting.html, and
// "Considerations and limitations for CTAS queries"), and every pipeline CTAS names one
// (handlers/aws/athena-engine.ts ctasStatement). So the pipeline's workgroup does not enforce,
// while the analysts' workgroup does.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { LakeTable } from '../handlers/core/ports.ts';
import { analystPolicyDocument } from './analyst-policy.ts';
import { COLUMN_DESCRIPTIONS, LAKE_TABLES, PARTITION_KEY, TABLE_COLUMNS, TABLE_LAYER } from '../handlers/core/tables.ts';

/** The database name the analyst SQL is written against; each stack substitutes its own. */
export const SQL_DATABASE_NAME = 'procureflow_db';
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';
/** Result folders of the two workgroups in the results bucket. */
export const PIPELINE_RESULTS_PREFIX = 'pipeline/';
export const ANALYSTS_RESULTS_PREFIX = 'analysts/';

export interface WorkgroupSettings {
  name: string;
  /** True for the analysts: clients cannot move results, drop encryption or lift the cutoff. */
  enforce: boolean;
  bytesScannedCutoff: number;
  resultsBucket: string;
  resultsPrefix: string;
  forceDestroy: boolean;
}

/** The arguments of one workgroup: engine v3, encrypted results (SSE_S3) in the results bucket, a scan cutoff. */
export function workgroupArgs(settings: WorkgroupSettings) {
  return {
    name: settings.name,
    state: 'ENABLED',
    forceDestroy: settings.forceDestroy,
    configuration: {
      enforceWorkgroupConfiguration: settings.enforce,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: settings.bytesScannedCutoff,
      engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
      resultConfiguration: {
        outputLocation: `s3://${settings.resultsBucket}/${settings.resultsPrefix}`,
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
      },
    },
  };
}

/** A column's description from the contract (handlers/core/tables.ts); every lake column has one. */
export function columnComment(name: string): string {
  const comment = COLUMN_DESCRIPTIONS[name];
  if (!comment) throw new Error(`column '${name}' has no description in COLUMN_DESCRIPTIONS`);
  // Glue's Column.Comment holds at most 255 characters.
  if (comment.length > 255) throw new Error(`the description of column '${name}' is ${comment.length} characters; Glue allows 255`);
  return comment;
}

/** The Glue table input of a lake table: Snappy Parquet at `location`, partitioned by batch_id. */
export function glueTableInput(table: LakeTable, location: string) {
  const columns = TABLE_COLUMNS[table];
  if (!columns) throw new Error(`unknown lake table '${String(table)}'`);
  if (!/^s3:\/\/[a-z0-9.-]+\/.+\/$/.test(location)) throw new Error(`table location '${location}' must be an s3:// folder ending with '/'`);
  return {
    name: table,
    tableType: 'EXTERNAL_TABLE',
    parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY' },
    partitionKeys: [{ name: PARTITION_KEY.name, type: PARTITION_KEY.type, comment: columnComment(PARTITION_KEY.name) }],
    storageDescriptor: {
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      compressed: true,
      serDeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { 'serialization.format': '1' },
      },
      columns: columns.map((column) => ({ name: column.name, type: column.type, comment: columnComment(column.name) })),
    },
  };
}

/** The folder of a lake table: `s3://<bucket>/<table>/`. */
export function tableLocation(bucket: string, table: LakeTable): string {
  return `s3://${bucket}/${table}/`;
}

export interface AnalyticsQuery {
  /** The file name without `.sql`. */
  name: string;
  /** The file's first `--` comment line, or the file name. */
  description: string;
  /** The SQL with the stack's database in place of `procureflow_db`. */
  query: string;
}

/** Rewrites `procureflow_db.` references of analyst SQL to the stack's database. */
export function substituteDatabase(sql: string, databaseName: string): string {
  return sql.replace(new RegExp(`\\b${SQL_DATABASE_NAME}\\.`, 'g'), `${databaseName}.`);
}

/** One named query per `*.sql` file of `dir`, sorted by name; throws when the folder has none. */
export function analyticsQueries(dir: string, databaseName: string): AnalyticsQuery[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  if (files.length === 0) throw new Error(`no .sql file in ${dir}`);
  return files.map((file) => {
    const name = path.basename(file, '.sql');
    if (!/^[a-z0-9_-]+$/.test(name)) throw new Error(`analytics query file '${file}' must be named with lowercase letters, digits, '_' or '-'`);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    const comment = /^\s*--\s*(.+)$/m.exec(sql)?.[1]?.trim();
    return { name, description: (comment ?? name).slice(0, 1024), query: substituteDatabase(sql.trim(), databaseName) };
  });
}

export interface CatalogArgs {
  namePrefix: string;
  databaseName: string;
  silverBucket: pulumi.Input<string>;
  goldBucket: pulumi.Input<string>;
  athenaResultsBucket: pulumi.Input<string>;
  /** The pipeline workgroup's cutoff (see stack-config.ts for how it is sized). */
  pipelineBytesScannedCutoff: number;
  analystsBytesScannedCutoff: number;
  forceDestroy: boolean;
  /** Folder of the analyst SQL files saved as named queries. */
  analyticsSqlDir: string;
  /** ARNs of the buckets the read-only analyst policy names (analyst-policy.ts). */
  bucketArns: { silver: pulumi.Input<string>; gold: pulumi.Input<string>; athenaResults: pulumi.Input<string> };
}

export class Catalog extends pulumi.ComponentResource {
  readonly database: aws.glue.CatalogDatabase;
  readonly tables: Record<LakeTable, aws.glue.CatalogTable>;
  /** Where the cleaner runs its statements; not enforced, so CTAS may name external_location. */
  readonly pipelineWorkgroup: aws.athena.Workgroup;
  /** Where analysts query; enforced, holds the named queries. */
  readonly analystsWorkgroup: aws.athena.Workgroup;
  readonly namedQueries: Record<string, aws.athena.NamedQuery>;
  /** Read-only analyst access: attach to the analysts' users, group or role. */
  readonly analystPolicy: aws.iam.Policy;

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('procureflow:catalog:Catalog', name, {}, opts);
    const childOpts = { parent: this };
    this.database = new aws.glue.CatalogDatabase(
      `${name}-database`,
      { name: args.databaseName, description: 'ProcureFlow lake: silver raw_transactions, gold cleaned_transactions and rejected_transactions' },
      childOpts,
    );
    const bucketOf = { silver: args.silverBucket, gold: args.goldBucket };
    const tables = {} as Record<LakeTable, aws.glue.CatalogTable>;
    for (const table of LAKE_TABLES) {
      const layer = TABLE_LAYER[table];
      tables[table] = new aws.glue.CatalogTable(
        `${name}-${table}`,
        pulumi.output(bucketOf[layer]).apply((bucket) => ({ ...glueTableInput(table, tableLocation(bucket, table)), databaseName: args.databaseName })),
        { parent: this, dependsOn: [this.database] },
      );
    }
    this.tables = tables;
    const workgroup = (role: 'pipeline' | 'analysts') =>
      new aws.athena.Workgroup(
        `${name}-${role}-workgroup`,
        pulumi.output(args.athenaResultsBucket).apply((resultsBucket) =>
          workgroupArgs({
            name: `${args.namePrefix}-${role}`,
            enforce: role === 'analysts',
            bytesScannedCutoff: role === 'pipeline' ? args.pipelineBytesScannedCutoff : args.analystsBytesScannedCutoff,
            resultsBucket,
            resultsPrefix: role === 'pipeline' ? PIPELINE_RESULTS_PREFIX : ANALYSTS_RESULTS_PREFIX,
            forceDestroy: args.forceDestroy,
          }),
        ),
        childOpts,
      );
    this.pipelineWorkgroup = workgroup('pipeline');
    this.analystsWorkgroup = workgroup('analysts');
    this.namedQueries = {};
    for (const query of analyticsQueries(args.analyticsSqlDir, args.databaseName)) {
      this.namedQueries[query.name] = new aws.athena.NamedQuery(
        `${name}-query-${query.name}`,
        { name: query.name, description: query.description, database: this.database.name, workgroup: this.analystsWorkgroup.name, query: query.query },
        childOpts,
      );
    }
    this.analystPolicy = new aws.iam.Policy(
      `${name}-analyst-policy`,
      {
        name: `${args.namePrefix}-analyst-read-only`,
        description: "Read-only ProcureFlow analyst: Athena in the analysts' workgroup, Glue read of the lake database, S3 read of the silver and gold tables, the analysts' results folder",
        policy: pulumi
          .all([args.bucketArns.silver, args.bucketArns.gold, args.bucketArns.athenaResults, this.database.arn, this.analystsWorkgroup.arn])
          .apply(([silver, gold, results, database, workgroup]) =>
            analystPolicyDocument({ silverBucketArn: silver, goldBucketArn: gold, athenaResultsBucketArn: results, databaseArn: database, analystsWorkgroupArn: workgroup }),
          ),
      },
      childOpts,
    );
    this.registerOutputs({
      analystPolicyArn: this.analystPolicy.arn,
      databaseName: this.database.name,
      pipelineWorkgroupName: this.pipelineWorkgroup.name,
      analystsWorkgroupName: this.analystsWorkgroup.name,
      namedQueryIds: Object.fromEntries(Object.entries(this.namedQueries).map(([key, query]) => [key, query.id])),
    });
  }
}
