-- What became of a fair file's rows so far, kept on the import as each chunk's outcomes are
-- written (in the same statement), as customer files do (0030): the imports page, progress and
-- the pending-rows gauge read one row per import instead of counting its rows each time.
ALTER TABLE lead_import
  ADD COLUMN done_rows integer NOT NULL DEFAULT 0,
  ADD COLUMN ok_rows integer NOT NULL DEFAULT 0,
  ADD COLUMN rejected_rows integer NOT NULL DEFAULT 0,
  ADD COLUMN duplicate_rows integer NOT NULL DEFAULT 0;

-- Imports made before: their counts from their rows, once.
UPDATE lead_import i SET done_rows = c.done, ok_rows = c.ok, rejected_rows = c.rejected, duplicate_rows = c.duplicates
FROM (
  SELECT import_id, count(*) AS done, count(*) FILTER (WHERE outcome = 'OK') AS ok,
         count(*) FILTER (WHERE outcome = 'REJECTED') AS rejected, count(*) FILTER (WHERE outcome = 'DUPLICATE') AS duplicates
  FROM lead_import_row GROUP BY import_id
) c
WHERE c.import_id = i.id;
