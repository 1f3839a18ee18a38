import { asciiBytes, formatCents, PIPE } from './ascii.ts';
import { CATEGORIES, type Product } from './product-catalog.ts';
import { CURRENCIES, MAX_QUANTITY, PAYMENT_METHODS, STORE_COUNT, type Market, type Txn } from './market.ts';
import { packedTable, packWords, piece, writePiece, type Piece } from './packed-ascii.ts';
import { formatTimestamp, TimestampWriter } from './timestamp.ts';
import { NULL_TOKENS } from './valid-dirt.ts';

const ID_DIGITS = 16;
const CUSTOMER_DIGITS = 7;

export function formatTransactionId(id: number): string {
  return `TXN-${String(id).padStart(ID_DIGITS, '0')}`;
}

export function formatCustomerId(customer: number): string {
  return `CUST-${String(customer).padStart(CUSTOMER_DIGITS, '0')}`;
}

// Number tables, one packed word (or two) per value.
const CUST_WORD = piece('CUST').words[0] ?? 0;
const DASH_3_DIGITS = packedTable(1000, 1, (n) => `-${String(n).padStart(3, '0')}`);
const DIGITS_4 = packedTable(10_000, 1, (n) => String(n).padStart(4, '0'));
const DIGITS_2 = packedTable(100, 1, (n) => String(n).padStart(2, '0'));
/** `u.` for whole units 0..9999 (2 words) and its length: the integer part of an amount. */
const UNITS_DOT = packedTable(10_000, 2, (n) => `${n}.`);
const UNITS_DOT_LENGTH = Uint8Array.from({ length: 10_000 }, (_, n) => String(n).length + 1);

/**
 * Turns a Txn into a line, two ways that must agree byte for byte:
 * - `write`: packed ASCII straight into the output (the hot path: every valid line);
 * - `fields`: as 12 strings, for the rare reject lines, whose corruptions are easier to
 *   express on strings.
 */
export class RecordFormatter {
  private readonly timestamps = new TimestampWriter();
  private readonly catalog: Product[];
  // Precomputed pieces with their delimiters folded in, so most fields are one or two stores.
  private readonly stores: Piece[];
  private readonly guests = NULL_TOKENS.map((t) => piece(`${t}|`));
  private readonly products: Piece[];
  private readonly prices: Piece[];
  private readonly quantities = Array.from({ length: MAX_QUANTITY + 1 }, (_, q) => piece(`${q}|`));
  private readonly zeroDiscount = piece('0.00|');
  private readonly tails = PAYMENT_METHODS.flatMap((p) => CURRENCIES.map((c) => piece(`|${p}|${c}`)));

  constructor(market: Market) {
    this.catalog = market.catalog;
    this.stores = Array.from({ length: STORE_COUNT + 1 }, (_, s) => piece(`|${s}|`));
    this.products = this.catalog.map((p) => piece(`${p.sku}|${CATEGORIES[p.category]?.name ?? ''}|`));
    this.prices = this.catalog.map((p) => piece(`${formatCents(p.priceCents)}|`));
  }

  /**
   * The line for `txn` with the transaction id in `id`, no line end; returns the end position.
   * May scribble up to 3 bytes past it (see packed-ascii.ts).
   */
  write(view: DataView, pos: number, id: Piece, txn: Txn): number {
    pos = writePiece(view, pos, id);
    view.setUint8(pos++, PIPE);
    pos = this.timestamps.write(view, pos, txn.seconds, txn.useT);
    pos = writePiece(view, pos, this.stores[txn.store] as Piece);
    const customer = txn.customer;
    if (customer !== 0) {
      const high = (customer / 10_000) | 0;
      view.setUint32(pos, CUST_WORD, true);
      view.setUint32(pos + 4, DASH_3_DIGITS[high] as number, true);
      view.setUint32(pos + 8, DIGITS_4[customer - high * 10_000] as number, true);
      view.setUint8(pos + 12, PIPE);
      pos += 13;
    } else {
      pos = writePiece(view, pos, this.guests[txn.guestSpelling] as Piece);
    }
    pos = writePiece(view, pos, this.products[txn.product] as Piece);
    pos = writePiece(view, pos, this.quantities[txn.quantity] as Piece);
    pos = writePiece(view, pos, this.prices[txn.product] as Piece);
    if (txn.discountCents === 0) pos = writePiece(view, pos, this.zeroDiscount);
    else {
      pos = writeAmount(view, pos, txn.discountCents);
      view.setUint8(pos++, PIPE);
    }
    pos = writeAmount(view, pos, txn.quantity * (this.catalog[txn.product] as Product).priceCents - txn.discountCents);
    return writePiece(view, pos, this.tails[txn.payment * CURRENCIES.length + txn.currency] as Piece);
  }

  /** The same line as `write`, as 12 field strings. */
  fields(id: number, txn: Txn): string[] {
    const product = this.catalog[txn.product] as Product;
    return [
      formatTransactionId(id),
      formatTimestamp(txn.seconds, txn.useT),
      String(txn.store),
      txn.customer === 0 ? (NULL_TOKENS[txn.guestSpelling] ?? '') : formatCustomerId(txn.customer),
      product.sku,
      CATEGORIES[product.category]?.name ?? '',
      String(txn.quantity),
      formatCents(product.priceCents),
      formatCents(txn.discountCents),
      formatCents(txn.quantity * product.priceCents - txn.discountCents),
      PAYMENT_METHODS[txn.payment] ?? '',
      CURRENCIES[txn.currency] ?? '',
    ];
  }
}

/** A non-negative amount in cents as `units.cc`. */
function writeAmount(view: DataView, pos: number, cents: number): number {
  const units = (cents / 100) | 0;
  if (units >= 10_000) {
    // rare (over $10,000): digit by digit
    const text = formatCents(cents);
    for (let i = 0; i < text.length; i++) view.setUint8(pos + i, text.charCodeAt(i));
    return pos + text.length;
  }
  view.setUint32(pos, UNITS_DOT[2 * units] as number, true);
  view.setUint32(pos + 4, UNITS_DOT[2 * units + 1] as number, true);
  pos += UNITS_DOT_LENGTH[units] as number;
  view.setUint16(pos, DIGITS_2[cents - units * 100] as number, true);
  return pos + 2;
}

/** `TXN-` + 16 digits, incremented in place as ASCII and kept packed (no formatting per line). */
export class IdCounter {
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  readonly piece: Piece;
  private value: number;

  constructor(first: number) {
    this.value = first;
    this.bytes = asciiBytes(formatTransactionId(first));
    this.words = packWords(this.bytes);
    this.piece = { words: this.words, length: this.bytes.length };
  }

  get current(): number {
    return this.value;
  }

  increment(): void {
    this.value++;
    const b = this.bytes;
    let i = b.length - 1;
    while (i >= 4 && b[i] === 0x39) b[i--] = 0x30;
    b[i] = (b[i] as number) + 1;
    packWords(b, this.words, i);
  }
}
