-- CreateTable
CREATE TABLE "communication" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "journey_id" TEXT NOT NULL,
    "sender_kind" TEXT NOT NULL,
    "sender_dealer_id" TEXT,
    "requested_by" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "template_id" TEXT NOT NULL,
    "variables" JSONB NOT NULL,
    "not_before" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL DEFAULT 'REQUESTED',
    "reason" TEXT,
    "deferred_until" TIMESTAMPTZ(3),
    "on_behalf_of" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "communication_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "communication_log" (
    "key" TEXT NOT NULL,
    "communication_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "decision" TEXT,
    "reason" TEXT,
    "until" TIMESTAMPTZ(3),
    "transport" TEXT,
    "outcome" TEXT,
    "detail" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "communication_log_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "communication_customer_id_created_at_idx" ON "communication"("customer_id", "created_at");

-- CreateIndex
CREATE INDEX "communication_log_communication_id_at_idx" ON "communication_log"("communication_id", "at");

-- AddForeignKey
ALTER TABLE "communication_log" ADD CONSTRAINT "communication_log_communication_id_fkey" FOREIGN KEY ("communication_id") REFERENCES "communication"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
