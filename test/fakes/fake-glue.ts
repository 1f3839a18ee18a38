// The fake AWS Glue Data Catalog: the operations the project calls, with Glue's refusals.
// Rule (m), from the Glue API reference (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-catalog-tables.html,
// ...-partitions.html), "Errors" of each action:
// - CreateTable on an existing name → AlreadyExistsException;
// - GetTable/DeleteTable/GetPartition of a missing entity → EntityNotFoundException;
// - CreatePartition of existing values → AlreadyExistsException; BatchCreatePartition reports it
//   per partition in Errors[] (ErrorDetail.ErrorCode) and accepts at most 100 partitions a call.
// Reading a partitioned table sees only registered partitions (fake-athena.ts).
import { AlreadyExistsException, EntityNotFoundException, InvalidInputException } from '@aws-sdk/client-glue';
import type { CloudState, GlueColumn, GluePartition, GlueStorage, GlueTable } from './cloud-state.ts';

const $metadata = { httpStatusCode: 400 };

interface TableInputLike {
  Name?: string;
  TableType?: string;
  Parameters?: Record<string, string>;
  StorageDescriptor?: Partial<GlueStorage> & { Columns?: Array<{ Name?: string; Type?: string }> };
  PartitionKeys?: Array<{ Name?: string; Type?: string }>;
}

interface PartitionInputLike {
  Values?: string[];
  StorageDescriptor?: Partial<GlueStorage> & { Columns?: Array<{ Name?: string; Type?: string }> };
  Parameters?: Record<string, string>;
}

const columns = (list: Array<{ Name?: string; Type?: string }> | undefined): GlueColumn[] =>
  (list ?? []).map((column) => ({ Name: (column.Name ?? '').toLowerCase(), Type: (column.Type ?? 'string').toLowerCase() }));

export class FakeGlue {
  constructor(private readonly state: CloudState) {}

  private database(name: string | undefined) {
    const database = this.state.databases.get(name ?? '');
    if (!database) throw new EntityNotFoundException({ message: `Database ${name ?? ''} not found.`, $metadata });
    return database;
  }

  private entry(databaseName: string | undefined, tableName: string | undefined) {
    const entry = this.database(databaseName).get((tableName ?? '').toLowerCase());
    if (!entry) throw new EntityNotFoundException({ message: `Table ${tableName ?? ''} not found.`, $metadata });
    return entry;
  }

  createTable(input: { DatabaseName?: string; TableInput?: TableInputLike }): Record<string, never> {
    const database = this.database(input.DatabaseName);
    const name = (input.TableInput?.Name ?? '').toLowerCase();
    this.state.calls.push(`Glue.CreateTable ${name}`);
    if (database.has(name)) throw new AlreadyExistsException({ message: 'Table already exists.', $metadata });
    const sd = input.TableInput?.StorageDescriptor ?? {};
    const table: GlueTable = {
      Name: name,
      TableType: input.TableInput?.TableType ?? 'EXTERNAL_TABLE',
      Parameters: { ...(input.TableInput?.Parameters ?? {}) },
      StorageDescriptor: { ...sd, Location: sd.Location ?? '', Columns: columns(sd.Columns) },
      PartitionKeys: columns(input.TableInput?.PartitionKeys),
    };
    database.set(name, { table, partitions: new Map() });
    return {};
  }

  getTable(input: { DatabaseName?: string; Name?: string }): { Table: GlueTable & { DatabaseName: string } } {
    this.state.calls.push(`Glue.GetTable ${input.Name ?? ''}`);
    const { table } = this.entry(input.DatabaseName, input.Name);
    return { Table: { ...structuredClone(table), DatabaseName: input.DatabaseName ?? '' } };
  }

  deleteTable(input: { DatabaseName?: string; Name?: string }): Record<string, never> {
    this.state.calls.push(`Glue.DeleteTable ${input.Name ?? ''}`);
    this.entry(input.DatabaseName, input.Name);
    this.database(input.DatabaseName).delete((input.Name ?? '').toLowerCase());
    return {};
  }

  createPartition(input: { DatabaseName?: string; TableName?: string; PartitionInput?: PartitionInputLike }): Record<string, never> {
    const values = input.PartitionInput?.Values ?? [];
    this.state.calls.push(`Glue.CreatePartition ${input.TableName ?? ''} ${values.join('/')}`);
    this.addPartition(input.DatabaseName, input.TableName, input.PartitionInput ?? {});
    return {};
  }

