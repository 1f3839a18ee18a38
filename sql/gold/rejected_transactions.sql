-- Rejects: every line of one batch that broke a rule, with its raw text and its one reason
-- (docs/data-contract.md).
-- Placeholders: {{silver_batch}}.
SELECT
  raw_line,
  reject_reason AS reason,
  source_file
FROM {{silver_batch}}
WHERE reject_reason IS NOT NULL
