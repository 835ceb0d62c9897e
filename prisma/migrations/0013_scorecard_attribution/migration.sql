-- What the scorecard derives from each record, kept with the record (issue 11): the lead it
-- is attributed to (the customer's latest lead at or before the record, last touch), the
-- offer an acceptance answers, and whether a lead's customer already had a lead. Computed
-- in the database when a row is written, whoever writes it (journeys, the API, imports),
-- so grouping a year by source, campaign or model reads a column instead of joining every
-- record to the customer's leads by time (bench/scorecard.ts: 3.2–3.6 s before).
--
-- A record is attributed to the leads known when it is written: a lead entered later with an
-- earlier time (a fair file imported days after the fair) counts for the records after it.

-- The customer's latest lead at or before `at`. PL/pgSQL keeps its plan for the session (a SQL
-- function would be planned on every row); VOLATILE, so a trigger on a multi-row INSERT sees
-- the rows the same statement inserted before it.
CREATE FUNCTION attributed_lead(customer uuid, at timestamptz) RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (SELECT id FROM lead WHERE customer_id = customer AND received_at <= at ORDER BY received_at DESC, id DESC LIMIT 1);
END $$;

ALTER TABLE "lead" ADD COLUMN "merged" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "journey_stage_change" ADD COLUMN "lead_id" UUID;
ALTER TABLE "handoff_event" ADD COLUMN "lead_id" UUID, ADD COLUMN "offered_at" TIMESTAMPTZ(3);
ALTER TABLE "ownership_change" ADD COLUMN "lead_id" UUID;
ALTER TABLE "sale" ADD COLUMN "lead_id" UUID;
ALTER TABLE "aftersales_event" ADD COLUMN "lead_id" UUID;
ALTER TABLE "communication" ADD COLUMN "lead_id" UUID;

-- A lead is a merged duplicate when its customer already had a lead at or before it.
CREATE FUNCTION lead_derive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.merged := EXISTS (SELECT 1 FROM lead WHERE customer_id = NEW.customer_id AND received_at <= NEW.received_at AND id <> NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER lead_derive BEFORE INSERT ON lead FOR EACH ROW EXECUTE FUNCTION lead_derive();

-- Records that name their customer.
CREATE FUNCTION record_attribute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.lead_id := attributed_lead(NEW.customer_id, NEW.at);
  RETURN NEW;
END $$;
CREATE TRIGGER record_attribute BEFORE INSERT ON journey_stage_change FOR EACH ROW EXECUTE FUNCTION record_attribute();
CREATE TRIGGER record_attribute BEFORE INSERT ON ownership_change FOR EACH ROW EXECUTE FUNCTION record_attribute();
CREATE TRIGGER record_attribute BEFORE INSERT ON sale FOR EACH ROW EXECUTE FUNCTION record_attribute();
CREATE TRIGGER record_attribute BEFORE INSERT ON aftersales_event FOR EACH ROW EXECUTE FUNCTION record_attribute();

-- Hand-off events name their journey (its row is written first in the same transaction); an
-- acceptance also keeps the time of the offer it answers (the latest to that dealer before it).
CREATE FUNCTION handoff_event_derive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.lead_id := attributed_lead((SELECT customer_id FROM journey WHERE id = NEW.journey_id), NEW.at);
  IF NEW.kind = 'ACCEPTED' THEN
    NEW.offered_at := (SELECT max(at) FROM handoff_event
                       WHERE journey_id = NEW.journey_id AND dealer_id = NEW.dealer_id AND kind = 'OFFERED' AND at <= NEW.at);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER handoff_event_derive BEFORE INSERT ON handoff_event FOR EACH ROW EXECUTE FUNCTION handoff_event_derive();

-- A message counts when it is sent.
CREATE FUNCTION communication_attribute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.sent_at IS NOT NULL THEN NEW.lead_id := attributed_lead(NEW.customer_id, NEW.sent_at); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER communication_attribute BEFORE INSERT OR UPDATE OF sent_at ON communication FOR EACH ROW EXECUTE FUNCTION communication_attribute();

-- Rows written before this version, by the same rules (set-based: each lead holds from its
-- time until the customer's next lead).
UPDATE lead l SET merged = true FROM (
  SELECT id, lag(id) OVER (PARTITION BY customer_id ORDER BY received_at, id) IS NOT NULL AS merged FROM lead
) p WHERE p.id = l.id AND p.merged;

CREATE TEMP TABLE lead_span AS
  SELECT id, customer_id, received_at AS since, lead(received_at) OVER (PARTITION BY customer_id ORDER BY received_at, id) AS until FROM lead;
UPDATE journey_stage_change r SET lead_id = s.id FROM lead_span s
  WHERE s.customer_id = r.customer_id AND r.at >= s.since AND (s.until IS NULL OR r.at < s.until);
UPDATE ownership_change r SET lead_id = s.id FROM lead_span s
  WHERE s.customer_id = r.customer_id AND r.at >= s.since AND (s.until IS NULL OR r.at < s.until);
UPDATE sale r SET lead_id = s.id FROM lead_span s
  WHERE s.customer_id = r.customer_id AND r.at >= s.since AND (s.until IS NULL OR r.at < s.until);
UPDATE aftersales_event r SET lead_id = s.id FROM lead_span s
  WHERE s.customer_id = r.customer_id AND r.at >= s.since AND (s.until IS NULL OR r.at < s.until);
UPDATE communication r SET lead_id = s.id FROM lead_span s
  WHERE r.sent_at IS NOT NULL AND s.customer_id = r.customer_id AND r.sent_at >= s.since AND (s.until IS NULL OR r.sent_at < s.until);
UPDATE handoff_event r SET lead_id = s.id FROM journey j, lead_span s
  WHERE j.id = r.journey_id AND s.customer_id = j.customer_id AND r.at >= s.since AND (s.until IS NULL OR r.at < s.until);
UPDATE handoff_event a SET offered_at = o.offered_at FROM (
  SELECT a.key, max(o.at) AS offered_at FROM handoff_event a
  JOIN handoff_event o ON o.journey_id = a.journey_id AND o.dealer_id = a.dealer_id AND o.kind = 'OFFERED' AND o.at <= a.at
  WHERE a.kind = 'ACCEPTED' GROUP BY a.key
) o WHERE o.key = a.key;
DROP TABLE lead_span;
