import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataLine, goldValues, isBlankLine, isNull, splitLines, type GoldValues } from '../generator/contract-check.ts';
import { resolveDirt } from '../generator/dirt-rates.ts';
import { FileGenerator } from '../generator/file-generator.ts';
import type { FilePlan } from '../generator/file-plan.ts';
import { DEFAULT_DIRT, generateDataset, HEADER, NO_DIRT, parseSize, REJECT_REASONS, type GeneratedFile, type GenerateOptions, type RejectReason } from '../generator/generate.ts';
import { emptyTxn, Market } from '../generator/market.ts';
import { piece } from '../generator/packed-ascii.ts';
import { planDataset } from '../generator/plan-dataset.ts';
import { Sfc32 } from '../generator/prng.ts';
import { formatTransactionId, RecordFormatter } from '../generator/record-format.ts';
import { NULL_TOKENS } from '../generator/valid-dirt.ts';

/** What an independent line-by-line reading of one file finds. */
interface FileFindings {
  header: string;
  dataLines: number;
  blankLines: number;
  rejects: Record<RejectReason, number>;
  exactDuplicates: number;
  resentIds: number;
  /** Numeric ids of lines that carry a new transaction id, in file order. */
  freshIds: number[];
  /** Valid lines (exact duplicates left out), in file order: gold values and trimmed fields. */
  valid: GoldValues[];
  validFields: string[][];
  /** Lines whose field count is not 12 but were not classified malformed. */
  uncaughtFieldCounts: number;
  lfOnlyLines: number;
}

let root = '';
const datasets = new Map<string, Promise<{ files: GeneratedFile[]; findings: FileFindings[] }>>();

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'procureflow-generator-'));
});

test.after.always(async () => {
  await Promise.allSettled(datasets.values());
  await rm(root, { recursive: true, force: true });
});

/** Generate a dataset once per name (tests share them) and analyse it. */
function dataset(name: string, options: Omit<GenerateOptions, 'outDir'>): Promise<{ files: GeneratedFile[]; findings: FileFindings[] }> {
  let result = datasets.get(name);
  if (!result) {
    result = (async () => {
      const files = await generateDataset({ ...options, outDir: join(root, name) });
      return { files, findings: analyse(await Promise.all(files.map((f) => readFile(f.path)))) };
    })();
    datasets.set(name, result);
  }
  return result;
}

// ~3 x 16k lines with the default dirt, on two worker threads.
const standard = (): ReturnType<typeof dataset> => dataset('standard', { sizeBytes: 5_000_000, files: 3, seed: 7, concurrency: 2 });
// Dirt rates well above the defaults, CRLF line ends, in this thread.
const heavy = (): ReturnType<typeof dataset> =>
  dataset('heavy', {
    sizeBytes: 3_000_000,
    files: 2,
    seed: 11,
    concurrency: 1,
    dirt: { crlf: true, exactDuplicate: 0.03, resentId: 0.02, blankLines: 0.005, reject: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0.01])) },
  });

function analyse(contents: Buffer[]): FileFindings[] {
  const earlierValidIds = new Set<string>();
  return contents.map((content) => {
    const [headerLine, ...lines] = splitLines(content);
    const found: FileFindings = {
      header: (headerLine ?? Buffer.alloc(0)).toString('latin1'),
      dataLines: 0,
      blankLines: 0,
      rejects: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
      exactDuplicates: 0,
      resentIds: 0,
      freshIds: [],
      valid: [],
      validFields: [],
      uncaughtFieldCounts: 0,
      lfOnlyLines: 0,
    };
    const seenValid = new Set<string>();
    const fileValidIds = new Set<string>();
    for (const line of lines) {
      if (line.at(-1) !== 0x0d) found.lfOnlyLines++;
      if (isBlankLine(line)) {
        found.blankLines++;
        continue;
      }
      found.dataLines++;
      const text = line.toString('latin1');
      const { reason, fields } = checkDataLine(line);
      if (text.split('|').length !== 12 && reason !== 'malformed') found.uncaughtFieldCounts++;
      const firstField = (text.split('|')[0] ?? '').trim();
      if (reason !== null) {
        found.rejects[reason]++;
        if (reason !== 'missing_transaction_id') found.freshIds.push(idNumber(firstField));
        continue;
      }
      if (seenValid.has(text)) {
        found.exactDuplicates++;
        continue;
      }
      seenValid.add(text);
      const row = goldValues(fields);
      found.valid.push(row);
      found.validFields.push(fields);
      fileValidIds.add(row.transactionId);
      if (earlierValidIds.has(row.transactionId)) found.resentIds++;
      else found.freshIds.push(idNumber(row.transactionId));
    }
    for (const id of fileValidIds) earlierValidIds.add(id);
    return found;
  });
}

