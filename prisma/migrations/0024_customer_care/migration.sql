-- Customer care (issue 34): finding a customer by part of a name, company, postal code, e-mail
-- or phone number among millions. Trigram indexes (pg_trgm, a trusted extension) serve
-- "contains" searches; the searched text is one immutable function, so the index and the query
-- (care/customer-search.ts) cannot drift apart.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION customer_search_text(first_name TEXT, last_name TEXT, company_name TEXT, postal_code TEXT, email TEXT)
RETURNS TEXT LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$
  SELECT lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company_name, '') || ' '
               || coalesce(postal_code, '') || ' ' || coalesce(email, ''))
$$;

CREATE INDEX "customer_search_text_trgm" ON "customer"
  USING GIN (customer_search_text(first_name, last_name, company_name, postal_code, email_normalized) gin_trgm_ops);
CREATE INDEX "customer_phone_trgm" ON "customer" USING GIN (phone_e164 gin_trgm_ops);

-- A consent the customer gave or withdrew on a call with customer care: who took it down.
ALTER TABLE "consent_record" ADD COLUMN "recorded_by" TEXT;
