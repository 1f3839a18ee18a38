import { BRONZE_COLUMNS } from '../handlers/core/tables.ts';

/** The bronze columns, in file order (docs/data-contract.md). */
export const COLUMNS = BRONZE_COLUMNS;

export const HEADER = COLUMNS.join('|');

/** Field positions, for code that edits a line's fields. */
export const COL = {
  transactionId: 0,
  transactionTs: 1,
  storeId: 2,
  customerId: 3,
  productId: 4,
  productCategory: 5,
  quantity: 6,
  unitPrice: 7,
  discount: 8,
  totalAmount: 9,
  paymentMethod: 10,
  currency: 11,
} as const;

/** Fields the contract lets be null in a valid line. */
export const OPTIONAL_FIELDS: readonly number[] = [
  COL.customerId,
  COL.productCategory,
  COL.discount,
  COL.totalAmount,
  COL.paymentMethod,
  COL.currency,
];
