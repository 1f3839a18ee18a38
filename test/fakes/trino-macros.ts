// Fake-only DuckDB macros that give DuckDB the Trino functions the pipeline's SQL calls and the
// local engine (handlers/local/duckdb-session.ts) does not define. They act on the fake's text
// representation (trino-text-reader.ts): invalid bytes are private marker code points.
//
// Trino: to_utf8(varchar) → varbinary of the raw bytes; from_utf8(varbinary) decodes and replaces
// every invalid sequence by U+FFFD (https://trino.io/docs/current/functions/string.html). The fake
// keeps the "bytes" as the marker string, and from_utf8 turns each marker into U+FFFD, so
// `from_utf8(to_utf8(line)) <> line` holds exactly when the line carried invalid bytes.
//
// sequence(start, stop) → array of integers (Trino functions/array.html); DuckDB calls it generate_series.
export const FAKE_TRINO_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO sequence(a, b) AS generate_series(a, b)',
  'CREATE OR REPLACE MACRO to_utf8(s) AS s',
  "CREATE OR REPLACE MACRO from_utf8(b) AS regexp_replace(b, '[\\x{10FF00}-\\x{10FFFF}]', chr(65533), 'g')",
];
