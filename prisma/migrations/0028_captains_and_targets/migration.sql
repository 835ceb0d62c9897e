-- Process captains as people, targets per KPI, the captains' weekly digests (issue 35).

-- A named workspace person captains a process for a scope: the network, a region, or a dealer.
-- scope_id is '' for the network (so the natural key is unique without NULLs).
CREATE TABLE "process_captain" (
  "id" UUID PRIMARY KEY,
  "process" TEXT NOT NULL,
  "scope_kind" TEXT NOT NULL CHECK ("scope_kind" IN ('NETWORK', 'REGION', 'DEALER')),
  "scope_id" TEXT NOT NULL DEFAULT '',
  "user_id" UUID NOT NULL REFERENCES "user_account"("id"),
  -- Where the captain reads the weekly digest (Monday 07:00 there).
  "time_zone" TEXT NOT NULL,
  "digest_paused" BOOLEAN NOT NULL DEFAULT false,
  "set_by" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "process_captain_scope" UNIQUE ("process", "scope_kind", "scope_id")
);
CREATE INDEX "process_captain_user_idx" ON "process_captain" ("user_id");

-- A company customer's own counterpart per process: one of its contacts.
CREATE TABLE "customer_counterpart" (
  "company_id" UUID NOT NULL REFERENCES "customer"("id"),
  "process" TEXT NOT NULL,
  "contact_id" UUID NOT NULL REFERENCES "customer"("id"),
  "set_by" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("company_id", "process")
);

-- What a KPI should reach, per scope and period ('2026', '2026-Q4' or '2026-12').
CREATE TABLE "kpi_target" (
  "id" UUID PRIMARY KEY,
  "kpi" TEXT NOT NULL,
  "scope_kind" TEXT NOT NULL CHECK ("scope_kind" IN ('NETWORK', 'REGION', 'DEALER')),
  "scope_id" TEXT NOT NULL DEFAULT '',
  "period" TEXT NOT NULL,
  "target" DOUBLE PRECISION NOT NULL,
  "set_by" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "kpi_target_scope_period" UNIQUE ("kpi", "scope_kind", "scope_id", "period")
);

-- Each weekly digest once per captain and week, whatever the retries.
CREATE TABLE "captain_digest" (
  "captain_id" UUID NOT NULL REFERENCES "process_captain"("id") ON DELETE CASCADE,
  -- The Monday (YYYY-MM-DD, the captain's zone) the digest is for; it covers the week before.
  "week" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'SENDING',
  "sent_at" TIMESTAMPTZ(3),
  PRIMARY KEY ("captain_id", "week")
);
