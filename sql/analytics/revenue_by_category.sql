-- Revenue by product category, highest first.
SELECT
  product_category,
  count(*) AS transactions,
  sum(quantity) AS units,
  sum(total_amount) AS revenue
FROM procureflow_db.cleaned_transactions
GROUP BY product_category
ORDER BY revenue DESC, product_category
