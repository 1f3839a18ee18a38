// `procureflow smoke`: after `pulumi up`, land a small crafted file set in the stack's bronze
// bucket, wait for each batch's commit in Glue, and check gold, rejects and the balance through
// Athena in the pipeline workgroup. Exits non-zero on any mismatch.
//
// What each crafted line must become is written here by hand from the data contract
// (docs/data-contract.md, "Rejects" and "Gold"), never from the pipeline's own
// figures: a line is labelled `valid`, `duplicate` or its reject reason when it is written.
// Transaction ids carry the run id, so a rerun never meets the first-write-wins of an earlier run.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Command } from 'commander';
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';

// ---------------------------------------------------------------- the crafted files (pure)

type Expect = 'valid' | 'duplicate' | 'malformed' | 'missing_transaction_id' | 'invalid_transaction_ts' | 'invalid_store_id'
  | 'missing_product_id' | 'invalid_quantity' | 'invalid_unit_price' | 'invalid_discount' | 'invalid_total_amount';

interface CraftedLine {
  text: Buffer;
  expect: Expect;
  /** The id that reaches gold (valid lines only). */
  goldId?: string;
}

export interface CraftedFile {
  /** Key under the smoke folder. */
  name: string;
  /** What the case covers. */
  covers: string;
  body: Buffer;
  expected: { lines: number; loaded: number; duplicates: number; rejected: number; rejectsByReason: Record<string, number>; goldIds: string[] };
}

const HEADER = 'transaction_id|transaction_ts|store_id|customer_id|product_id|product_category|quantity|unit_price|discount|total_amount|payment_method|currency';

/** A line of the 12 contract fields; `overrides` replaces fields by name. */
function row(id: string, overrides: Partial<Record<'ts' | 'store' | 'product' | 'quantity' | 'price' | 'discount' | 'total', string>> = {}): string {
  const f = { ts: '2026-03-01 10:00:00', store: '7', product: 'SKU-1', quantity: '2', price: '10.00', discount: '0.00', total: '20.00', ...overrides };
  return [id, f.ts, f.store, 'CUST-1', f.product, 'toys', f.quantity, f.price, f.discount, f.total, 'card', 'usd'].join('|');
}

function file(name: string, covers: string, lines: CraftedLine[], gzip = false): CraftedFile {
  // Header first and a blank line: both skipped, never counted (contract, "Bronze").
  const text = Buffer.concat([Buffer.from(`${HEADER}\n`), ...lines.map((line) => Buffer.concat([line.text, Buffer.from('\n')])), Buffer.from('\n')]);
  const rejectsByReason: Record<string, number> = {};
  for (const line of lines) if (line.expect !== 'valid' && line.expect !== 'duplicate') rejectsByReason[line.expect] = (rejectsByReason[line.expect] ?? 0) + 1;
  const goldIds = lines.filter((line) => line.expect === 'valid').map((line) => line.goldId as string).sort();
  return {
    name,
    covers,
    body: gzip ? gzipSync(text) : text,
    expected: {
      lines: lines.length,
      loaded: goldIds.length,
      duplicates: lines.filter((line) => line.expect === 'duplicate').length,
      rejected: Object.values(rejectsByReason).reduce((a, b) => a + b, 0),
      rejectsByReason,
      goldIds,
    },
  };
}

const valid = (text: string, id: string): CraftedLine => ({ text: Buffer.from(text), expect: 'valid', goldId: id });
const as = (expect: Expect, text: string | Buffer): CraftedLine => ({ text: Buffer.isBuffer(text) ? text : Buffer.from(text), expect });

