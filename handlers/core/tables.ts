// The lake's table schemas, shared by the local DuckDB catalog and the Glue tables of the stack.
import type { LakeTable } from './ports.ts';

export interface Column {
  name: string;
  /** Hive/Glue type; the local engine maps it to DuckDB's. */
  type: 'string' | 'int' | 'timestamp' | 'date' | 'decimal(12,2)';
}

/** The bronze file's columns, in order (docs/data-contract.md); the generator writes them too. */
export const BRONZE_COLUMNS = [
  'transaction_id',
  'transaction_ts',
  'store_id',
  'customer_id',
  'product_id',
  'product_category',
  'quantity',
  'unit_price',
  'discount',
  'total_amount',
  'payment_method',
  'currency',
] as const;

/** The 12 contract columns with their typed (gold) types; silver and gold both start with them. */
export const TYPED_COLUMNS: Column[] = [
  { name: 'transaction_id', type: 'string' },
  { name: 'transaction_ts', type: 'timestamp' },
  { name: 'store_id', type: 'int' },
  { name: 'customer_id', type: 'string' },
  { name: 'product_id', type: 'string' },
  { name: 'product_category', type: 'string' },
  { name: 'quantity', type: 'int' },
  { name: 'unit_price', type: 'decimal(12,2)' },
  { name: 'discount', type: 'decimal(12,2)' },
  { name: 'total_amount', type: 'decimal(12,2)' },
  { name: 'payment_method', type: 'string' },
  { name: 'currency', type: 'string' },
];

/** Data columns of each lake table, in file order; `batch_id` is the partition key of all three. */
export const TABLE_COLUMNS: Record<LakeTable, Column[]> = {
  raw_transactions: [
    ...TYPED_COLUMNS,
    { name: 'raw_line', type: 'string' },
    { name: 'reject_reason', type: 'string' },
    { name: 'source_file', type: 'string' },
  ],
  cleaned_transactions: [
    ...TYPED_COLUMNS,
    { name: 'source_file', type: 'string' },
    { name: 'transaction_date', type: 'date' },
  ],
  rejected_transactions: [
    { name: 'raw_line', type: 'string' },
    { name: 'reason', type: 'string' },
    { name: 'source_file', type: 'string' },
  ],
};

export const PARTITION_KEY: Column = { name: 'batch_id', type: 'string' };

export const LAKE_TABLES = Object.keys(TABLE_COLUMNS) as LakeTable[];

/** Which bucket (medallion layer) holds each table's files. */
export const TABLE_LAYER: Record<LakeTable, 'silver' | 'gold'> = {
  raw_transactions: 'silver',
  cleaned_transactions: 'gold',
  rejected_transactions: 'gold',
};

/** The bronze header line, lower case, as the silver SELECT compares it. */
export const HEADER_LINE = BRONZE_COLUMNS.join('|');
