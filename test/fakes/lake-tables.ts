// The lake tables as the stack declares them (components/catalog.ts): Parquet, partitioned by
// batch_id, one location per table in its layer's bucket. Tests create them in the fake Glue.
import { PARTITION_KEY, TABLE_COLUMNS, TABLE_LAYER } from '../../handlers/core/tables.ts';
import type { LakeTable } from '../../handlers/core/ports.ts';
import type { FakeAws } from './fake-aws.ts';

export function createLakeTables(aws: FakeAws, database: string, buckets: { silver: string; gold: string }): void {
  for (const table of Object.keys(TABLE_COLUMNS) as LakeTable[]) {
    aws.glue.createTable({
      DatabaseName: database,
      TableInput: {
        Name: table,
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Location: `s3://${buckets[TABLE_LAYER[table]]}/${table}/`,
          Columns: TABLE_COLUMNS[table].map((column) => ({ Name: column.name, Type: column.type })),
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
        PartitionKeys: [{ Name: PARTITION_KEY.name, Type: PARTITION_KEY.type }],
      },
    });
  }
}
