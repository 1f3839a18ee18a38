import { COL } from './columns.ts';
import type { Sfc32 } from './prng.ts';
import type { RejectReason } from './reject-reasons.ts';
import { nullToken } from './valid-dirt.ts';

/*
 * Each builder starts from the 12 fields of a valid line and breaks exactly the rule of its
 * reason, so the contract's first applicable reason is that one: every earlier rule still holds.
 * Values are chosen to be unambiguous in any engine (no '3.0' integers, no 24:00:00, no
 * three-decimal numbers). Lines are returned as latin1 strings: one char per output byte,
 * which is how an invalid UTF-8 sequence is written.
 */

/** Byte sequences that are not UTF-8: a stray lead byte, bad continuation, truncated sequence, lone continuation. */
const INVALID_UTF8 = ['\xff', '\xfe', '\xc3\x28', '\xe2\x82', '\x80'] as const;

export function rejectLine(reason: RejectReason, fields: string[], rng: Sfc32): string {
  switch (reason) {
    case 'malformed':
      return malformed(fields, rng);
    case 'missing_transaction_id':
      fields[COL.transactionId] = maybePadded(nullToken(rng), rng);
      break;
    case 'invalid_transaction_ts':
      fields[COL.transactionTs] = badTimestamp(fields[COL.transactionTs] ?? '', rng);
      break;
    case 'invalid_store_id':
      fields[COL.storeId] = pickOrNull(['0', '-3', '-17', 'abc', '4.5', '12a'], rng);
      break;
    case 'missing_product_id':
      fields[COL.productId] = maybePadded(nullToken(rng), rng);
      break;
    case 'invalid_quantity':
      fields[COL.quantity] = pickOrNull(['0', '-1', '-2', 'abc', 'two', '2.5'], rng);
      break;
    case 'invalid_unit_price':
      fields[COL.unitPrice] = pickOrNull([`-${fields[COL.unitPrice] ?? '1.00'}`, '-0.99', 'abc', '12.3.4', '$5.00'], rng);
      break;
    case 'invalid_discount':
      fields[COL.discount] = rng.pick(['-0.50', '-5.00', 'abc', '1..0', '5%', '12.3.4']);
      break;
    case 'invalid_total_amount':
      fields[COL.totalAmount] = rng.pick(['12.3.4', 'abc', '$12.00', '1,234.00', '--5']);
      break;
  }
  return fields.join('|');
}

function malformed(fields: string[], rng: Sfc32): string {
  const variant = rng.float();
  if (variant < 0.15) {
    // 12 fields, but a text field carries bytes that are not UTF-8
    const f = rng.pick([COL.customerId, COL.productCategory, COL.paymentMethod]);
    const value = fields[f] ?? '';
    const at = rng.below(value.length + 1);
    fields[f] = value.slice(0, at) + rng.pick(INVALID_UTF8) + value.slice(at);
    return fields.join('|');
  }
  if (variant < 0.4) return fields.slice(0, -1).join('|'); // 11 fields: last one lost
  if (variant < 0.6) return `${fields.join('|')}|${rng.pick(['', 'X', fields[COL.currency] ?? ''])}`; // 13 fields
  if (variant < 0.8) {
    // two neighbouring fields run together: 11 fields
    const f = 1 + rng.below(fields.length - 2);
    const merged = fields.slice(0, f);
    merged.push(`${fields[f] ?? ''}${rng.pick([' ', ',', ''])}${fields[f + 1] ?? ''}`, ...fields.slice(f + 2));
    return merged.join('|');
  }
  // cut short somewhere after the id and before the last delimiter: at most 11 fields
  const line = fields.join('|');
  const from = (fields[0]?.length ?? 0) + 2;
  const to = line.lastIndexOf('|');
  return line.slice(0, from + rng.below(Math.max(1, to - from)));
}

function badTimestamp(ts: string, rng: Sfc32): string {
  const date = ts.slice(0, 10);
  const time = ts.slice(11);
  const [y = '2026', m = '03', d = '01'] = date.split('-');
  const [hh = '12', mm = '00', ss = '00'] = time.split(':');
  const variants = [
    () => nullToken(rng),
    () => `${y}-02-30 ${time}`,
    () => `${y}-04-31 ${time}`,
    () => `${y}-13-${d} ${time}`,
    () => `${y}-00-${d} ${time}`,
    () => `${date} 25:${mm}:${ss}`,
    () => `${date} ${hh}:61:${ss}`,
    () => `${y}/${m}/${d} ${time}`,
    () => `${d}/${m}/${y} ${time}`,
    () => date,
    () => `${date} ${hh}:${mm}`,
    () => `${y}${m}${d}${hh}${mm}${ss}`,
    () => 'yesterday',
  ];
  return rng.pick(variants)();
}

function pickOrNull(values: readonly string[], rng: Sfc32): string {
  return rng.float() < 0.2 ? maybePadded(nullToken(rng), rng) : rng.pick(values);
}

function maybePadded(value: string, rng: Sfc32): string {
  return rng.float() < 0.2 ? ` ${value}\t` : value;
}
