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
 * In the silver bucket: the cloud's turn records (handlers/aws/turn-records.ts): `pending/` (a
 * landed .dat waiting for its gold turn, named by its landing order), `prepared/` and `failed/`
 * (what its silver worker left, named by batch id).
 */
export const TURNS_PREFIX = '_work/turns/';
