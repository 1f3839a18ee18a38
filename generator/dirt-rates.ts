import { REJECT_REASONS, type RejectReason } from './reject-reasons.ts';

/** How much of each kind of dirt to inject, as fractions of data lines. */
export interface DirtRates {
  /** An exact byte copy of a recent valid line of the same file. */
  exactDuplicate: number;
  /** A valid line re-using the transaction_id of a valid line of an earlier file (2nd file on). */
  resentId: number;
  /** Optional fields written as '', NULL, null, N/A, \N (valid: they get the contract's defaults). */
  nullTokens: number;
  /** Fields padded with spaces/tabs; category, payment and currency in odd case (valid). */
  caseAndWhitespace: number;
  /** Lines that fail exactly for this contract reason. */
  reject: Record<RejectReason, number>;
  /** CRLF line ends instead of LF. */
  crlf?: boolean;
  /** Empty lines (skipped by the contract, not data lines). */
  blankLines: number;
}

/** DirtRates with every field present; what the generator works with. */
export type ResolvedDirt = Required<DirtRates>;

/** Partial rates, with `reject` partial too, as the API accepts them. */
export type DirtOverrides = Partial<Omit<DirtRates, 'reject'>> & { reject?: Partial<Record<RejectReason, number>> };

const DEFAULT_REJECT_RATE = 0.001;

export const DEFAULT_DIRT: ResolvedDirt = {
  exactDuplicate: 0.01,
  resentId: 0.005,
  nullTokens: 0.03,
  caseAndWhitespace: 0.05,
  reject: Object.fromEntries(REJECT_REASONS.map((r) => [r, DEFAULT_REJECT_RATE])) as Record<RejectReason, number>,
  crlf: false,
  blankLines: 0.0005,
};

/** Every rate zero: a perfectly clean dataset. */
export const NO_DIRT: ResolvedDirt = {
  exactDuplicate: 0,
  resentId: 0,
  nullTokens: 0,
  caseAndWhitespace: 0,
  reject: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
  crlf: false,
  blankLines: 0,
};

export function resolveDirt(overrides: DirtOverrides = {}): ResolvedDirt {
  const dirt: ResolvedDirt = {
    ...DEFAULT_DIRT,
    ...stripUndefined(overrides),
    reject: { ...DEFAULT_DIRT.reject, ...stripUndefined(overrides.reject ?? {}) },
  };
  const named: [string, number][] = [
    ['exactDuplicate', dirt.exactDuplicate],
    ['resentId', dirt.resentId],
    ['nullTokens', dirt.nullTokens],
    ['caseAndWhitespace', dirt.caseAndWhitespace],
    ['blankLines', dirt.blankLines],
    ...REJECT_REASONS.map((r): [string, number] => [`reject.${r}`, dirt.reject[r]]),
  ];
  for (const [name, rate] of named) {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error(`Dirt rate ${name} must be in [0, 1], got ${rate}`);
  }
  // The line-kind draws (duplicate, resent, rejects) share one unit interval.
  const lineKinds = dirt.exactDuplicate + dirt.resentId + REJECT_REASONS.reduce((sum, r) => sum + dirt.reject[r], 0);
  if (lineKinds >= 0.5) throw new Error(`Dirt rates for duplicates, resent ids and rejects add up to ${lineKinds}; keep them under 0.5`);
  return dirt;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
