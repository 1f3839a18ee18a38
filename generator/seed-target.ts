// The two targets of one seeding: an S3 bucket (S3ObjectStore) or a plain folder (FsObjectStore).
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import { FsObjectStore } from '../handlers/local/fs-object-store.ts';
import { lakeLayout, type LakeLayout } from '../handlers/local/lake-layout.ts';
import { MB } from './size.ts';
import type { SeedTarget } from './seed-upload.ts';

/**
 * Parts of 8 MB, two in flight per object: with the seeder's default of 4 objects at once that is
 * about 4 × (2 + 1) × 8 MB of buffers, whatever the object size (lib-storage reads the body one
 * part at a time, only when an uploader slot is free).
 */
const SEED_UPLOAD = { partSize: 8 * MB, queueSize: 2 };

export function s3SeedTarget(client: S3Client, bucket: string): SeedTarget {
  return { store: new S3ObjectStore(client, SEED_UPLOAD), bucket, objectUri: (key) => `s3://${bucket}/${key}` };
}

/** The one bucket of a folder target: the folder itself. */
export const FOLDER_BUCKET = 'folder';

/**
 * A plain folder as a store with one bucket, the folder itself: the lake layout of the folder with
 * the bucket mapped onto its root instead of a subfolder. FsObjectStore only places objects
 * (objectPath) and keeps replaced ones under `<root>/_versions/`, so both stay inside the folder.
 */
function folderLayout(dir: string): LakeLayout {
  const lake = lakeLayout(dir);
  const bucketDir = (bucket: string): string => {
    if (bucket !== FOLDER_BUCKET) throw new Error(`a folder target has one bucket, "${FOLDER_BUCKET}"; got ${JSON.stringify(bucket)}`);
    return lake.root;
  };
  return {
    ...lake,
    bucketDir,
    objectPath(bucket, key) {
      const resolved = path.resolve(bucketDir(bucket), key);
      if (!resolved.startsWith(lake.root + path.sep)) throw new Error(`object key ${JSON.stringify(key)} escapes ${lake.root}`);
      return resolved;
    },
  };
}

export function folderSeedTarget(dir: string): SeedTarget {
  const layout = folderLayout(dir);
  return { store: new FsObjectStore(layout), bucket: FOLDER_BUCKET, objectUri: (key) => path.join(layout.root, key) };
}