function idNumber(id: string): number {
  const m = /^TXN-(\d{16})$/.exec(id);
  return m ? Number(m[1]) : Number.NaN;
}

async function digests(files: GeneratedFile[]): Promise<string[]> {
  return Promise.all(files.map(async (f) => createHash('sha256').update(await readFile(f.path)).digest('hex')));
}

test('same seed gives byte-identical files, whether generated on workers or in this thread', async (t) => {
  const { files } = await standard();
  const inline = await dataset('standard-inline', { sizeBytes: 5_000_000, files: 3, seed: 7, concurrency: 1 });
  t.deepEqual(await digests(inline.files), await digests(files));
  t.deepEqual(
    inline.files.map((f) => f.injected),
    files.map((f) => f.injected),
  );
});

test('the bytes of a file do not depend on the chunk size it is generated in', (t) => {
  const config = { seed: 9, dirt: resolveDirt({ exactDuplicate: 0.05 }) };
  const [plan] = planDataset(config, { sizeBytes: 600_000, files: 1, outDir: '', prefix: 't' });
  const generate = (chunkBytes: number): Buffer => {
    const generator = new FileGenerator(config, plan as FilePlan);
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(chunkBytes);
      const length = generator.fill(chunk);
      if (length === 0) return Buffer.concat(chunks);
      chunks.push(chunk.subarray(0, length));
    }
  };
  const whole = generate(1 << 20);
  t.true(generate(1 << 14).equals(whole));
  t.true(generate(50_001).equals(whole));
});

test('the packed fast path writes exactly the line the string path builds', (t) => {
  const market = new Market(4, new Sfc32(4, 1));
  const formatter = new RecordFormatter(market);
  const rng = new Sfc32(4, 2);
  const txn = emptyTxn();
  const priciest = market.catalog.reduce((best, p, i) => (p.priceCents > (market.catalog[best]?.priceCents ?? 0) ? i : best), 0);
  t.true((market.catalog[priciest]?.priceCents ?? 0) * 12 > 1_000_000);
  const bytes = new Uint8Array(4096);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 20_000; i++) {
    market.draw(rng, txn);
    txn.seconds = 1_772_323_200 + rng.below(400 * 86_400);
    txn.useT = rng.float() < 0.5;
    if (txn.customer === 0) txn.guestSpelling = rng.below(NULL_TOKENS.length);
    if (i % 50 === 0) [txn.product, txn.quantity] = [priciest, 12]; // amounts beyond the 4-digit tables
    if (i % 3 === 0) txn.discountCents = rng.below(txn.quantity * (market.catalog[txn.product]?.priceCents ?? 0) + 1);
    const id = 1 + rng.below(2 ** 31);
    const length = formatter.write(view, 0, piece(formatTransactionId(id)), txn);
    const expected = formatter.fields(id, txn).join('|');
    if (Buffer.from(bytes.subarray(0, length)).toString('latin1') !== expected) t.fail(`line ${i}: ${expected}`);
  }
  t.pass();
});

test('a different seed gives different files', async (t) => {
  const a = await dataset('seed-1', { sizeBytes: 200_000, files: 1, seed: 1 });
  const b = await dataset('seed-2', { sizeBytes: 200_000, files: 1, seed: 2 });
  t.notDeepEqual(await digests(a.files), await digests(b.files));
});

test('files are named, sized and headed as asked', async (t) => {
  const { files, findings } = await standard();
  t.deepEqual(
    files.map((f) => f.path),
    [1, 2, 3].map((n) => join(root, 'standard', `transactions-000${n}.dat`)),
  );
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  t.true(Math.abs(total / 5_000_000 - 1) < 0.01, `total ${total}`);
  for (const [i, f] of files.entries()) {
    t.is((await stat(f.path)).size, f.bytes);
    t.true(Math.abs(f.bytes / (5_000_000 / 3) - 1) < 0.02, `file ${f.bytes}`);
    t.is(findings[i]?.header, HEADER);
    t.is(findings[i]?.dataLines, f.lines);
  }
  t.is(HEADER, 'transaction_id|transaction_ts|store_id|customer_id|product_id|product_category|quantity|unit_price|discount|total_amount|payment_method|currency');
});

test('every line has 12 fields unless it is counted malformed', async (t) => {
  for (const { findings } of [await standard(), await heavy()]) {
    for (const f of findings) t.is(f.uncaughtFieldCounts, 0);
  }
});

