-- Gold: the valid lines of one batch, deduplicated by transaction_id.
-- Inside the batch the greatest transaction_ts wins, then the greatest total_amount, then the
-- smallest raw line in byte order; across batches the first write wins, so ids already in gold
-- (from any other batch) are not loaded again.
-- Placeholders: {{silver_batch}} (this batch's silver rows), {{gold_table}}, {{batch_id}}.
WITH ranked AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY transaction_id
      ORDER BY transaction_ts DESC, total_amount DESC, raw_line ASC
    ) AS rank_in_batch
  FROM {{silver_batch}}
  WHERE reject_reason IS NULL
)
SELECT
  transaction_id,
  transaction_ts,
  store_id,
  customer_id,
  product_id,
  product_category,
  quantity,
  unit_price,
  discount,
  total_amount,
  payment_method,
  currency,
  source_file,
  CAST(transaction_ts AS DATE) AS transaction_date
FROM ranked AS r
WHERE rank_in_batch = 1
  AND NOT EXISTS (
    SELECT 1
    FROM {{gold_table}} AS g
    WHERE g.transaction_id = r.transaction_id
      AND g.batch_id <> {{batch_id}}
  )
