-- Security hardening (issue 29).
-- A message's address comes from the recipient's own records, never from a caller's variables:
-- a company's car names its driver, and the journey's own message about one car names it in a
-- column no caller can write.
-- (No foreign key: a fleet sale's drivers are written after the journey took the sale.)
ALTER TABLE "sale" ADD COLUMN "driver_id" UUID;
ALTER TABLE "communication" ADD COLUMN "vehicle_vin" TEXT;

-- Logins: failures counted per bucket for every login name (known or not) and address, instead
-- of a lock on the account that told existing accounts apart and let anyone lock a person out.
CREATE TABLE "login_throttle" (
    "bucket" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,
    "paused_until" TIMESTAMPTZ(3)
);
ALTER TABLE "user_account"
  DROP COLUMN "failed_logins",
  DROP COLUMN "locked_until",
  -- Accounts from before chose nothing themselves either: they choose at their next login.
  ADD COLUMN "must_change_password" BOOLEAN NOT NULL DEFAULT true,
  ADD COLUMN "password_changed_at" TIMESTAMPTZ(3),
  ADD COLUMN "totp_secret" TEXT,
  ADD COLUMN "totp_confirmed_at" TIMESTAMPTZ(3),
  ADD COLUMN "totp_last_step" INTEGER;
