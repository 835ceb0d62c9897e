-- Sales data from the dealers' DMS or the OEM, matched to customers (DMS match-back).
CREATE TABLE "sales_report" (
    "id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "file_name" TEXT,
    "content" TEXT NOT NULL,
    "total_rows" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RECEIVED',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "sales_report_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "sales_report_content_hash_key" ON "sales_report"("content_hash");
CREATE INDEX "sales_report_status_created_at_idx" ON "sales_report"("status", "created_at");

-- What became of each row: no buyer data, only the outcome and the customer it matched.
CREATE TABLE "sales_report_row" (
    "report_id" UUID NOT NULL,
    "row" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "customer_id" UUID,
    "dealer_id" TEXT,
    "vin" TEXT,
    "field" TEXT,
    "reason" TEXT,

    CONSTRAINT "sales_report_row_pkey" PRIMARY KEY ("report_id", "row"),
    CONSTRAINT "sales_report_row_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "sales_report"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "sales_report_row_report_id_outcome_idx" ON "sales_report_row"("report_id", "outcome");

-- Match-back asks "is this VIN on record already?"
CREATE INDEX "sale_vin_idx" ON "sale"("vin");