test('injected counts are what a line-by-line contract check finds', async (t) => {
  for (const { files, findings } of [await standard(), await heavy()]) {
    for (const [i, file] of files.entries()) {
      const found = findings[i] as FileFindings;
      t.deepEqual(found.rejects, file.injected.rejects, `${file.path} rejects`);
      t.is(found.exactDuplicates, file.injected.exactDuplicates, `${file.path} duplicates`);
      t.is(found.resentIds, file.injected.resentIds, `${file.path} resent ids`);
      t.is(found.blankLines, file.injected.blankLines, `${file.path} blank lines`);
      t.is(found.dataLines, file.lines);
    }
    t.is(findings[0]?.resentIds, 0, 'the first file has nothing to resend');
  }
});

test('injected counts follow the rates', async (t) => {
  const cases = [
    { data: await standard(), rates: DEFAULT_DIRT },
    { data: await heavy(), rates: { ...DEFAULT_DIRT, exactDuplicate: 0.03, resentId: 0.02, blankLines: 0.005, reject: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0.01])) as Record<RejectReason, number> } },
  ];
  for (const { data, rates } of cases) {
    const lines = data.files.reduce((sum, f) => sum + f.lines, 0);
    const laterLines = data.files.slice(1).reduce((sum, f) => sum + f.lines, 0);
    const sum = (pick: (f: GeneratedFile) => number): number => data.files.reduce((s, f) => s + pick(f), 0);
    // Poisson-ish counts: allow 5 standard deviations (and a little slack for tiny expectations).
    const near = (observed: number, expected: number, what: string): void => {
      t.true(Math.abs(observed - expected) <= 5 * Math.sqrt(expected) + 3, `${what}: ${observed} vs expected ${expected.toFixed(1)}`);
    };
    near(sum((f) => f.injected.exactDuplicates), lines * rates.exactDuplicate, 'exact duplicates');
    near(sum((f) => f.injected.resentIds), laterLines * rates.resentId, 'resent ids');
    near(sum((f) => f.injected.blankLines), lines * rates.blankLines, 'blank lines');
    for (const reason of REJECT_REASONS) near(sum((f) => f.injected.rejects[reason]), lines * rates.reject[reason], reason);
  }
});

test('transaction ids are sequential within and across files', async (t) => {
  for (const { findings } of [await standard(), await heavy()]) {
    const ids = findings.flatMap((f) => f.freshIds);
    t.true(ids.length > 1000);
    t.is(ids[0], 1);
    const gaps = ids.filter((id, i) => i > 0 && id !== (ids[i - 1] as number) + 1);
    t.deepEqual(gaps, []);
  }
});

test('timestamps never go back within a file, and each file covers a later range', async (t) => {
  const { findings } = await standard();
  let previousLast = '';
  for (const f of findings) {
    const times = f.valid.map((v) => v.transactionTs);
    const backwards = times.filter((ts, i) => i > 0 && ts < (times[i - 1] as string));
    t.deepEqual(backwards, []);
    t.true((times[0] as string) > previousLast, `${times[0]} after ${previousLast}`);
    previousLast = times.at(-1) as string;
  }
});

test('valid lines look like retail sales', async (t) => {
  const rows = (await standard()).findings.flatMap((f) => f.valid);
  const share = (pick: (r: GoldValues) => boolean): number => rows.filter(pick).length / rows.length;
  t.true(rows.every((r) => r.storeId >= 1 && r.storeId <= 500));
  t.true(rows.every((r) => /^SKU-\d{6}$/.test(r.productId)));
  t.true(rows.every((r) => r.customerId === null || /^CUST-\d{7}$/.test(r.customerId)));
  t.true(rows.every((r) => r.quantity >= 1 && r.quantity <= 12));
  t.true(rows.every((r) => ['CARD', 'CASH', 'MOBILE', 'GIFT_CARD', 'UNKNOWN'].includes(r.paymentMethod)));
  const amounts = (await standard()).findings.flatMap((f) => f.validFields).filter((f) => !isNull(f[8] ?? '') && !isNull(f[9] ?? ''));
  const cents = (text: string | undefined): number => Math.round(Number(text) * 100);
  t.true(amounts.length > rows.length * 0.9);
  t.true(
    amounts.every((f) => cents(f[9]) === Number(f[6]) * cents(f[7]) - cents(f[8])),
    'total = quantity * unit_price - discount',
  );
  t.true(share((r) => r.customerId === null) > 0.12 && share((r) => r.customerId === null) < 0.22, 'about 15% guests (plus null tokens)');
  t.true(share((r) => r.quantity <= 5) > 0.9, 'quantity mostly 1-5');
  t.true(share((r) => r.discountCents === 0) > 0.8, 'discount mostly zero');
  t.true(share((r) => r.currency === 'USD') > 0.9, 'mostly usd');
  t.true(new Set(rows.map((r) => r.productCategory)).size >= 12, 'a dozen categories');
  // Skewed popularity: the busiest SKU sells far more than the median one.
  const perSku = new Map<string, number>();
  for (const r of rows) perSku.set(r.productId, (perSku.get(r.productId) ?? 0) + 1);
  const counts = [...perSku.values()].sort((a, b) => b - a);
  t.true((counts[0] as number) > 20 * (counts[Math.floor(counts.length / 2)] as number), 'Zipf-like product popularity');
  // A product always has the same category and price.
  const skuShape = new Map<string, string>();
  for (const r of rows) {
    const shape = `${r.productCategory}/${r.unitPriceCents}`;
    if (r.productCategory !== 'unknown' && (skuShape.get(r.productId) ?? shape) !== shape) t.fail(`${r.productId} changes category or price`);
    if (r.productCategory !== 'unknown') skuShape.set(r.productId, shape);
  }
});

