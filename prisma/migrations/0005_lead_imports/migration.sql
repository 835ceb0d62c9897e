-- CreateTable
CREATE TABLE "lead_import" (
    "id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "source" "LeadSource" NOT NULL,
    "event_name" TEXT NOT NULL,
    "event_date" DATE NOT NULL,
    "place" TEXT,
    "format" TEXT NOT NULL,
    "file_name" TEXT,
    "content" TEXT NOT NULL,
    "total_rows" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RECEIVED',
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "lead_import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead_import_row" (
    "import_id" UUID NOT NULL,
    "row" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "lead_id" UUID,
    "field" TEXT,
    "reason" TEXT,

    CONSTRAINT "lead_import_row_pkey" PRIMARY KEY ("import_id","row")
);

-- CreateIndex
CREATE UNIQUE INDEX "lead_import_content_hash_key" ON "lead_import"("content_hash");

-- CreateIndex
CREATE INDEX "lead_import_status_created_at_idx" ON "lead_import"("status", "created_at");

-- CreateIndex
CREATE INDEX "lead_import_row_import_id_outcome_idx" ON "lead_import_row"("import_id", "outcome");

-- AddForeignKey
ALTER TABLE "lead_import_row" ADD CONSTRAINT "lead_import_row_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "lead_import"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
