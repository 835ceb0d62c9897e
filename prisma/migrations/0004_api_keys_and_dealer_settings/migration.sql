-- AlterTable
ALTER TABLE "dealer" ADD COLUMN     "acceptance_sla_minutes" INTEGER,
ADD COLUMN     "business_hours" JSONB;

-- AlterTable
ALTER TABLE "journey" ADD COLUMN     "offer_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "offered_dealer_id" TEXT;

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "dealer_id" TEXT,
    "created_by" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");

-- CreateIndex
CREATE INDEX "api_key_dealer_id_idx" ON "api_key"("dealer_id");

-- CreateIndex
CREATE INDEX "journey_offered_dealer_id_idx" ON "journey"("offered_dealer_id");
