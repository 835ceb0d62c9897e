-- People who use the workspace in a browser (issue 12): one account per person, for a dealer
-- (salesperson, sales manager) or the OEM (lead desk, ops), and their sessions.
CREATE TABLE "user_account" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "dealer_id" TEXT,
    "password_hash" TEXT NOT NULL,
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_account_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "user_account_email_key" ON "user_account"("email");
CREATE INDEX "user_account_dealer_id_idx" ON "user_account"("dealer_id");
ALTER TABLE "user_account" ADD CONSTRAINT "user_account_dealer_id_fkey" FOREIGN KEY ("dealer_id") REFERENCES "dealer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "web_session" (
    "sid" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "web_session_pkey" PRIMARY KEY ("sid")
);
CREATE INDEX "web_session_expires_at_idx" ON "web_session"("expires_at");
