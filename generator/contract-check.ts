/**
 * An independent, deliberately plain reading of docs/data-contract.md for one bronze line: which
 * reject reason applies (the first in the contract's order), and what a valid line becomes in
 * gold. Tests use it to re-check generated files line by line; it shares no code with the
 * generator on purpose.
 */
import { isUtf8 } from 'node:buffer';
import type { RejectReason } from './reject-reasons.ts';

export const FIELD_COUNT = 12;

export interface CheckedLine {
  /** null for a valid line. */
  reason: RejectReason | null;
  /** The fields trimmed of spaces and tabs; empty for a malformed line. */
  fields: string[];
}

/** A line is blank when nothing is left after stripping the line end (blank lines are skipped). */
export function isBlankLine(line: Uint8Array): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === 0x0d);
}

/**
 * The file's lines as the contract reads them: a line ends at LF, CR LF or a lone CR (Trino's
 * text reader does the same); a final empty piece is not a line.
 */
export function contractLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    if (byte !== 0x0a && byte !== 0x0d) continue;
    lines.push(content.subarray(start, i));
    if (byte === 0x0d && content[i + 1] === 0x0a) i++;
    start = i + 1;
  }
  if (start < content.length) lines.push(content.subarray(start));
  return lines;
}

/**
 * The file's lines split at LF only, each keeping a CR before its LF (checkDataLine drops it);
 * for files without a lone CR, the same lines as contractLines.
 */
export function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = content.indexOf(0x0a); i !== -1; i = content.indexOf(0x0a, start)) {
    lines.push(content.subarray(start, i));
    start = i + 1;
  }
  if (start < content.length) lines.push(content.subarray(start));
  return lines;
}

/** Classify a data line (not the header, not blank), its line end already removed. */
export function checkDataLine(raw: Uint8Array): CheckedLine {
  const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
  if (!isUtf8(line)) return { reason: 'malformed', fields: [] };
  const text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
  // U+FFFD marks bytes lost in an earlier decoding (or a line cut at a reader's limit).
  if (text.includes('\ufffd')) return { reason: 'malformed', fields: [] };
  const parts = text.split('|');
  if (parts.length !== FIELD_COUNT) return { reason: 'malformed', fields: [] };
  const fields = parts.map(trim);
  const [id, ts, store, , product, , quantity, unitPrice, discount, total] = fields as [string, string, string, string, string, string, string, string, string, string];
  return { reason: firstReason(), fields };

  function firstReason(): RejectReason | null {
    if (isNull(id)) return 'missing_transaction_id';
    if (isNull(ts) || !isTimestamp(ts)) return 'invalid_transaction_ts';
    if (isNull(store) || !isInteger(store) || Number(store) <= 0) return 'invalid_store_id';
    if (isNull(product)) return 'missing_product_id';
    if (isNull(quantity) || !isInteger(quantity) || Number(quantity) <= 0) return 'invalid_quantity';
    if (isNull(unitPrice) || !isNumber(unitPrice) || Number(unitPrice) < 0) return 'invalid_unit_price';
    if (!isNull(discount) && (!isNumber(discount) || Number(discount) < 0)) return 'invalid_discount';
    if (!isNull(total) && !isNumber(total)) return 'invalid_total_amount';
    if (isNull(total) && !fitsDecimal12(derivedTotalCents(quantity, unitPrice, discount))) return 'invalid_total_amount';
    return null;
  }
}

/** A valid line's gold values, cleaned as the contract says (amounts in cents). */
export interface GoldValues {
  transactionId: string;
  /** `YYYY-MM-DD HH:MM:SS` */
  transactionTs: string;
  storeId: number;
  customerId: string | null;
  productId: string;
  productCategory: string;
  quantity: number;
  unitPriceCents: number;
  discountCents: number;
  totalAmountCents: number;
  paymentMethod: string;
  currency: string;
}

/** Clean the trimmed fields of a line that checkDataLine found valid. */
export function goldValues(fields: readonly string[]): GoldValues {
  const [id, ts, store, customer, product, category, quantity, unitPrice, discount, total, payment, currency] = fields.map((f) => (isNull(f) ? null : f));
  const quantityValue = Number(quantity);
  const unitPriceCents = cents(unitPrice ?? '0');
  const discountCents = discount === null || discount === undefined ? 0 : cents(discount);
  const totalAmountCents = total === null || total === undefined ? Number(derivedTotalCents(quantity ?? '0', unitPrice ?? '0', discount ?? '')) : cents(total);
  return {
    transactionId: id ?? '',
    transactionTs: (ts ?? '').replace('T', ' '),
    storeId: Number(store),
    customerId: customer ?? null,
    productId: product ?? '',
    productCategory: category?.toLowerCase() ?? 'unknown',
    quantity: quantityValue,
    unitPriceCents,
    discountCents,
    totalAmountCents,
    paymentMethod: payment?.toUpperCase() ?? 'UNKNOWN',
    currency: currency?.toUpperCase() ?? 'USD',
  };
}

const NULL_SPELLINGS = new Set(['', 'null', 'n/a', '\\n']);

export function isNull(value: string): boolean {
  return NULL_SPELLINGS.has(value.toLowerCase());
}

function trim(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** An integer column is an int: an optional sign and digits that fit 32 bits. */
function isInteger(value: string): boolean {
  return /^[+-]?\d{1,10}$/.test(value) && Math.abs(Number(value)) <= 2 ** 31 - 1;
}

/** A decimal(12,2): an optional sign, at most 10 digits before the point and 2 after it. */
function isNumber(value: string): boolean {
  return /^[+-]?\d{1,10}(\.\d{1,2})?$/.test(value);
}

/** quantity × unit_price − discount in cents, exactly (bigint: the product can pass 2^53). */
function derivedTotalCents(quantity: string, unitPrice: string, discount: string): bigint {
  const discountCents = isNull(discount) ? 0n : BigInt(cents(discount));
  return BigInt(Number(quantity)) * BigInt(cents(unitPrice)) - discountCents;
}

/** Whether an amount in cents fits decimal(12,2). */
function fitsDecimal12(amountCents: bigint): boolean {
  const limit = 10n ** 12n;
  return amountCents < limit && amountCents > -limit;
}

function cents(value: string): number {
  return Math.round(Number(value) * 100);
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** One of the two formats, and a real date and time (no Feb 30, no hour 24, no leap second). */
export function isTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}