test('CRLF line ends when asked, LF otherwise', async (t) => {
  t.true((await heavy()).findings.every((f) => f.lfOnlyLines === 0));
  t.true((await standard()).findings.every((f) => f.lfOnlyLines === f.dataLines + f.blankLines));
});

test('no dirt means every line is valid and unique', async (t) => {
  const { files, findings } = await dataset('clean', { sizeBytes: 300_000, files: 2, seed: 3, dirt: NO_DIRT });
  for (const [i, f] of findings.entries()) {
    t.is(f.valid.length, f.dataLines);
    t.is(f.blankLines, 0);
    t.is(files[i]?.injected.exactDuplicates, 0);
  }
});

test('progress is reported up to the bytes written', async (t) => {
  const seen: number[] = [];
  const files = await generateDataset({ sizeBytes: 3_000_000, files: 2, seed: 5, outDir: join(root, 'progress'), onProgress: (done, total) => seen.push(done, total) });
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  t.is(seen.at(-2), bytes);
  t.is(seen.at(-1), 3_000_000);
});

test('bad options are refused', async (t) => {
  const outDir = join(root, 'refused');
  await t.throwsAsync(generateDataset({ sizeBytes: 0, files: 1, seed: 1, outDir }), { message: /sizeBytes/ });
  await t.throwsAsync(generateDataset({ sizeBytes: 1000, files: 0, seed: 1, outDir }), { message: /files/ });
  await t.throwsAsync(generateDataset({ sizeBytes: 1000, files: 1, seed: 1.5, outDir }), { message: /seed/ });
  await t.throwsAsync(generateDataset({ sizeBytes: 1000, files: 1, seed: 1, outDir, dirt: { nullTokens: 2 } }), { message: /nullTokens/ });
  await t.throwsAsync(generateDataset({ sizeBytes: 1000, files: 1, seed: 1, outDir, prefix: '../x' }), { message: /prefix/ });
});

test('a file that cannot be written fails the whole run, on workers and in this thread', async (t) => {
  for (const concurrency of [1, 2]) {
    const outDir = join(root, `unwritable-${concurrency}`);
    await mkdir(join(outDir, 'transactions-0002.dat'), { recursive: true }); // a directory where a file must go
    await t.throwsAsync(generateDataset({ sizeBytes: 200_000, files: 2, seed: 1, outDir, concurrency }), { message: /EISDIR/ });
  }
});

test('parseSize reads 1024-based sizes', (t) => {
  t.is(parseSize('512KB'), 512 * 1024);
  t.is(parseSize('200MB'), 200 * 1024 ** 2);
  t.is(parseSize('1GB'), 1024 ** 3);
  t.is(parseSize('10GB'), 10 * 1024 ** 3);
  t.is(parseSize('1.5GB'), 1.5 * 1024 ** 3);
  t.is(parseSize('1.5 gb'), 1.5 * 1024 ** 3);
  t.is(parseSize('2GiB'), 2 * 1024 ** 3);
  t.is(parseSize('64k'), 64 * 1024);
  t.is(parseSize('1048576'), 1048576);
  t.is(parseSize('100B'), 100);
});

test('parseSize refuses junk with a clear error', (t) => {
  for (const junk of ['', 'abc', '1XB', '-1GB', '0', '0MB', 'GB', '1.2.3MB', '1e9', '10 G B']) {
    t.throws(() => parseSize(junk), { message: /Invalid size/ }, junk);
  }
});
