-- Campaigns and recalls (issue 33): saved segments, campaigns that ask each targeted journey for
-- one message, what became of each target, and a recall's vehicles with their repair tasks.

-- A segment's filter, saved by name; saving a changed filter under the same name is its next version.
CREATE TABLE "segment" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "filter" JSONB NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "segment_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "segment_name_version_key" ON "segment"("name", "version");

CREATE TABLE "campaign" (
    "id" UUID NOT NULL,
    -- CAMPAIGN (a segment) or RECALL (a VIN list).
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "channels" TEXT[] NOT NULL,
    -- { "<language>": { "subject": "...", "text": "..." } } and the language of customers whose own is not there.
    "templates" JSONB NOT NULL,
    "default_language" TEXT NOT NULL,
    "variables" JSONB NOT NULL,
    "sender" TEXT NOT NULL,
    "segment_id" UUID,
    "recall_code" TEXT,
    "vins" TEXT[],
    "window_starts_at" TIMESTAMPTZ(3),
    "window_ends_at" TIMESTAMPTZ(3),
    "per_hour" INTEGER NOT NULL,
    "per_dealer_per_hour" INTEGER,
    "holdout_percent" DOUBLE PRECISION NOT NULL,
    "attribution_days" INTEGER NOT NULL,
    -- DRAFT → RUNNING ⇄ PAUSED → COMPLETED | CANCELLED
    "status" TEXT NOT NULL DEFAULT 'DRAFT',
    "targeted" INTEGER,
    "request_hash" TEXT NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "campaign_segment_fkey" FOREIGN KEY ("segment_id") REFERENCES "segment"("id")
);
CREATE INDEX "campaign_created_at_idx" ON "campaign"("created_at");

-- Each customer a started campaign targets (frozen at the start), and what became of them.
CREATE TABLE "campaign_target" (
    "campaign_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "journey_id" TEXT NOT NULL,
    -- The dealer the customer was with at the start (the per-dealer pace, the owning dealer as sender).
    "dealer_id" TEXT,
    "country" TEXT,
    -- TREATMENT or CONTROL (held out), drawn when the target is decided.
    "grp" TEXT,
    "outcome" TEXT,
    "reason" TEXT,
    "channel" TEXT,
    "communication_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    CONSTRAINT "campaign_target_pkey" PRIMARY KEY ("campaign_id", "customer_id"),
    CONSTRAINT "campaign_target_campaign_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id")
);
CREATE INDEX "campaign_target_undecided_idx" ON "campaign_target"("campaign_id", "customer_id") WHERE "outcome" IS NULL;
CREATE INDEX "campaign_target_decided_idx" ON "campaign_target"("campaign_id", "decided_at");
CREATE INDEX "campaign_target_communication_idx" ON "campaign_target"("communication_id");

-- A recall's vehicles: each one's owner as the sales say, and the dealer's repair task.
CREATE TABLE "recall_vehicle" (
    "campaign_id" UUID NOT NULL,
    "vin" TEXT NOT NULL,
    "customer_id" UUID,
    "journey_id" TEXT,
    "dealer_id" TEXT,
    "model" TEXT,
    -- OPEN (the dealer's task) → REPAIRED; OWNER_UNKNOWN: no owner on record (listed for the OEM).
    "status" TEXT NOT NULL,
    "repaired_at" TIMESTAMPTZ(3),
    "repaired_by" TEXT,
    CONSTRAINT "recall_vehicle_pkey" PRIMARY KEY ("campaign_id", "vin"),
    CONSTRAINT "recall_vehicle_campaign_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id")
);
CREATE INDEX "recall_vehicle_dealer_idx" ON "recall_vehicle"("dealer_id", "status");
CREATE INDEX "recall_vehicle_journey_idx" ON "recall_vehicle"("journey_id");

-- A message's unsubscribe is found from the campaign's messages.
CREATE INDEX "consent_record_communication_idx" ON "consent_record"("communication_id") WHERE "communication_id" IS NOT NULL;
