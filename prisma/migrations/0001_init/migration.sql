-- CreateEnum
CREATE TYPE "LeadSource" AS ENUM ('WEB_FORM', 'FAIR', 'ROADSHOW', 'ADF', 'DEALER_WALKIN', 'PHONE');

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL,
    "email_normalized" TEXT,
    "phone_e164" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "postal_code" TEXT,
    "country" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lead" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "source" "LeadSource" NOT NULL,
    "campaign" TEXT,
    "event" TEXT,
    "interest_model" TEXT,
    "timeframe" TEXT,
    "message" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "lead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journey" (
    "id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "stage" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "dealer_id" TEXT,
    "last_lead_source" "LeadSource",
    "lead_count" INTEGER NOT NULL DEFAULT 0,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "stage_changed_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "journey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dealer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "territory" TEXT[],
    "brands" TEXT[],
    "capacity" INTEGER NOT NULL DEFAULT 50,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "time_zone" TEXT NOT NULL DEFAULT 'Europe/Berlin',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dealer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customer_email_normalized_key" ON "customer"("email_normalized");

-- CreateIndex
CREATE UNIQUE INDEX "customer_phone_e164_key" ON "customer"("phone_e164");

-- CreateIndex
CREATE UNIQUE INDEX "lead_idempotency_key_key" ON "lead"("idempotency_key");

-- CreateIndex
CREATE INDEX "lead_customer_id_idx" ON "lead"("customer_id");

-- CreateIndex
CREATE INDEX "lead_delivered_at_created_at_idx" ON "lead"("delivered_at", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "journey_customer_id_key" ON "journey"("customer_id");

-- CreateIndex
CREATE INDEX "journey_stage_idx" ON "journey"("stage");

-- CreateIndex
CREATE INDEX "journey_dealer_id_idx" ON "journey"("dealer_id");

-- AddForeignKey
ALTER TABLE "lead" ADD CONSTRAINT "lead_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "journey" ADD CONSTRAINT "journey_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
