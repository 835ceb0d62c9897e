-- What became of an onboarding file's rows so far, kept on the import as each chunk's outcomes
-- are written (in the same statement), so progress and the pending-rows gauge read one row
-- instead of counting a file's millions of rows on every request and scrape.
ALTER TABLE customer_import
  ADD COLUMN done_rows integer NOT NULL DEFAULT 0,
  ADD COLUMN imported integer NOT NULL DEFAULT 0,
  ADD COLUMN merged integer NOT NULL DEFAULT 0,
  ADD COLUMN rejected integer NOT NULL DEFAULT 0,
  ADD COLUMN with_conflicts integer NOT NULL DEFAULT 0,
  ADD COLUMN placed_dealer_owned integer NOT NULL DEFAULT 0,
  ADD COLUMN placed_back_in_market integer NOT NULL DEFAULT 0,
  ADD COLUMN placed_qualifying integer NOT NULL DEFAULT 0,
  ADD COLUMN placed_escalated integer NOT NULL DEFAULT 0;

-- Imports made before: their counts from their rows, once.
UPDATE customer_import i SET
  done_rows = c.done, imported = c.imported, merged = c.merged, rejected = c.rejected, with_conflicts = c.with_conflicts,
  placed_dealer_owned = c.dealer_owned, placed_back_in_market = c.back_in_market, placed_qualifying = c.qualifying, placed_escalated = c.escalated
FROM (
  SELECT import_id,
         count(*) FILTER (WHERE outcome IS NOT NULL) AS done,
         count(*) FILTER (WHERE outcome = 'IMPORTED') AS imported, count(*) FILTER (WHERE outcome = 'MERGED') AS merged,
         count(*) FILTER (WHERE outcome = 'REJECTED') AS rejected, count(*) FILTER (WHERE cardinality(conflicts) > 0) AS with_conflicts,
         count(*) FILTER (WHERE outcome = 'IMPORTED' AND placement = 'DEALER_OWNED') AS dealer_owned,
         count(*) FILTER (WHERE outcome = 'IMPORTED' AND placement = 'BACK_IN_MARKET') AS back_in_market,
         count(*) FILTER (WHERE outcome = 'IMPORTED' AND placement = 'QUALIFYING') AS qualifying,
         count(*) FILTER (WHERE outcome = 'IMPORTED' AND placement = 'ESCALATED') AS escalated
  FROM customer_import_row GROUP BY import_id
) c
WHERE c.import_id = i.id;
