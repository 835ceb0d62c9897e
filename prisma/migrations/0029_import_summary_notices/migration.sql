-- A dealer's summary of an onboarding import goes to its webhook and ADF inbox like any notice
-- (issue 32): such a notice is about an import, not one journey or customer.
ALTER TABLE "dealer_notice" ALTER COLUMN "journey_id" DROP NOT NULL, ALTER COLUMN "customer_id" DROP NOT NULL,
  ADD COLUMN "import_id" UUID;
ALTER TABLE "dealer_notice" ADD CONSTRAINT "dealer_notice_about" CHECK (("journey_id" IS NOT NULL AND "customer_id" IS NOT NULL) OR "import_id" IS NOT NULL);
