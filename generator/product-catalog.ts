import { Sfc32 } from './prng.ts';

// The products a generated dataset sells (a product catalog, not the lake's data catalog): SKUs,
// their categories and prices, fixed per seed.

/**
 * Categories with a log-normal price model each (median price in dollars and log-spread) and
 * their relative share of the products (grocery has many SKUs, automotive few).
 */
export const CATEGORIES = [
  { name: 'electronics', median: 89, sigma: 0.9, share: 10 },
  { name: 'grocery', median: 4.5, sigma: 0.6, share: 22 },
  { name: 'apparel', median: 29, sigma: 0.6, share: 14 },
  { name: 'home', median: 35, sigma: 0.8, share: 10 },
  { name: 'beauty', median: 16, sigma: 0.5, share: 8 },
  { name: 'toys', median: 22, sigma: 0.7, share: 7 },
  { name: 'sports', median: 39, sigma: 0.8, share: 6 },
  { name: 'books', median: 14, sigma: 0.4, share: 8 },
  { name: 'garden', median: 27, sigma: 0.8, share: 4 },
  { name: 'automotive', median: 31, sigma: 0.9, share: 3 },
  { name: 'pets', median: 19, sigma: 0.6, share: 4 },
  { name: 'office', median: 9, sigma: 0.7, share: 4 },
] as const;


export interface Product {
  /** `SKU-` + 6 digits, unique. */
  sku: string;
  /** Index into CATEGORIES. */
  category: number;
  priceCents: number;
}

/**
 * A fixed catalog for a seed: SKUs with a category each and a price drawn log-normally per
 * category and snapped to retail endings (.99, .49, or any cents). Array order is popularity
 * rank (index 0 sells most) so a Zipf weight per index gives the skew.
 */
export function buildProductCatalog(seed: number, size: number): Product[] {
  const rng = new Sfc32(seed, 0xca7a109);
  const shareTotal = CATEGORIES.reduce((total, category) => total + category.share, 0);
  const usedSkus = new Set<number>();
  const products: Product[] = [];
  for (let i = 0; i < size; i++) {
    let skuNumber: number;
    do skuNumber = 1 + rng.below(999_999);
    while (usedSkus.has(skuNumber));
    usedSkus.add(skuNumber);
    const category = pickCategory(rng.float() * shareTotal);
    products.push({ sku: `SKU-${String(skuNumber).padStart(6, '0')}`, category, priceCents: drawPriceCents(rng, category) });
  }
  return products;
}

function pickCategory(x: number): number {
  for (const [c, category] of CATEGORIES.entries()) {
    x -= category.share;
    if (x < 0) return c;
  }
  return CATEGORIES.length - 1;
}

function drawPriceCents(rng: Sfc32, category: number): number {
  const model = CATEGORIES[category] ?? CATEGORIES[0];
  const dollars = Math.min(model.median * Math.exp(model.sigma * rng.normal()), 4999);
  const ending = rng.float();
  if (ending < 0.6) return Math.max(1, Math.round(dollars)) * 100 - 1; // x.99
  if (ending < 0.8) return Math.max(0, Math.floor(dollars)) * 100 + 49; // x.49
  return Math.max(25, Math.round(dollars * 100));
}
