// Three small landings whose ids overlap (T2 in a and b, T3 in b and c: first write wins decides
// by landing order), how to land them on the shared fake, how to read its lake back through
// Athena, and the reference lake: the files landed and committed one at a time, inline mode.
// Used by the group tests of both cloud modes (group-cloud, turn-keeper).
import { batchIdFor } from '../../handlers/core/batch-identity.ts';
import { HEADER_LINE } from '../../handlers/core/tables.ts';
import { type CleanerOnFake, cleanerOnFake, STACK, STACK_ENV_INLINE } from '../fakes/cleaner-on-fake.ts';
import { runQuery } from '../fakes/run-query.ts';

export const DB = STACK.database;
export const BRONZE = STACK.buckets.bronze;
export const row = (id: string, total = '20.00') => `${id}|2026-03-01 10:00:00|1|C1|P1|Food|2|10.00|0|${total}|card|usd`;
export const datFile = (...lines: string[]) => Buffer.from(`${[HEADER_LINE, ...lines].join('\n')}\n`);

export const FILES: Array<[string, Buffer]> = [
  ['a.dat', datFile(row('T1'), row('T2', '1.00'))],
  ['b.dat', datFile(row('T2', '2.00'), row('T3'), 'broken line')],
  ['c.dat', datFile(row('T3', '3.00'), row('T4'))],
];

/** Lands a file in bronze (its event reaches the landing queue); returns its batch id. */
export function land(cloud: CleanerOnFake, key: string, body: Buffer): string {
  const { ETag } = cloud.aws.s3.put(BRONZE, `${STACK.bronzePrefix}${key}`, body);
  return batchIdFor({ bucket: BRONZE, key: `${STACK.bronzePrefix}${key}` }, ETag.replace(/"/g, ''));
}

/** Gold, silver and rejects as analysts read them, in a fixed order. */
export async function lakeOf(cloud: CleanerOnFake) {
  const { athena } = cloud.aws.clients();
  const read = async (sql: string) => (await runQuery(athena, sql, { database: DB, workGroup: STACK.workGroup })).rows.slice(1);
  return {
    gold: await read(`SELECT transaction_id, total_amount, source_file, batch_id FROM ${DB}.cleaned_transactions ORDER BY transaction_id`),
    silver: await read(`SELECT transaction_id, raw_line, reject_reason, batch_id FROM ${DB}.raw_transactions ORDER BY batch_id, transaction_id, raw_line`),
    rejects: await read(`SELECT raw_line, reason, batch_id FROM ${DB}.rejected_transactions ORDER BY batch_id, raw_line`),
  };
}

/** The reference: the files landed and committed one at a time, inline mode. */
export async function oneByOne(files = FILES) {
  const cloud = cleanerOnFake({ env: STACK_ENV_INLINE });
  for (const [key, body] of files) {
    land(cloud, key, body);
    await cloud.drain();
  }
  const lake = await lakeOf(cloud);
  await cloud.aws.close();
  return lake;
}
