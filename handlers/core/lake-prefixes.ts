// Key prefixes of the lake's work areas, defined once for the adapters that write them and the
// stack that grants and expires them.

/** In the silver bucket: one symlink manifest folder per landed file (Athena reads the file through it). */
export const LANDED_MANIFEST_PREFIX = '_work/landed/';
/**
 * In the silver bucket: copies of landed files whose own key Athena cannot read as is (a hidden
 * base name, an upper-case `.GZ` codec extension, a line over Athena's limit), under a safe name.
 */
export const LANDED_COPY_PREFIX = '_work/landed-copies/';
/**
 * In the silver bucket: the cloud's turn records (docs s13 split design): `pending/`, `prepared/`
 * and `failed/` records of the batches between the turn keeper and the silver workers. Never
 * expired by a lifecycle rule: a pending record must outlive any backlog.
 */
export const TURN_RECORDS_PREFIX = '_work/turns/';