/** The crafted set, in landing order (the FIFO queue keeps it; the SALES.DAT duplicate relies on it). */
export function craftedFiles(run: string): CraftedFile[] {
  const id = (n: number) => `SMK-${run}-${String(n).padStart(4, '0')}`;
  const badByte = Buffer.concat([Buffer.from(`${id(90)}|2026-03-01 10:00:00|7|CUST-`), Buffer.from([0xff, 0xfe]), Buffer.from('|SKU-1|toys|2|10.00|0.00|20.00|card|usd')]);
  return [
    file('2026-03-01.dat', 'a date-named file, every reject reason, a bad byte, an in-batch duplicate', [
      valid(row(id(1), { ts: '2026-03-01 12:00:00' }), id(1)),
      // Same id, earlier time: collapses into the line above (contract, "Gold": greatest transaction_ts wins).
      as('duplicate', row(id(1), { ts: '2026-03-01 09:00:00' })),
      valid(row(id(2), { total: '' }), id(2)), // a null total is derived: 2 × 10.00 − 0.00
      as('malformed', `${id(80)}|2026-03-01 10:00:00|7`),
      as('malformed', badByte),
      as('missing_transaction_id', row('')),
      as('invalid_transaction_ts', row(id(81), { ts: 'yesterday' })),
      as('invalid_store_id', row(id(82), { store: '0' })),
      as('missing_product_id', row(id(83), { product: 'NULL' })),
      as('invalid_quantity', row(id(84), { quantity: '-1' })),
      as('invalid_unit_price', row(id(85), { price: 'abc' })),
      as('invalid_discount', row(id(86), { discount: '-5.00' })),
      as('invalid_total_amount', row(id(87), { total: 'x12' })),
    ]),
    file('SALES.DAT', 'an upper-case extension, a duplicate of an id already in gold', [
      valid(row(id(3)), id(3)),
      as('duplicate', row(id(1), { ts: '2026-03-02 12:00:00' })), // first write wins across batches
    ]),
    file('_hidden-name.dat', 'a hidden base name (Athena skips it unless copied)', [valid(row(id(4)), id(4))]),
    file('gzipped.dat.gz', 'a .dat.gz', [valid(row(id(5)), id(5)), valid(row(id(6)), id(6))], true),
  ];
}

// ---------------------------------------------------------------- the run

export interface SmokeTarget {
  bronzeBucket: string;
  /** '' or ending in '/'. */
  bronzePrefix: string;
  database: string;
  workGroup: string;
}

export interface SmokeClients {
  s3: S3Client;
  glue: GlueClient;
  athena: AthenaClient;
}

export interface SmokeOptions {
  run: string;
  /** How long to wait for each commit, and between looks. */
  timeoutMs: number;
  pollMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  out: (line: string) => void;
}

/** JSON with object keys sorted: two answers are the same whatever order their keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Stack outputs (`pulumi stack output --json`) → the target; flags win. */
export function smokeTarget(outputs: Record<string, unknown>, flags: Partial<SmokeTarget>): SmokeTarget {
  const pick = (flag: string | undefined, output: string): string => {
    const value = flag ?? outputs[output];
    if (typeof value !== 'string') throw new Error(`no ${output} in the stack outputs and no flag for it`);
    return value;
  };
  const prefix = flags.bronzePrefix ?? (typeof outputs.bronzePrefix === 'string' ? outputs.bronzePrefix : '');
  return {
    bronzeBucket: pick(flags.bronzeBucket, 'bronzeBucket'),
    bronzePrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    database: pick(flags.database, 'databaseName'),
    workGroup: pick(flags.workGroup, 'pipelineWorkgroupName'),
  };
}

