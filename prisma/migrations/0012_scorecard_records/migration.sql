-- The scorecard's records (issue 11): the stages journeys pass through, what dealers record
-- after the sale, the dealers' sales regions, and the indexes its queries need.
ALTER TABLE "dealer" ADD COLUMN "region" TEXT;

CREATE TABLE "journey_stage_change" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "from_stage" TEXT,
    "to_stage" TEXT NOT NULL,
    "dealer_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "journey_stage_change_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "journey_stage_change_at_idx" ON "journey_stage_change"("at");

CREATE TABLE "aftersales_event" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "aftersales_event_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "aftersales_event_at_idx" ON "aftersales_event"("at");
CREATE INDEX "aftersales_event_journey_id_ref_idx" ON "aftersales_event"("journey_id", "ref");

-- A lead's customer and time: the latest lead before a record (attribution by source,
-- campaign, model) and whether a lead had one before it (duplicates merged).
DROP INDEX "lead_customer_id_idx";
CREATE INDEX "lead_customer_id_received_at_idx" ON "lead"("customer_id", "received_at");
CREATE INDEX "lead_received_at_idx" ON "lead"("received_at");
CREATE INDEX "communication_purpose_sent_at_idx" ON "communication"("purpose", "sent_at");
