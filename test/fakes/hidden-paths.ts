// Rule (f): which objects Athena (Trino's Hive connector) does not read because their names are
// "hidden". Read from the source, not assumed:
//
// - Listing a table or partition LOCATION: trinodb/trino
//   plugin/trino-hive/src/main/java/io/trino/plugin/hive/fs/HiveFileIterator.java,
//   `isHiddenFileOrDirectory`: "Only looks for the last part of the path" — a file is skipped when
//   its own name starts with '_' or '.'; the components of the location itself are never looked
//   at. Without recursive listing (Athena's default; NestedDirectoryPolicy.IGNORED) objects in
//   sub-"directories" of the location are skipped too. (Only the RECURSE policy checks every
//   component below the listed prefix, `isHiddenOrWithinHiddenParentDirectory`.)
// - Symlink manifests: BackgroundHiveSplitLoader.getTargetPathsFromSymlink lists the table
//   location with HIDDEN_FILES_PATH_FILTER, so a manifest named `_x` or `.x` is ignored.
// - Symlink TARGETS: each target goes to Hadoop's TextInputFormat.getSplits
//   (BackgroundHiveSplitLoader.createHiveSymlinkSplits), whose FileInputFormat.listStatus runs
//   `fs.globStatus(p, inputFilter)` with `hiddenFileFilter` (apache/hadoop mapred FileInputFormat):
//   a target whose FILE NAME starts with '_' or '.' matches nothing and the query FAILS with
//   "Input Pattern <path> matches 0 files" — it is not silently skipped. Parent folders of the
//   target (e.g. `_work/landed-copies/`) do not count: only the last component is filtered.
//   (The "optimized symlink listing" path lists the target's parent with HiveFileIterator, does
//   not find a hidden file, and falls back to the same Hadoop path.)
// Athena states the rule as "Athena treats source files that start with an underscore (_) or a
// dot (.) as hidden" (https://docs.aws.amazon.com/athena/latest/ug/other-notable-limitations.html).
//
// So for this project: a table location under `_work/...` is read normally (its own components
// never count); what must never start with '_' or '.' is the base name of every object Athena
// reads (data files, manifests, symlink targets).

/** Whether a key's last path component is hidden to Trino/Hadoop. */
export function isHiddenName(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.startsWith('_') || name.startsWith('.');
}

/**
 * The keys Trino reads when it lists a location non-recursively: direct children only, hidden
 * names skipped. `prefix` is the location's key prefix (ending in '/').
 */
export function readableKeysOfLocation(keys: string[], prefix: string): string[] {
  return keys.filter((key) => {
    const rest = key.slice(prefix.length);
    if (rest === '' || rest.includes('/')) return false;
    return !isHiddenName(rest);
  });
}
