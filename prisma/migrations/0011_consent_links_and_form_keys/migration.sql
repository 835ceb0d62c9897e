-- Proof of a consent given or withdrawn by a link: the message whose unsubscribe link was used.
ALTER TABLE "consent_record" ADD COLUMN "communication_id" UUID;

-- Publishable keys for web forms on the OEM's sites: they only create leads, with their
-- own campaign, from the origins and with the consent wordings registered here.
CREATE TABLE "form_key" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "campaign" TEXT,
    "allowed_origins" TEXT[] NOT NULL,
    "wording_ids" TEXT[] NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "form_key_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "form_key_key_key" ON "form_key"("key");
