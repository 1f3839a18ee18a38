/**
 * Human sizes for the CLI. Units are 1024-based (KB = KiB = 1024 bytes, MB = 1024^2,
 * GB = 1024^3, TB = 1024^4) because that is what `ls -lh`/`du -h` show next to the files;
 * the IEC spellings (KiB, MiB...) and a trailing `B` are accepted as the same thing.
 */

/** The one definition of the project's KB, MB, GB and TB (1024-based, as above); use these, don't re-spell them. */
export const KB = 1024;
export const MB = 1024 * KB;
export const GB = 1024 * MB;
export const TB = 1024 * GB;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  K: KB,
  KB,
  KIB: KB,
  M: MB,
  MB,
  MIB: MB,
  G: GB,
  GB,
  GIB: GB,
  T: TB,
  TB,
  TIB: TB,
};

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i;

/** '512KB', '200MB', '1.5GB', '10gb', '1048576' → bytes (integer, rounded down). */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text);
  const unit = match ? UNITS[(match[2] ?? '').toUpperCase()] : undefined;
  if (!match || unit === undefined) {
    throw new Error(`Invalid size "${text}": expected a number with an optional unit, e.g. 512KB, 200MB, 1.5GB or 1048576 (units are 1024-based)`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(`Invalid size "${text}": must be at least 1 byte`);
  }
  return bytes;
}
