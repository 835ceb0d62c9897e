-- The scorecard's daily roll-ups (issue 35): per UTC day, dealer and the source of the lead each
-- record is attributed to, the figures of that day's records that add up over days — counts, and
-- the values the quantiles are taken over. The scorecard reads a window's whole days from here
-- and the rest from the records (reports/scorecard-rollups.ts). Two figures that do not add up
-- over days are kept in a form that does: distinct customers as each day's leads of customers new
-- that day and the days of the leads before the others (a customer counts once in a window: for
-- the first lead whose previous lead is before the window), owned customer-years as the changes
-- of owner (the ownership spells' starts and ends, with their times: the years in any window
-- follow from them and the owners at its start). Sold again and recalls repaired by the window's
-- end are read from the records every time.
--
-- A roll-up job (the scorecardRollup workflow, hourly) writes the days before today, from a quarter
-- of an hour after midnight (UTC): a transaction that wrote a record for the day before midnight has
-- committed by then. Records are
-- written once and what a day's figures read from them is fixed when they are written, so a day
-- stays right unless a record arrives for it later (a fair file with last week's leads, a sale
-- entered afterwards, an import of the customer base): each such write leaves a mark with the
-- earliest day it touches, and until the job has redone the days from there the scorecard reads
-- them from the records.

CREATE TABLE scorecard_day (
  day DATE NOT NULL,
  -- '' when the records name no dealer (leads, the OEM's surveys) or no lead (a customer onboarded without one)
  dealer_id TEXT NOT NULL,
  source TEXT NOT NULL,
  leads INTEGER NOT NULL DEFAULT 0,
  duplicates_merged INTEGER NOT NULL DEFAULT 0,
  -- leads of customers without an earlier lead, and the days of the earlier leads of the others
  -- when those are on an earlier day (a lead after one the same day never counts); of any
  -- source (the network's figure, and by dealer or region) and of the lead's own source
  new_customers INTEGER NOT NULL DEFAULT 0,
  prev_days DATE[] NOT NULL DEFAULT '{}',
  new_customers_by_source INTEGER NOT NULL DEFAULT 0,
  prev_days_by_source DATE[] NOT NULL DEFAULT '{}',
  qualified INTEGER NOT NULL DEFAULT 0,
  disqualified INTEGER NOT NULL DEFAULT 0,
  escalated INTEGER NOT NULL DEFAULT 0,
  offered INTEGER NOT NULL DEFAULT 0,
  accepted INTEGER NOT NULL DEFAULT 0,
  declined INTEGER NOT NULL DEFAULT 0,
  sla_breaches INTEGER NOT NULL DEFAULT 0,
  within_15 INTEGER NOT NULL DEFAULT 0,
  minutes_values DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
  sold INTEGER NOT NULL DEFAULT 0,
  days_values DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
  fell_back INTEGER NOT NULL DEFAULT 0,
  reassigned_away INTEGER NOT NULL DEFAULT 0,
  back_in_market INTEGER NOT NULL DEFAULT 0,
  -- dealers' ownership spells starting (+1) and ending (-1) that day, and the sum of sign × epoch seconds
  owner_delta INTEGER NOT NULL DEFAULT 0,
  owner_delta_epoch NUMERIC NOT NULL DEFAULT 0,
  service_visits INTEGER NOT NULL DEFAULT 0,
  complaints_opened INTEGER NOT NULL DEFAULT 0,
  complaints_resolved INTEGER NOT NULL DEFAULT 0,
  resolution_days_values DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
  surveys_sent INTEGER NOT NULL DEFAULT 0,
  answers INTEGER NOT NULL DEFAULT 0,
  promoters INTEGER NOT NULL DEFAULT 0,
  detractors INTEGER NOT NULL DEFAULT 0,
  referral_leads INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, dealer_id, source)
);

-- The scorecard reads the records after the last rolled day by time: BRIN on the tables without an
-- index on it (written in time order; a page range's bounds, next to nothing to keep per write).
CREATE INDEX handoff_event_at_brin ON handoff_event USING brin (at);
CREATE INDEX ownership_change_at_brin ON ownership_change USING brin (at);
CREATE INDEX sale_at_brin ON sale USING brin (at);

-- Customers back in market (the scorecard looks for their later sales on every request).
CREATE INDEX ownership_change_back_in_market_at_idx ON ownership_change (at) WHERE reason = 'BACK_IN_MARKET';

-- One row: the days before `rolled_before` are in scorecard_day (none before the first run).
CREATE TABLE scorecard_rollup (
  singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  rolled_before DATE NOT NULL,
  rolled_at TIMESTAMPTZ(3) NOT NULL
);

-- Records written for a day before today: the earliest such day per statement.
CREATE TABLE scorecard_stale (
  id BIGSERIAL PRIMARY KEY,
  day DATE NOT NULL,
  marked_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

-- A statement-level trigger per table (one look at the statement's rows, no write for a record of
-- today: what the journeys write as they go).
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('lead', 'received_at'), ('journey_stage_change', 'at'), ('handoff_event', 'at'), ('ownership_change', 'at'),
    ('sale', 'at'), ('aftersales_event', 'at'), ('survey_answer', 'answered_at'), ('communication', 'sent_at')
  ) AS v(tbl, col) LOOP
    EXECUTE format($f$
      CREATE FUNCTION %1$I() RETURNS trigger LANGUAGE plpgsql AS $b$
      BEGIN
        INSERT INTO scorecard_stale (day)
          SELECT min((%2$I AT TIME ZONE 'UTC')::date) FROM new_rows
          HAVING min((%2$I AT TIME ZONE 'UTC')::date) < (clock_timestamp() AT TIME ZONE 'UTC')::date;
        RETURN NULL;
      END $b$;
      CREATE TRIGGER scorecard_stale AFTER INSERT ON %3$I REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION %1$I();$f$, 'scorecard_stale_' || t.tbl, t.col, t.tbl);
  END LOOP;
END $$;

-- A message counts when it is sent, which is an update (only a changed sending time marks).
CREATE FUNCTION scorecard_stale_communication_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scorecard_stale (day)
    SELECT min((n.sent_at AT TIME ZONE 'UTC')::date) FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.sent_at IS DISTINCT FROM o.sent_at
    HAVING min((n.sent_at AT TIME ZONE 'UTC')::date) < (clock_timestamp() AT TIME ZONE 'UTC')::date;
  RETURN NULL;
END $$;
CREATE TRIGGER scorecard_stale_sent AFTER UPDATE ON communication REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scorecard_stale_communication_sent();

-- A referral counts on its lead's day.
CREATE FUNCTION scorecard_stale_referral() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scorecard_stale (day)
    SELECT min((l.received_at AT TIME ZONE 'UTC')::date) FROM new_rows r JOIN lead l ON l.id = r.lead_id
    HAVING min((l.received_at AT TIME ZONE 'UTC')::date) < (clock_timestamp() AT TIME ZONE 'UTC')::date;
  RETURN NULL;
END $$;
CREATE TRIGGER scorecard_stale AFTER INSERT ON referral REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scorecard_stale_referral();