  batchCreatePartition(input: { DatabaseName?: string; TableName?: string; PartitionInputList?: PartitionInputLike[] }) {
    const list = input.PartitionInputList ?? [];
    this.state.calls.push(`Glue.BatchCreatePartition ${input.TableName ?? ''} ${list.length}`);
    // PartitionInputList: "Array Members: Minimum number of 0 items. Maximum number of 100 items."
    if (list.length > 100) throw new InvalidInputException({ message: 'PartitionInputList has more than 100 items.', $metadata });
    const Errors: Array<{ PartitionValues: string[]; ErrorDetail: { ErrorCode: string; ErrorMessage: string } }> = [];
    for (const partition of list) {
      try {
        this.addPartition(input.DatabaseName, input.TableName, partition);
      } catch (error) {
        const e = error as { name: string; message: string };
        Errors.push({ PartitionValues: partition.Values ?? [], ErrorDetail: { ErrorCode: e.name, ErrorMessage: e.message } });
      }
    }
    return { Errors };
  }

  getPartition(input: { DatabaseName?: string; TableName?: string; PartitionValues?: string[] }): { Partition: GluePartition } {
    const values = input.PartitionValues ?? [];
    this.state.calls.push(`Glue.GetPartition ${input.TableName ?? ''} ${values.join('/')}`);
    const partition = this.entry(input.DatabaseName, input.TableName).partitions.get(JSON.stringify(values));
    if (!partition) throw new EntityNotFoundException({ message: 'Cannot find partition.', $metadata });
    return { Partition: structuredClone(partition) };
  }

  batchGetPartition(input: { DatabaseName?: string; TableName?: string; PartitionsToGet?: Array<{ Values?: string[] }> }) {
    this.state.calls.push(`Glue.BatchGetPartition ${input.TableName ?? ''}`);
    const entry = this.entry(input.DatabaseName, input.TableName);
    const Partitions: GluePartition[] = [];
    const UnprocessedKeys: Array<{ Values: string[] }> = [];
    for (const wanted of input.PartitionsToGet ?? []) {
      const found = entry.partitions.get(JSON.stringify(wanted.Values ?? []));
      if (found) Partitions.push(structuredClone(found));
      else UnprocessedKeys.push({ Values: wanted.Values ?? [] });
    }
    return { Partitions, UnprocessedKeys };
  }

  /**
   * GetPartitions, paged: NextToken while more remain ("A continuation token, if the returned
   * list of partitions does not include the last one", GetPartitions in the Glue API reference,
   * https://docs.aws.amazon.com/glue/latest/webapi/API_GetPartitions.html). Glue promises no page
   * size, so without MaxResults the fake answers two partitions a page: a caller that ignores
   * NextToken loses batches here as it would on a large table. No order is promised either; the
   * fake answers in creation order.
   */
  getPartitions(input: { DatabaseName?: string; TableName?: string; NextToken?: string; MaxResults?: number }) {
    this.state.calls.push(`Glue.GetPartitions ${input.TableName ?? ''}`);
    const max = input.MaxResults ?? 2;
    const all = [...this.entry(input.DatabaseName, input.TableName).partitions.values()];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(start, start + max).map((partition) => structuredClone(partition));
    return { Partitions: page, ...(start + max < all.length ? { NextToken: String(start + max) } : {}) };
  }

  /** DeletePartition; a missing partition (or table) is EntityNotFoundException (DeletePartition, "Errors"). */
  deletePartition(input: { DatabaseName?: string; TableName?: string; PartitionValues?: string[] }): Record<string, never> {
    const values = input.PartitionValues ?? [];
    this.state.calls.push(`Glue.DeletePartition ${input.TableName ?? ''} ${values.join('/')}`);
    const partitions = this.entry(input.DatabaseName, input.TableName).partitions;
    if (!partitions.delete(JSON.stringify(values))) throw new EntityNotFoundException({ message: 'Cannot find partition.', $metadata });
    return {};
  }

  private addPartition(databaseName: string | undefined, tableName: string | undefined, input: PartitionInputLike): void {
    const entry = this.entry(databaseName, tableName);
    const values = input.Values ?? [];
    // Glue refuses a partition whose values do not match the table's partition keys one to one:
    // "The number of partition keys do not match the number of partition values", the
    // InvalidInputException Glue answered in apache/hudi#6281 (AwsGlueCatalogSyncTool).
    if (values.length !== entry.table.PartitionKeys.length) {
      throw new InvalidInputException({ message: 'The number of partition keys do not match the number of partition values', $metadata });
    }
    const key = JSON.stringify(values);
    if (entry.partitions.has(key)) throw new AlreadyExistsException({ message: 'Partition already exists.', $metadata });
    const sd = input.StorageDescriptor ?? {};
    entry.partitions.set(key, {
      Values: [...values],
      StorageDescriptor: { ...entry.table.StorageDescriptor, ...sd, Location: sd.Location ?? '', Columns: sd.Columns ? columns(sd.Columns) : entry.table.StorageDescriptor.Columns },
      Parameters: { ...(input.Parameters ?? {}) },
      CreationTime: new Date(this.state.settings.now()),
    });
  }
}
