-- Consent as the person gave it, with proof: which wording they saw, how and when. Append-only.
CREATE TABLE "consent_record" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "lead_id" UUID,
    "channel" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "granted" BOOLEAN NOT NULL,
    "wording_id" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "captured_at" TIMESTAMPTZ(3) NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_record_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "consent_record_customer_id_captured_at_idx" ON "consent_record"("customer_id", "captured_at");
