-- Silver: every data line of one landed file, typed and cleaned, with its reject reason
-- (NULL when the line is valid) and, for a rejected line only, its raw text. The rules are
-- docs/data-contract.md's.
-- Placeholders: {{source_table}} (one VARCHAR column `line`; the reader has ended lines at LF,
-- CR LF or a lone CR), {{source_file}}, {{header}} (the header line, lower case).
-- Portable subset (Athena/Trino and DuckDB; the local engine maps regexp_like, cardinality,
-- to_utf8 and from_utf8 as macros).
WITH split_lines AS (
  SELECT
    line AS raw_line,
    split(line, '|') AS fields,
    cardinality(split(line, '|')) AS field_count,
    -- Not valid UTF-8, or holding U+FFFD (the mark of bytes lost in an earlier decoding, or of
    -- a line cut at the reader's limit). Trino keeps a text file's raw bytes (trinodb/trino#8262)
    -- and from_utf8 replaces invalid sequences with U+FFFD, so the round trip differs exactly
    -- when bytes are invalid; the local reader has already decoded such bytes to U+FFFD.
    strpos(line, chr(65533)) > 0 OR from_utf8(to_utf8(line)) <> line AS has_invalid_bytes,
    -- Trimming costs; most lines have no padding, so only padded lines pay for it. Byte-wise
    -- tests only (strpos, LIKE), which Trino also runs on a line of invalid bytes.
    strpos(line, ' |') > 0 OR strpos(line, '| ') > 0 OR strpos(line, chr(9)) > 0
      OR line LIKE ' %' OR line LIKE '% ' AS padded
  FROM {{source_table}}
  -- Blank lines and header lines are skipped, not rejected. CASE keeps the costly tests to the
  -- few candidate lines: a blank line has no '|', a header names transaction_id.
  WHERE line IS NOT NULL
    AND CASE WHEN strpos(line, '|') = 0 THEN trim(line, ' ' || chr(9)) <> '' ELSE true END
    -- (a byte-order mark before the header, as Windows tools write it, is ignored too)
    AND CASE WHEN strpos(line, 'ransaction_id') > 0 OR strpos(line, 'RANSACTION_ID') > 0
             THEN lower(replace(replace(replace(line, ' ', ''), chr(9), ''), chr(65279), '')) <> {{header}} ELSE true END
),
trimmed AS (
  -- Fields are read only from lines of 12 fields (Trino fails on an out-of-range subscript) that
  -- are valid UTF-8 (no string function ever sees invalid bytes).
  SELECT
    raw_line,
    has_invalid_bytes,
    field_count = 12 AND NOT has_invalid_bytes AS well_formed,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[1], ' ' || chr(9)) ELSE fields[1] END) END AS f_transaction_id,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[2], ' ' || chr(9)) ELSE fields[2] END) END AS f_transaction_ts,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[3], ' ' || chr(9)) ELSE fields[3] END) END AS f_store_id,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[4], ' ' || chr(9)) ELSE fields[4] END) END AS f_customer_id,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[5], ' ' || chr(9)) ELSE fields[5] END) END AS f_product_id,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[6], ' ' || chr(9)) ELSE fields[6] END) END AS f_product_category,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[7], ' ' || chr(9)) ELSE fields[7] END) END AS f_quantity,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[8], ' ' || chr(9)) ELSE fields[8] END) END AS f_unit_price,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[9], ' ' || chr(9)) ELSE fields[9] END) END AS f_discount,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[10], ' ' || chr(9)) ELSE fields[10] END) END AS f_total_amount,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[11], ' ' || chr(9)) ELSE fields[11] END) END AS f_payment_method,
    CASE WHEN field_count = 12 AND NOT has_invalid_bytes THEN (CASE WHEN padded THEN trim(fields[12], ' ' || chr(9)) ELSE fields[12] END) END AS f_currency
  FROM split_lines
),
nulled AS (
  -- A field is null when empty or a null token, compared case-insensitively.
  SELECT
    raw_line,
    has_invalid_bytes,
    well_formed,
    CASE WHEN upper(f_transaction_id) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_transaction_id END AS transaction_id,
    CASE WHEN upper(f_transaction_ts) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_transaction_ts END AS s_transaction_ts,
    CASE WHEN upper(f_store_id) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_store_id END AS s_store_id,
    CASE WHEN upper(f_customer_id) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_customer_id END AS customer_id,
    CASE WHEN upper(f_product_id) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_product_id END AS product_id,
    CASE WHEN upper(f_product_category) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_product_category END AS s_product_category,
    CASE WHEN upper(f_quantity) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_quantity END AS s_quantity,
    CASE WHEN upper(f_unit_price) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_unit_price END AS s_unit_price,
    CASE WHEN upper(f_discount) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_discount END AS s_discount,
    CASE WHEN upper(f_total_amount) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_total_amount END AS s_total_amount,
    CASE WHEN upper(f_payment_method) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_payment_method END AS s_payment_method,
    CASE WHEN upper(f_currency) IN ('', 'NULL', 'N/A', '\N') THEN NULL ELSE f_currency END AS s_currency
  FROM trimmed
),
typed AS (
  -- Shapes are checked by pattern first so both engines accept exactly the same text;
  -- try_cast then refuses impossible values (2026-02-30, overflow). A decimal must fit
  -- decimal(12,2): at most 10 digits before the point, at most 2 after.
  SELECT
    raw_line,
    has_invalid_bytes,
    well_formed,
    transaction_id,
    CASE WHEN regexp_like(s_transaction_ts, '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$')
         THEN try_cast(replace(s_transaction_ts, 'T', ' ') AS TIMESTAMP) END AS transaction_ts,
    CASE WHEN regexp_like(s_store_id, '^[+]?[0-9]{1,10}$')
         THEN try_cast(s_store_id AS INTEGER) END AS store_id,
    customer_id,
    product_id,
    coalesce(lower(s_product_category), 'unknown') AS product_category,
    CASE WHEN regexp_like(s_quantity, '^[+]?[0-9]{1,10}$')
         THEN try_cast(s_quantity AS INTEGER) END AS quantity,
    CASE WHEN regexp_like(s_unit_price, '^[+-]?[0-9]{1,10}([.][0-9]{1,2})?$')
         THEN try_cast(s_unit_price AS DECIMAL(12, 2)) END AS unit_price,
    CASE WHEN s_discount IS NULL THEN CAST(0 AS DECIMAL(12, 2))
         WHEN regexp_like(s_discount, '^[+-]?[0-9]{1,10}([.][0-9]{1,2})?$')
         THEN try_cast(s_discount AS DECIMAL(12, 2)) END AS discount,
    s_total_amount IS NULL AS total_missing,
    CASE WHEN regexp_like(s_total_amount, '^[+-]?[0-9]{1,10}([.][0-9]{1,2})?$')
         THEN try_cast(s_total_amount AS DECIMAL(12, 2)) END AS given_total_amount,
    coalesce(upper(s_payment_method), 'UNKNOWN') AS payment_method,
    coalesce(upper(s_currency), 'USD') AS currency
  FROM nulled
),
derived AS (
  -- The derived total is computed wide enough never to overflow on either engine, then
  -- range-checked: DuckDB types integer × decimal(12,2) as DECIMAL(18,2) and raises on overflow,
  -- so quantity is widened to decimal(19,0) first (Trino: decimal(19+12, 2) = decimal(31,2),
  -- minus decimal(12,2) gives decimal(32,2); DuckDB: the same widths, at most 38 on both).
  -- |quantity × unit_price| < 2^31 × 10^10 always fits. A total outside decimal(12,2) is NULL,
  -- hence an invalid_total_amount reject.
  SELECT
    *,
    CASE WHEN total_missing
         THEN (CASE WHEN abs(wide_total) < 10000000000 THEN CAST(wide_total AS DECIMAL(12, 2)) END)
         ELSE given_total_amount END AS total_amount
  FROM (
    SELECT
      *,
      CASE WHEN total_missing THEN round(CAST(quantity AS DECIMAL(19, 0)) * unit_price - discount, 2) END AS wide_total
    FROM typed
  ) AS widened
),
judged AS (
  -- The first rule that applies, in the contract's order.
  SELECT
    *,
    CASE
      WHEN NOT well_formed THEN 'malformed'
      WHEN transaction_id IS NULL THEN 'missing_transaction_id'
      WHEN transaction_ts IS NULL THEN 'invalid_transaction_ts'
      WHEN store_id IS NULL OR store_id <= 0 THEN 'invalid_store_id'
      WHEN product_id IS NULL THEN 'missing_product_id'
      WHEN quantity IS NULL OR quantity <= 0 THEN 'invalid_quantity'
      WHEN unit_price IS NULL OR unit_price < 0 THEN 'invalid_unit_price'
      WHEN discount IS NULL OR discount < 0 THEN 'invalid_discount'
      WHEN total_amount IS NULL THEN 'invalid_total_amount'
    END AS reject_reason
  FROM derived
)
SELECT
  CASE WHEN well_formed THEN transaction_id END AS transaction_id,
  CASE WHEN well_formed THEN transaction_ts END AS transaction_ts,
  CASE WHEN well_formed THEN store_id END AS store_id,
  CASE WHEN well_formed THEN customer_id END AS customer_id,
  CASE WHEN well_formed THEN product_id END AS product_id,
  CASE WHEN well_formed THEN product_category END AS product_category,
  CASE WHEN well_formed THEN quantity END AS quantity,
  CASE WHEN well_formed THEN unit_price END AS unit_price,
  CASE WHEN well_formed THEN discount END AS discount,
  CASE WHEN well_formed THEN total_amount END AS total_amount,
  CASE WHEN well_formed THEN payment_method END AS payment_method,
  CASE WHEN well_formed THEN currency END AS currency,
  -- The raw text of a rejected line only (bronze keeps every byte; a valid line is its typed
  -- columns). Invalid bytes are stored as U+FFFD on both engines.
  CASE WHEN reject_reason IS NOT NULL
       THEN (CASE WHEN has_invalid_bytes THEN from_utf8(to_utf8(raw_line)) ELSE raw_line END) END AS raw_line,
  reject_reason,
  {{source_file}} AS source_file
FROM judged
