// The local lake mirrors the cloud one: a folder per bucket, Hive-style partition folders.
import path from 'node:path';

export const LOCAL_BUCKETS = { bronze: 'bronze', silver: 'silver', gold: 'gold' } as const;

export interface LakeLayout {
  root: string;
  bucketDir(bucket: string): string;
  objectPath(bucket: string, key: string): string;
  catalogFile: string;
  workDir: string;
  spillDir: string;
  logFile: string;
  lockFile: string;
}

/** Characters DuckDB would read as a glob in a file path; the lake root may not contain them. */
const GLOB_CHARACTERS = /[*?[\]{}]/;

export function lakeLayout(rootDir: string): LakeLayout {
  const root = path.resolve(rootDir);
  if (GLOB_CHARACTERS.test(root)) {
    throw new Error(`lake folder ${JSON.stringify(root)} contains a glob character (* ? [ ] { }); choose another folder`);
  }
  const bucketDir = (bucket: string) => {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket)) throw new Error(`invalid bucket name ${JSON.stringify(bucket)}`);
    return path.join(root, bucket);
  };
  return {
    root,
    bucketDir,
    objectPath(bucket, key) {
      const dir = bucketDir(bucket);
      const resolved = path.resolve(dir, key);
      if (!resolved.startsWith(dir + path.sep)) throw new Error(`object key ${JSON.stringify(key)} escapes its bucket`);
      return resolved;
    },
    catalogFile: path.join(root, '_catalog', 'catalog.json'),
    workDir: path.join(root, '_work'),
    spillDir: path.join(root, '_work', 'spill'),
    logFile: path.join(root, '_logs', 'pipeline.jsonl'),
    lockFile: path.join(root, '_catalog', 'writer.lock'),
  };
}
