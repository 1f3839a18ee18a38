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

/**
 * What each column holds, in the words of docs/data-contract.md ("The columns", "Silver",
 * "Gold", "Rejects"). The stack puts them on the Glue columns (components/catalog.ts), so
 * analysts read them in the Athena console and through DESCRIBE.
 */
export const COLUMN_DESCRIPTIONS: Record<string, string> = {
  transaction_id: 'Required. The deduplication key: across batches the first write wins, inside a batch the greatest transaction_ts wins.',
  transaction_ts: 'Sale time (UTC), from YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS; required.',
  store_id: 'Store, an integer > 0; required.',
  customer_id: 'Customer; null for a guest sale.',
  product_id: 'Product; required.',
  product_category: 'Category, lower-cased; null becomes unknown.',
  quantity: 'Units sold, an integer > 0; required.',
  unit_price: 'Price per unit, >= 0, decimal(12,2); required.',
  discount: 'Discount, >= 0, decimal(12,2); null becomes 0.00.',
  total_amount: 'Total, decimal(12,2); null becomes round(quantity x unit_price - discount, 2).',
  payment_method: 'Payment method, upper-cased; null becomes UNKNOWN.',
  currency: 'Currency code, upper-cased; null becomes USD.',
  raw_line: 'The landed line as text, for a rejected line only (null for a valid one: its typed columns are the line).',
  reject_reason: 'Why the line is rejected (the first rule it breaks), or null for a valid line.',
  reason: 'Why the line is rejected: exactly one reason, the first that applies (malformed, missing_transaction_id, invalid_transaction_ts, ...).',
  source_file: 'The landed object the line came from, as bucket/key.',
  transaction_date: 'The date of transaction_ts (UTC).',
  batch_id: 'The batch (one landed object with one content): a slug of the file name and a digest of bucket, key and content tag.',
};
