-- Whole days a dealer is closed (holidays): the acceptance SLA does not count them.
ALTER TABLE "dealer" ADD COLUMN "closed_on" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- How a dealer is told of hand-offs: a signed webhook, ADF e-mail into its CRM, both or neither.
CREATE TABLE "dealer_delivery_settings" (
    "dealer_id" TEXT NOT NULL,
    "webhook_url" TEXT,
    "webhook_secret" TEXT,
    "webhook_secret_created_at" TIMESTAMPTZ(3),
    "previous_webhook_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "adf_email" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dealer_delivery_settings_pkey" PRIMARY KEY ("dealer_id"),
    CONSTRAINT "dealer_delivery_settings_dealer_id_fkey" FOREIGN KEY ("dealer_id") REFERENCES "dealer"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- What the journey told a dealer (no personal data: the delivery reads it when it sends).
CREATE TABLE "dealer_notice" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT,
    "offer_expires_at" TIMESTAMPTZ(3),
    "score" INTEGER,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dealer_notice_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "dealer_notice_key_key" ON "dealer_notice"("key");
CREATE INDEX "dealer_notice_dealer_id_occurred_at_idx" ON "dealer_notice"("dealer_id", "occurred_at");
CREATE INDEX "dealer_notice_journey_id_idx" ON "dealer_notice"("journey_id");

-- One notice over one channel, and what became of it.
CREATE TABLE "dealer_delivery" (
    "id" UUID NOT NULL,
    "notice_id" TEXT NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "detail" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "redeliveries" INTEGER NOT NULL DEFAULT 0,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dealer_delivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "dealer_delivery_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "dealer_notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "dealer_delivery_notice_id_channel_key" ON "dealer_delivery"("notice_id", "channel");
CREATE INDEX "dealer_delivery_dealer_id_created_at_idx" ON "dealer_delivery"("dealer_id", "created_at");

-- Every attempt: where to, the answer (HTTP status) or the error, how long it took.
CREATE TABLE "dealer_delivery_attempt" (
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "target" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dealer_delivery_attempt_pkey" PRIMARY KEY ("delivery_id", "attempt"),
    CONSTRAINT "dealer_delivery_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "dealer_delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
