-- Gold: the valid lines of a group of landed files, deduplicated by transaction_id
-- (docs/data-contract.md), one partition per batch. A group is one or more batches that commit
-- together, in landing order: {{silver_group}} holds their silver rows with `batch_id` and
-- `landing_ordinal` (1 for the first landed).
-- Inside a batch the greatest transaction_ts wins, then the greatest total_amount, then the
-- smallest of the remaining typed fields in column order (customer_id with NULL first; strings
-- compare in byte order on both engines: Trino compares varchar as UTF-8 bytes, DuckDB as bytes
-- under its default binary collation). Lines equal on every typed field give the same row.
-- Across batches the first write wins: an id of an earlier file of the group (smaller
-- landing_ordinal) or already in gold is not loaded again. Only gold rows whose id lies in the
-- group's range of valid ids can be such duplicates: `transaction_id BETWEEN {{min_id}} AND
-- {{max_id}}` lets Athena skip every Parquet row group whose min/max statistics lie outside it
-- (ids that grow with time leave old batches out), and the local catalog hands in a {{gold_table}}
-- that holds only the committed batches whose recorded id range overlaps (Catalog.goldTableFor).
-- {{max_id}} may be lower than the group's greatest id: the greatest id in gold when the catalog
-- knows it, since no id above it can be a duplicate; the range then holds only the group's ids
-- that could be (for ids that grow with time, the few resent old ones), and both sides of the
-- check below read only that range.
-- A batch's own gold is never in {{gold_table}}: it is visible only once committed, and a
-- committed batch is skipped before gold runs.
-- With a dedupe horizon (handlers/core/dedupe-horizon.ts), only gold rows dated from
-- {{horizon_start}} on are looked up: the group's earliest valid transaction date minus the
-- configured days, so an id in gold from an older transaction is loaded again. Without one,
-- {{horizon_start}} is DATE '0001-01-01' and every gold row in the id range is read.
-- A gold turn may write its batches in several statements at once, each a slice of them in
-- landing order (handlers/core/gold-turn.ts): {{earlier_silver}} then holds the silver rows of the
-- slices landed before this one, whose valid ids first write wins keeps out of this slice. With
-- one statement it is a relation without rows.
-- Placeholders: {{silver_group}}, {{gold_table}}, {{min_id}}, {{max_id}}, {{horizon_start}} and
-- {{earlier_silver}}.
-- Shape, for speed on both engines: only the few ids that repeat inside the group are ranked
-- (ranking every row sorts the whole group), and the anti-joins are plain equi-joins (a
-- correlated NOT EXISTS with an extra predicate makes DuckDB group the whole batch first).
-- The silver source is named in each branch rather than in a shared CTE, which DuckDB would
-- materialise. `batch_id` comes last: Athena's partitioned CTAS wants partition columns last.
WITH repeated_ids AS (
  SELECT transaction_id
  FROM {{silver_group}}
  WHERE reject_reason IS NULL
  GROUP BY transaction_id
  HAVING count(*) > 1
),
winners AS (
  SELECT
    v.transaction_id, v.transaction_ts, v.store_id, v.customer_id, v.product_id, v.product_category,
    v.quantity, v.unit_price, v.discount, v.total_amount, v.payment_method, v.currency, v.source_file, v.batch_id
  FROM {{silver_group}} AS v
  LEFT JOIN repeated_ids AS r ON r.transaction_id = v.transaction_id
  WHERE v.reject_reason IS NULL AND r.transaction_id IS NULL
  UNION ALL
  SELECT
    transaction_id, transaction_ts, store_id, customer_id, product_id, product_category,
    quantity, unit_price, discount, total_amount, payment_method, currency, source_file, batch_id
  FROM (
    SELECT
      v.transaction_id, v.transaction_ts, v.store_id, v.customer_id, v.product_id, v.product_category,
      v.quantity, v.unit_price, v.discount, v.total_amount, v.payment_method, v.currency, v.source_file, v.batch_id,
      -- The earliest landed file first (first write wins), then the in-batch tie-break.
      row_number() OVER (
        PARTITION BY v.transaction_id
        ORDER BY v.landing_ordinal ASC, v.transaction_ts DESC, v.total_amount DESC, v.store_id ASC, v.customer_id ASC NULLS FIRST,
          v.product_id ASC, v.product_category ASC, v.quantity ASC, v.unit_price ASC, v.discount ASC,
          v.payment_method ASC, v.currency ASC
      ) AS rank_in_group
    FROM {{silver_group}} AS v
    JOIN repeated_ids AS r ON r.transaction_id = v.transaction_id
    WHERE v.reject_reason IS NULL
  ) AS ranked
  WHERE rank_in_group = 1
)
SELECT
  w.transaction_id,
  w.transaction_ts,
  w.store_id,
  w.customer_id,
  w.product_id,
  w.product_category,
  w.quantity,
  w.unit_price,
  w.discount,
  w.total_amount,
  w.payment_method,
  w.currency,
  w.source_file,
  CAST(w.transaction_ts AS DATE) AS transaction_date,
  w.batch_id
FROM winners AS w
LEFT JOIN (
  -- The group's ids already in gold: few, so the anti-join below builds a small table instead of
  -- hashing every winner with all its columns (which spilled, and grew with gold).
  SELECT DISTINCT transaction_id
  FROM {{gold_table}}
  WHERE transaction_id BETWEEN {{min_id}} AND {{max_id}}
    AND transaction_date >= {{horizon_start}}
    AND transaction_id IN (
      SELECT transaction_id FROM {{silver_group}}
      WHERE reject_reason IS NULL AND transaction_id BETWEEN {{min_id}} AND {{max_id}}
    )
) AS g ON g.transaction_id = w.transaction_id
LEFT JOIN (
  -- The valid ids of the slices landed before this one, in the same turn (none with one statement).
  SELECT DISTINCT transaction_id
  FROM {{earlier_silver}}
  WHERE reject_reason IS NULL
) AS e ON e.transaction_id = w.transaction_id
WHERE g.transaction_id IS NULL AND e.transaction_id IS NULL
