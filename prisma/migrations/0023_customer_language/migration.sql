-- The language a customer is written to in (ISO 639-1), as the OEM's customer file names it; a
-- campaign picks its template by it first, then by the customer's country.
ALTER TABLE "customer" ADD COLUMN "language" TEXT;
ALTER TABLE "campaign_target" ADD COLUMN "language" TEXT;
