import type { ResolvedDirt } from './dirt-rates.ts';
import { hashUnit } from './prng.ts';
import { REJECT_REASONS, type RejectReason } from './reject-reasons.ts';

/** Reasons a line that carries a fresh transaction id can be rejected for. */
const ID_BEARING_REASONS = REJECT_REASONS.filter((r) => r !== 'missing_transaction_id');

/**
 * Whether the line with a given fresh transaction id is a reject, and why, as a pure function
 * of (seed, id). Being stateless lets a later file, generated in parallel, know which ids of
 * earlier files were valid, so a resent id always re-uses a transaction that reached gold.
 */
export class RejectSchedule {
  private readonly bounds: number[];
  private readonly total: number;

  constructor(
    private readonly seed: number,
    dirt: ResolvedDirt,
  ) {
    // Rates are fractions of all data lines; fresh-id lines are only part of them.
    const freshShare = 1 - dirt.exactDuplicate - dirt.resentId - dirt.reject.missing_transaction_id;
    let sum = 0;
    this.bounds = ID_BEARING_REASONS.map((r) => (sum += dirt.reject[r] / freshShare));
    this.total = sum;
  }

  forId(id: number): RejectReason | null {
    const u = hashUnit(this.seed, id);
    if (u >= this.total) return null;
    for (let i = 0; i < this.bounds.length; i++) if (u < (this.bounds[i] as number)) return ID_BEARING_REASONS[i] as RejectReason;
    return null;
  }
}
