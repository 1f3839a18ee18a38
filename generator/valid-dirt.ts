import { asciiBytes } from './ascii.ts';
import { COL, OPTIONAL_FIELDS } from './columns.ts';
import { FIELD_COUNT, RECASE_CAPITALIZE, RECASE_MIXED, RECASE_UPPER, type FieldEdits } from './field-edits.ts';
import type { Sfc32 } from './prng.ts';

/** Spellings of null the contract recognises (after trimming, case-insensitively). */
export const NULL_TOKENS = ['', 'NULL', 'null', 'N/A', 'n/a', '\\N', 'Null'] as const;
const NULL_TOKEN_BYTES = NULL_TOKENS.map(asciiBytes);
const PADDING = [' ', '  ', '\t', ' \t', '\t ', '   '].map(asciiBytes);
const ODD_CASE_FIELDS = [COL.productCategory, COL.paymentMethod, COL.currency] as const;

export function nullToken(rng: Sfc32): string {
  return rng.pick(NULL_TOKENS);
}

/** One or two optional fields become null tokens; the line stays valid. */
export function planNullTokens(edits: FieldEdits, rng: Sfc32): void {
  const count = rng.float() < 0.25 ? 2 : 1;
  for (let i = 0; i < count; i++) edits.replace[rng.pick(OPTIONAL_FIELDS)] = rng.pick(NULL_TOKEN_BYTES);
}

/**
 * Spaces/tabs around one to three fields, and odd case on at least one of the fields the
 * contract case-folds; trimming and case-folding turn the line back into its clean form.
 */
export function planCaseAndWhitespace(edits: FieldEdits, rng: Sfc32): void {
  const padded = 1 + rng.below(3);
  for (let i = 0; i < padded; i++) {
    const f = rng.below(FIELD_COUNT);
    const side = rng.below(3); // 0 left, 1 right, 2 both
    if (side !== 1) edits.padLeft[f] = rng.pick(PADDING);
    if (side !== 0) edits.padRight[f] = rng.pick(PADDING);
  }
  let recased = false;
  for (const f of ODD_CASE_FIELDS) {
    if (rng.float() < 0.5) {
      planRecase(edits, f, rng);
      recased = true;
    }
  }
  if (!recased) planRecase(edits, COL.productCategory, rng);
}

function planRecase(edits: FieldEdits, field: number, rng: Sfc32): void {
  const style = rng.below(3);
  edits.recase[field] = style === 0 ? RECASE_UPPER : style === 1 ? RECASE_CAPITALIZE : RECASE_MIXED;
  edits.mixMask[field] = rng.u32();
}
