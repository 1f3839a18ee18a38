import { buildProductCatalog, type Product } from './product-catalog.ts';
import type { Sfc32 } from './prng.ts';
import { WeightedTable } from './weighted-table.ts';

export const PAYMENT_METHODS = ['card', 'mobile', 'cash', 'gift_card'] as const;
export const CURRENCIES = ['usd', 'eur', 'gbp', 'cad'] as const;
export const STORE_COUNT = 500;
export const MAX_QUANTITY = 12;
const CATALOG_SIZE = 4000;
const CUSTOMER_POOL = 250_000;
const GUEST_SHARE = 0.15;
const DISCOUNT_SHARE = 0.12;
const DISCOUNT_PERCENTS = [5, 10, 10, 15, 20, 25];

/** One sale, as numbers; formatting and dirt happen later. */
export interface Txn {
  seconds: number;
  /** `T` between date and time instead of a space. */
  useT: boolean;
  /** 1..STORE_COUNT */
  store: number;
  /** Customer number for CUST-nnnnnnn, 0 for a guest sale. */
  customer: number;
  /** How a guest's empty customer_id is spelled: index into NULL_TOKENS (0 is the empty field). */
  guestSpelling: number;
  /** Index into the catalog. */
  product: number;
  quantity: number;
  discountCents: number;
  /** Index into PAYMENT_METHODS. */
  payment: number;
  /** Index into CURRENCIES. */
  currency: number;
}

export function emptyTxn(): Txn {
  return { seconds: 0, useT: false, store: 1, customer: 0, guestSpelling: 0, product: 0, quantity: 1, discountCents: 0, payment: 0, currency: 0 };
}

/**
 * The shape of the business: which products sell (Zipf-like popularity over the catalog),
 * which stores are busy (log-normal store sizes), a pool of repeat customers with a skewed
 * visit frequency, and the usual basket size, discount, payment and currency mix.
 */
export class Market {
  readonly catalog: Product[];
  private readonly productTable: WeightedTable;
  private readonly storeTable: WeightedTable;
  /** Customer number of each pool rank, precomputed: the modulo on large doubles is slow per line. */
  private readonly customers = new Int32Array(CUSTOMER_POOL).map((_, rank) => customerNumber(rank));
  private readonly quantityTable = new WeightedTable([0, 52, 21, 10, 6, 4, 2, 1.5, 1, 0.7, 0.6, 0.5, 0.7]); // index = quantity, 0..MAX_QUANTITY
  private readonly paymentTable = new WeightedTable([62, 20, 14, 4]);
  private readonly currencyTable = new WeightedTable([970, 12, 10, 8]);

  constructor(seed: number, rng: Sfc32) {
    this.catalog = buildProductCatalog(seed, CATALOG_SIZE);
    this.productTable = new WeightedTable(
      this.catalog.map((_, rank) => 1 / (rank + 1) ** 0.9),
      16,
    );
    this.storeTable = new WeightedTable(Array.from({ length: STORE_COUNT }, () => Math.exp(0.5 * rng.normal())));
  }

  /** Fill every field of `txn` except the time. */
  draw(rng: Sfc32, txn: Txn): void {
    const product = this.productTable.sample(rng.u32());
    txn.product = product;
    txn.store = 1 + this.storeTable.sample(rng.u32());
    const who = rng.float();
    // Repeat customers: rank = pool * v^2 makes low ranks visit far more often.
    const v = (who - GUEST_SHARE) / (1 - GUEST_SHARE);
    txn.customer = who < GUEST_SHARE ? 0 : (this.customers[(CUSTOMER_POOL * v * v) | 0] as number);
    txn.guestSpelling = 0;
    const quantity = this.quantityTable.sample(rng.u32());
    txn.quantity = quantity;
    const mix = rng.u32();
    txn.payment = this.paymentTable.sample(mix);
    txn.currency = this.currencyTable.sample((mix << 16) >>> 0);
    const d = rng.float();
    if (d < DISCOUNT_SHARE) {
      const price = (this.catalog[product] as Product).priceCents;
      const percent = DISCOUNT_PERCENTS[Math.floor((d / DISCOUNT_SHARE) * DISCOUNT_PERCENTS.length)] ?? 10;
      txn.discountCents = Math.floor((quantity * price * percent) / 100);
    } else {
      txn.discountCents = 0;
    }
  }
}

/** Spread pool ranks over 7-digit customer numbers (a bijection mod a prime), so ids look random. */
function customerNumber(rank: number): number {
  return 1 + ((rank * 7_654_321 + 1_234_567) % 9_999_991);
}
