-- Onboarding the OEM's customer base (issue 32): a customer file is stored row by row as it
-- streams in, each row becomes a journey (or adds to one) through the lead intake with the
-- source CUSTOMER_IMPORT, and the rows keep what became of them.

ALTER TYPE "LeadSource" ADD VALUE 'CUSTOMER_IMPORT';

-- A vehicle from the OEM's records is on file as the customer's (VIN conflicts, the existing-
-- customer rules) but is not a sale made now: the scorecard leaves it out.
ALTER TABLE "sale" ADD COLUMN "imported" BOOLEAN NOT NULL DEFAULT false;

-- Where an imported consent's proof came from, as the OEM's file names it (its wording and date
-- are in wording_id and captured_at).
ALTER TABLE "consent_record" ADD COLUMN "source" TEXT;

CREATE TABLE "customer_import" (
    "id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "file_name" TEXT,
    "total_rows" INTEGER NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "spread_days" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RECEIVED',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "customer_import_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "customer_import_content_hash_key" ON "customer_import"("content_hash");
CREATE INDEX "customer_import_status_created_at_idx" ON "customer_import"("status", "created_at");

-- One row of a file: its values as sent until the import completes (then dropped: the customers'
-- data lives in their records), and what became of it once done.
CREATE TABLE "customer_import_row" (
    "import_id" UUID NOT NULL,
    "row" INTEGER NOT NULL,
    "values" JSONB,
    "external_id" TEXT,
    "outcome" TEXT,
    "placement" TEXT,
    "customer_id" UUID,
    "dealer_id" TEXT,
    "vins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "field" TEXT,
    "reason" TEXT,
    "conflicts" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "person_key" TEXT,
    "done_at" TIMESTAMPTZ(3),
    CONSTRAINT "customer_import_row_pkey" PRIMARY KEY ("import_id", "row"),
    CONSTRAINT "customer_import_row_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "customer_import"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "customer_import_row_import_id_outcome_idx" ON "customer_import_row"("import_id", "outcome");
-- The same person in an earlier row of the file (a hash of their e-mail or phone: names no one).
CREATE INDEX "customer_import_row_import_id_person_key_idx" ON "customer_import_row"("import_id", "person_key");
-- A VIN another customer's row of any import brought (the conflict check of later rows).
CREATE INDEX "customer_import_row_vins_idx" ON "customer_import_row" USING GIN ("vins");

-- Each dealer's one notice per import: how many of its customers arrived, and how.
CREATE TABLE "customer_import_dealer_summary" (
    "import_id" UUID NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "owners" INTEGER NOT NULL,
    "back_in_market" INTEGER NOT NULL,
    "prospects" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "customer_import_dealer_summary_pkey" PRIMARY KEY ("import_id", "dealer_id")
);
CREATE INDEX "customer_import_dealer_summary_dealer_id_idx" ON "customer_import_dealer_summary"("dealer_id", "created_at");
