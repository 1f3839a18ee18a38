// A batch is one landed object with one content: the same key and content is the same batch
// (re-delivery is recognised), the same content under a new key is a new batch.
import { createHash } from 'node:crypto';
import type { ObjectRef } from './ports.ts';

const MAX_SLUG = 48;

/**
 * A readable, identifier-safe name for the file part of a key: `Sales 2026-03.dat` →
 * `sales_2026_03`. Batch ids and work table names start with it, and an SQL identifier cannot
 * start with a digit, so a slug that would (`2026-03-01.dat`) gets the prefix `file_`, and an
 * empty one (`.dat`, `日本.dat`) is `file`. Every other slug is as it always was, so the batch
 * ids of names that already worked do not change.
 */
export function fileSlug(key: string): string {
  const base = key.split('/').pop() ?? '';
  const stem = base.replace(/\.(dat|dat\.gz|zip)$/i, '');
  const slug = stem
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug.length === 0) return 'file';
  return (/^[0-9]/.test(slug) ? `file_${slug}` : slug).slice(0, MAX_SLUG);
}

/** The batch id: the file's slug and a digest of bucket, key and content tag. */
export function batchIdFor(ref: ObjectRef, etag: string): string {
  const digest = createHash('sha256').update(`${ref.bucket}\n${ref.key}\n${etag}`).digest('hex').slice(0, 12);
  return `${fileSlug(ref.key)}_${digest}`;
}
