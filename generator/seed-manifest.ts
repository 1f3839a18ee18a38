// The seeding manifest: what decides the bytes (the parameters), what landed (each part's key,
// size and ETag), and the rule for resuming. It is an object beside the parts, in the same store,
// so a rerun resumes from whatever machine it runs on, and it is read and written through the
// ObjectStore port only, so a folder and a bucket resume alike.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { ObjectRef, ObjectStore } from '../handlers/core/ports.ts';
import type { ResolvedDirt } from './dirt-rates.ts';

const MANIFEST_VERSION = 1;
const MANIFEST_NAME = '_manifest.json';

/** What decides the bytes: a resumed run must use the same. */
export interface SeedParameters {
  seed: number;
  sizeBytes: number;
  files: number;
  prefix: string;
  dirt: ResolvedDirt;
}

export interface ManifestPart {
  index: number;
  key: string;
  size: number;
  etag: string;
}

export interface SeedManifest {
  version: number;
  parameters: SeedParameters;
  parts: ManifestPart[];
  complete: boolean;
  updatedAt: string;
}

export class SeedParametersMismatchError extends Error {
  constructor(manifestUri: string, differences: string[]) {
    super(
      `${manifestUri} records a seeding with other parameters (${differences.join('; ')}); ` +
        'rerun with the same parameters to resume, or use another prefix or manifest',
    );
    this.name = 'SeedParametersMismatchError';
  }
}

/** '' or a key prefix ending in '/'. */
export function normalizePrefix(prefix: string): string {
  if (prefix.startsWith('/')) throw new Error(`prefix must not start with '/', got "${prefix}"`);
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Key of micro-batch `index` (0-based): `transactions-00001.dat`... under the prefix. */
export function batchKey(prefix: string, index: number): string {
  return `${prefix}transactions-${String(index + 1).padStart(5, '0')}.dat`;
}

export function defaultManifestKey(prefix: string): string {
  return `${prefix}${MANIFEST_NAME}`;
}

function differences(there: SeedParameters, now: SeedParameters): string[] {
  const out: string[] = [];
  for (const name of ['seed', 'sizeBytes', 'files', 'prefix'] as const) {
    if (there[name] !== now[name]) out.push(`${name}: ${JSON.stringify(there[name])} there, ${JSON.stringify(now[name])} now`);
  }
  if (JSON.stringify(there.dirt) !== JSON.stringify(now.dirt)) out.push('dirt rates differ');
  return out;
}

/**
 * The manifest of an earlier run, or undefined when there is none. A manifest of other parameters
 * is refused: its parts are other bytes, and mixing them would give a dataset no seed describes.
 */
export async function readManifest(store: ObjectStore, ref: ObjectRef, uri: string, parameters: SeedParameters): Promise<SeedManifest | undefined> {
  if (!(await store.head(ref))) return undefined;
  const manifest = JSON.parse(await text(await store.read(ref))) as SeedManifest;
  if (manifest.version !== MANIFEST_VERSION || !manifest.parameters || !Array.isArray(manifest.parts)) {
    throw new Error(`${uri} is not a seeding manifest of version ${MANIFEST_VERSION}`);
  }
  const diff = differences(manifest.parameters, parameters);
  if (diff.length > 0) throw new SeedParametersMismatchError(uri, diff);
  return manifest;
}

/**
 * The resume rule: a part recorded in the manifest counts as landed only if the store still holds
 * it with the recorded size and ETag (deleted or overwritten since ⇒ uploaded again). The port has
 * no listing, so each part is checked by `head`, through `limit` (the run's concurrency).
 */
export async function landedParts(
  store: ObjectStore,
  bucket: string,
  manifest: SeedManifest,
  limit: <T>(run: () => Promise<T>) => Promise<T>,
): Promise<Map<number, ManifestPart>> {
  const wanted = manifest.parts.filter((part) => part.index < manifest.parameters.files);
  const found = await Promise.all(wanted.map((part) => limit(() => store.head({ bucket, key: part.key }))));
  const landed = new Map<number, ManifestPart>();
  wanted.forEach((part, i) => {
    const object = found[i];
    if (object && object.size === part.size && object.etag === part.etag) landed.set(part.index, part);
  });
  return landed;
}

/**
 * Records what landed. Saves run one after another, each writing the parts known when it was
 * asked for, so the last manifest written is the fullest even when uploads finish together.
 */
export class ManifestRecorder {
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    private readonly ref: ObjectRef,
    private readonly parameters: SeedParameters,
  ) {}

  save(parts: Iterable<ManifestPart>, complete: boolean): Promise<void> {
    const manifest: SeedManifest = {
      version: MANIFEST_VERSION,
      parameters: this.parameters,
      parts: [...parts].sort((a, b) => a.index - b.index),
      complete,
      updatedAt: new Date().toISOString(),
    };
    const body = `${JSON.stringify(manifest, null, 2)}\n`;
    this.saving = this.saving
      .catch(() => undefined) // a failed save is reported to its own caller; the next one still runs
      .then(async () => {
        await this.store.write(this.ref, Readable.from([Buffer.from(body)]));
      });
    return this.saving;
  }

  /** Waits for the saves asked for so far, whatever their outcome. */
  async settled(): Promise<void> {
    await this.saving.catch(() => undefined);
  }
}
