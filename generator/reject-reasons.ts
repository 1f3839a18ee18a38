/**
 * The contract's reject reasons, in the contract's order: a line that breaks several rules is
 * rejected for the first one listed here (see docs/data-contract.md, "Rejects").
 */
export const REJECT_REASONS = [
  'malformed',
  'missing_transaction_id',
  'invalid_transaction_ts',
  'invalid_store_id',
  'missing_product_id',
  'invalid_quantity',
  'invalid_unit_price',
  'invalid_discount',
  'invalid_total_amount',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export type RejectCounts = Record<RejectReason, number>;

export function emptyRejectCounts(): RejectCounts {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as RejectCounts;
}
