// The Trino functions a statement sent to the fake Athena may call. Every name here was checked
// against Trino's function list, https://trino.io/docs/current/functions/list.html (Athena's
// engine version 3 runs Trino SQL).
// A name missing here is refused as Trino refuses an unknown function (FUNCTION_NOT_FOUND), so a
// DuckDB-only spelling (regexp_matches, len, list_*) cannot slip into sql/ unnoticed.
// Special forms (CAST, TRY_CAST, CASE, EXTRACT, CURRENT_DATE...) are grammar, not listed here;
// TRIM, SUBSTRING and POSITION parse as special forms and are checked under these names.

export const TRINO_FUNCTIONS: ReadonlySet<string> = new Set([
  // string functions (functions/string.html)
  'chr', 'codepoint', 'concat', 'concat_ws', 'format', 'hamming_distance', 'length', 'levenshtein_distance',
  'lower', 'lpad', 'ltrim', 'luhn_check', 'normalize', 'position', 'replace', 'reverse', 'rpad', 'rtrim',
  'soundex', 'split', 'split_part', 'split_to_map', 'starts_with', 'strpos', 'strrpos', 'substr', 'substring',
  'translate', 'trim', 'upper', 'word_stem', 'from_utf8', 'to_utf8',
  // regular expressions (functions/regexp.html)
  'regexp_count', 'regexp_extract', 'regexp_extract_all', 'regexp_like', 'regexp_position', 'regexp_replace', 'regexp_split',
  // conditional (functions/conditional.html)
  'coalesce', 'if', 'nullif', 'try',
  // conversion (functions/conversion.html)
  'typeof',
  // math (functions/math.html) and comparison (functions/comparison.html)
  'abs', 'cbrt', 'ceil', 'ceiling', 'exp', 'floor', 'ln', 'log10', 'log2', 'mod', 'pow', 'power', 'rand', 'random',
  'round', 'sign', 'sqrt', 'truncate', 'greatest', 'least',
  // aggregate (functions/aggregate.html)
  'count', 'count_if', 'sum', 'avg', 'min', 'max', 'max_by', 'min_by', 'array_agg', 'arbitrary', 'any_value',
  'approx_distinct', 'bool_and', 'bool_or', 'every', 'listagg', 'stddev', 'variance',
  // window (functions/window.html)
  'row_number', 'rank', 'dense_rank', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'ntile', 'percent_rank', 'cume_dist',
  // array (functions/array.html)
  'cardinality', 'array_join', 'array_distinct', 'array_position', 'contains', 'element_at', 'filter', 'transform', 'slice', 'sequence',
  // date and time (functions/datetime.html)
  'date', 'date_add', 'date_diff', 'date_format', 'date_parse', 'date_trunc', 'day', 'day_of_week', 'format_datetime',
  'from_iso8601_timestamp', 'from_unixtime', 'hour', 'minute', 'month', 'now', 'parse_datetime', 'second', 'to_iso8601',
  'to_unixtime', 'year', 'at_timezone',
  // binary (functions/binary.html)
  'from_hex', 'to_hex', 'md5', 'sha256', 'xxhash64', 'from_base64', 'to_base64',
  // JSON (functions/json.html)
  'json_extract', 'json_extract_scalar', 'json_format', 'json_parse',
]);
