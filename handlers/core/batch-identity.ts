// A batch is one landed object with one content: the same key and content is the same batch
// (re-delivery is recognised), the same content under a new key is a new batch.
import { createHash } from 'node:crypto';
import type { ObjectRef } from './ports.ts';

const MAX_SLUG = 48;

/** A readable, identifier-safe name for the file part of a key: `Sales 2026-03.dat` → `sales_2026_03`. */
export function fileSlug(key: string): string {
  const base = key.split('/').pop() ?? '';
  const stem = base.replace(/\.(dat|dat\.gz|zip)$/i, '');
  const slug = stem
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_SLUG);
  return slug.length > 0 ? slug : 'file';
}

/** The batch id: the file's slug and a digest of bucket, key and content tag. */
export function batchIdFor(ref: ObjectRef, etag: string): string {
  const digest = createHash('sha256').update(`${ref.bucket}\n${ref.key}\n${etag}`).digest('hex').slice(0, 12);
  return `${fileSlug(ref.key)}_${digest}`;
}
