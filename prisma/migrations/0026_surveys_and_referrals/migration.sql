-- Surveys answered and referrals (issue 34). An answer is the customer's, kept outside the
-- journey's history: one per survey message (answering again replaces it), with the dealer the
-- survey was about; a detractor's answer names the restitution case it opened.
CREATE TABLE "survey_answer" (
  "communication_id" UUID PRIMARY KEY REFERENCES "communication"("id"),
  "customer_id" UUID NOT NULL,
  "journey_id" TEXT NOT NULL,
  "dealer_id" TEXT,
  "lead_id" UUID,
  "score" INTEGER NOT NULL CHECK ("score" BETWEEN 0 AND 10),
  "comment" TEXT,
  "case_id" TEXT,
  "answered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "survey_answer_answered_at_idx" ON "survey_answer" ("answered_at");
CREATE INDEX "survey_answer_customer_idx" ON "survey_answer" ("customer_id");

-- A friend's lead through a promoter's referral link: who referred them, and the dealer that
-- looked after the referrer then (the scorecard's new value creation counts it there).
ALTER TYPE "LeadSource" ADD VALUE 'REFERRAL';
CREATE TABLE "referral" (
  "lead_id" UUID PRIMARY KEY,
  "referrer_customer_id" UUID NOT NULL,
  "referrer_dealer_id" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "referral_referrer_idx" ON "referral" ("referrer_customer_id");
