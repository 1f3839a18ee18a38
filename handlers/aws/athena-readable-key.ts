// Whether Athena can read a landed object through a symlink manifest under its own key, and the
// safe name of a copy when it cannot. Pure rules, each from its source:
//
// - Hidden names. Athena docs, "Considerations and limitations for SQL queries" (Files treated as
//   hidden): source files whose names start with `_` or `.` are ignored. In Trino's Hive connector a
//   symlink target is found by listing its parent folder non-recursively (BackgroundHiveSplitLoader
//   .buildManifestFileIterator → HiveFileIterator with NestedDirectoryPolicy.IGNORED →
//   isHiddenFileOrDirectory, which looks at the file NAME only). So only the base name counts for a
//   manifest target: `_work/landed-copies/x/bronze_….dat` is read, `landing/_export.dat` is not.
//   A table LOCATION is listed with RECURSE and isHiddenOrWithinHiddenParentDirectory(path, root),
//   which checks only the path parts AFTER the location (TestHiveFileIterator
//   .testRelativeHiddenPathDetection), so the `_work/` prefixes of lake-prefixes.ts are fine.
// - Codec by extension. Hadoop's CompressionCodecFactory picks the codec by a case-sensitive
//   suffix (`.gz`), so `x.DAT.GZ` would be read as text (issue 7 item 5). A `.DAT` has no codec
//   and is read as text either way; it needs no copy.

/** Why Athena cannot read this key as is, or undefined when it can. */
export function unreadableKeyReason(key: string): string | undefined {
  const base = key.split('/').pop() ?? '';
  if (base.startsWith('_') || base.startsWith('.')) return 'hidden base name (starts with _ or .)';
  if (/\.gz$/i.test(base) && !base.endsWith('.gz')) return 'codec extension not in lower case';
  return undefined;
}

/** The codec extension a copy keeps: `.dat.gz` for gzip, `.dat` otherwise (always lower case). */
export function copyExtension(key: string): '.dat.gz' | '.dat' {
  return /\.gz$/i.test(key) ? '.dat.gz' : '.dat';
}
