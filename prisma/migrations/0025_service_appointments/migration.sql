-- A customer's request for a service appointment reaches their dealer as a notice (issue 34):
-- the day they prefer travels with it (the reason in `reason`, the call-back due a day after it).
ALTER TABLE "dealer_notice" ADD COLUMN "preferred_date" DATE;
