-- Brands (issue 34): the name customers know, the sender, the legal footer and the message texts
-- per language, set by the OEM. A customer's brand is their dealer's (the first of its brands with
-- a record here), else the default brand; without any brand the platform's built-in English texts
-- and CONTACT_FROM_* are used.
CREATE TABLE "brand" (
  "id" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "default_language" TEXT NOT NULL,
  "sender_name" TEXT NOT NULL,
  "sender_address" TEXT NOT NULL,
  "is_default" BOOLEAN NOT NULL DEFAULT false,
  -- { "<language>": { "legalFooter": "…", "templates": { "<template id>": { "subject": "…", "text": "…" } } } }
  "texts" JSONB NOT NULL DEFAULT '{}',
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
-- At most one default brand.
CREATE UNIQUE INDEX "brand_one_default" ON "brand" ("is_default") WHERE "is_default";