/** Lands the crafted files in order, waits for each commit, checks through Athena; true when all match. */
export async function runSmoke(target: SmokeTarget, clients: SmokeClients, options: SmokeOptions): Promise<boolean> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { GlueCatalog } = await import('../../handlers/aws/glue-catalog.ts');
  const { S3ObjectStore } = await import('../../handlers/aws/s3-object-store.ts');
  const { AthenaEngine } = await import('../../handlers/aws/athena-engine.ts');
  const { batchIdFor } = await import('../../handlers/core/batch-identity.ts');
  const { figuresFromParameters } = await import('../../handlers/core/batch-figures.ts');
  const { literal, renderValue } = await import('../../handlers/core/sql-template.ts');

  const store = new S3ObjectStore(clients.s3);
  const catalog = new GlueCatalog({ client: clients.glue, store, database: target.database, buckets: { silver: 'unused-silver', gold: 'unused-gold' } });
  // The smoke's queries are read-only and carry this run's batch ids, so a token never meets an
  // earlier attempt's query: no staleness check, which would compare the user's clock with
  // Athena's SubmissionDateTime and, on a clock a few seconds off, rerun every query 20 times.
  const engine = new AthenaEngine({
    client: clients.athena,
    workGroup: target.workGroup,
    database: target.database,
    timing: { now: options.now, sleep: options.sleep, random: Math.random },
    staleToleranceMs: Number.POSITIVE_INFINITY,
  });
  let ok = true;
  const check = (what: string, found: unknown, expected: unknown) => {
    const same = canonical(found) === canonical(expected);
    if (!same) ok = false;
    options.out(`  ${same ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(found)}${same ? '' : ` (expected ${JSON.stringify(expected)})`}`);
  };

  for (const crafted of craftedFiles(options.run)) {
    const key = `${target.bronzePrefix}smoke-${options.run}/${crafted.name}`;
    const put = await clients.s3.send(new PutObjectCommand({ Bucket: target.bronzeBucket, Key: key, Body: crafted.body }));
    const batchId = batchIdFor({ bucket: target.bronzeBucket, key }, (put.ETag ?? '').replace(/"/g, ''));
    options.out(`s3://${target.bronzeBucket}/${key} (${crafted.covers}): batch ${batchId}`);
    const deadline = options.now() + options.timeoutMs;
    let parameters = await catalog.committedBatch(batchId);
    while (!parameters && options.now() < deadline) {
      await options.sleep(options.pollMs);
      parameters = await catalog.committedBatch(batchId);
    }
    if (!parameters) {
      ok = false;
      options.out(`  FAIL not committed within ${Math.round(options.timeoutMs / 1000)} s (see the cleaner's logs, the dead-letter queue and LandingsRefused)`);
      continue;
    }
    const figures = figuresFromParameters(parameters);
    const e = crafted.expected;
    check('committed figures', { lines: figures?.lines, loaded: figures?.loaded, duplicates: figures?.duplicates, rejected: figures?.rejected, rejectsByReason: figures?.rejectsByReason },
      { lines: e.lines, loaded: e.loaded, duplicates: e.duplicates, rejected: e.rejected, rejectsByReason: e.rejectsByReason });
    const where = `WHERE batch_id = ${renderValue(literal(batchId))}`;
    const context = { batchId, step: 'smoke' };
    const gold = await engine.query(`SELECT transaction_id FROM ${target.database}.cleaned_transactions ${where} ORDER BY transaction_id`, context);
    check('gold ids', gold.map((r) => r.transaction_id), e.goldIds);
    const rejects = await engine.query(`SELECT reason, count(*) AS n FROM ${target.database}.rejected_transactions ${where} GROUP BY reason ORDER BY reason`, context);
    const byReason = Object.fromEntries(rejects.map((r) => [String(r.reason), Number(r.n)]));
    check('rejects by reason', byReason, e.rejectsByReason);
    const silver = await engine.query(`SELECT count(*) AS lines FROM ${target.database}.raw_transactions ${where}`, context);
    const lines = Number(silver[0]?.lines);
    const rejected = Object.values(byReason).reduce((a, b) => a + b, 0);
    // The balance from what Athena reads, with the duplicates the contract says this file holds.
    check('balance lines = loaded + duplicates + rejects', [lines, gold.length + e.duplicates + rejected], [e.lines, e.lines]);
  }
  options.out(ok ? 'smoke: every case as the contract says' : 'smoke: MISMATCH (see FAIL lines above)');
  return ok;
}

// ---------------------------------------------------------------- the command

interface SmokeCliOptions {
  outputs?: string;
  bronzeBucket?: string;
  bronzePrefix?: string;
  database?: string;
  workgroup?: string;
  region?: string;
  timeout: string;
}

async function readOutputs(source: string | undefined): Promise<Record<string, unknown>> {
  if (source === undefined) return {};
  const text = source === '-' ? readFileSync(0, 'utf8') : await readFile(source, 'utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

export function registerSmokeCommand(program: Command): void {
  program
    .command('smoke')
    .description('after `pulumi up`: land crafted files in bronze, wait for their commits, check gold, rejects and the balance through Athena')
    .option('--outputs <file>', 'stack outputs as JSON (`pulumi stack output --json > out.json`), or - for stdin')
    .option('--bronze-bucket <name>', 'bronze bucket (default: the bronzeBucket output)')
    .option('--bronze-prefix <prefix>', 'bronze prefix (default: the bronzePrefix output)')
    .option('--database <name>', 'Glue database (default: the databaseName output)')
    .option('--workgroup <name>', 'the pipeline Athena workgroup (default: the pipelineWorkgroupName output)')
    .option('--region <region>', 'AWS region')
    .option('--timeout <seconds>', 'how long to wait for each commit', '600')
    .action(async (options: SmokeCliOptions) => {
      const target = smokeTarget(await readOutputs(options.outputs), {
        ...(options.bronzeBucket !== undefined ? { bronzeBucket: options.bronzeBucket } : {}),
        ...(options.bronzePrefix !== undefined ? { bronzePrefix: options.bronzePrefix } : {}),
        ...(options.database !== undefined ? { database: options.database } : {}),
        ...(options.workgroup !== undefined ? { workGroup: options.workgroup } : {}),
      });
      const { awsClients } = await import('../../handlers/aws/aws-lake.ts');
      const clients = awsClients({}, options.region ? { region: options.region } : {});
      const timeout = Number(options.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout must be a positive number of seconds, got ${options.timeout}`);
      const ok = await runSmoke(target, clients, {
        run: randomBytes(4).toString('hex'),
        timeoutMs: timeout * 1000,
        pollMs: 5000,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        out: (line) => process.stdout.write(`${line}\n`),
      });
      if (!ok) process.exitCode = 1;
    });
}
