-- Companies and fleets (issue 13, seed 004). A company is a customer of kind COMPANY with
-- one journey; its people are person customers linked to it in roles. Identity: the VAT id,
-- else the normalised name with the postal code (company_key holds the key it was created by).
ALTER TABLE "customer"
  ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'PERSON' CHECK ("kind" IN ('PERSON', 'COMPANY')),
  ADD COLUMN "company_name" TEXT,
  ADD COLUMN "company_key" TEXT,
  ADD COLUMN "vat_id" TEXT,
  ADD COLUMN "fleet_size" INTEGER CHECK ("fleet_size" > 0),
  ADD COLUMN "street" TEXT,
  ADD COLUMN "city" TEXT;
CREATE UNIQUE INDEX "customer_company_key_key" ON "customer"("company_key");
CREATE UNIQUE INDEX "customer_vat_id_key" ON "customer"("vat_id");

CREATE TABLE "company_contact" (
    "company_id" UUID NOT NULL REFERENCES "customer"("id"),
    "contact_id" UUID NOT NULL REFERENCES "customer"("id"),
    "role" TEXT NOT NULL CHECK ("role" IN ('DECISION_MAKER', 'PROCUREMENT', 'DRIVER')),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "company_contact_pkey" PRIMARY KEY ("company_id", "contact_id", "role")
);
CREATE INDEX "company_contact_contact_id_idx" ON "company_contact"("contact_id");

-- A company's lead: the person who sent it, in their role.
ALTER TABLE "lead"
  ADD COLUMN "contact_id" UUID REFERENCES "customer"("id"),
  ADD COLUMN "contact_role" TEXT CHECK ("contact_role" IN ('DECISION_MAKER', 'PROCUREMENT', 'DRIVER'));

-- A message in a company's journey goes to one of its people.
ALTER TABLE "communication" ADD COLUMN "recipient_id" UUID REFERENCES "customer"("id");

-- What a dealer can take beyond private buyers: FLEET_DESK (a business / fleet sales desk).
ALTER TABLE "dealer" ADD COLUMN "capabilities" TEXT[] NOT NULL DEFAULT '{}';
