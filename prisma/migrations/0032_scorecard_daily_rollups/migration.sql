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
-- A roll-up job (the scorecardRollup workflow, hourly) writes the days before today, each from 02:15
-- the next morning (UTC). Records are
-- written once and what a day's figures read from them is fixed when they are written, so a day
-- stays right unless a record arrives for it later (a fair file with last week's leads, a sale
-- entered afterwards, an import of the customer base): each such write leaves a mark with the
-- day it is for, and until the job has redone the days from the earliest mark the scorecard reads
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

-- Records written more than an hour after their time: a mark per day and transaction.
CREATE TABLE scorecard_stale (
  id BIGSERIAL PRIMARY KEY,
  day DATE NOT NULL,
  marked_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

-- A day's mark, once per transaction (a file of last year's records marks each of its days once).
CREATE FUNCTION scorecard_mark_stale(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  marked text := 'l2l_scorecard.stale_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF COALESCE(current_setting(marked, true), '') = '' THEN
    INSERT INTO scorecard_stale (day) VALUES (day);
    PERFORM set_config(marked, 'marked', true);
  END IF;
END $$;

-- A row trigger per table whose WHEN condition is all the journeys' own writes cost (a record of
-- the last hour: no mark, no function called, nothing queued; one comparison, no time zone); an
-- older record marks its day. The job rolls a day up from 02:15 the next morning (UTC), so a
-- record of the last hour unmarked is one it will read.
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
        PERFORM scorecard_mark_stale((NEW.%2$I AT TIME ZONE 'UTC')::date);
        RETURN NULL;
      END $b$;
      CREATE TRIGGER scorecard_stale AFTER INSERT ON %3$I FOR EACH ROW
        WHEN (NEW.%2$I < clock_timestamp() - interval '1 hour')
        EXECUTE FUNCTION %1$I();$f$, 'scorecard_stale_' || t.tbl, t.col, t.tbl);
  END LOOP;
END $$;

-- A message counts when it is sent, which is an update.
CREATE TRIGGER scorecard_stale_sent AFTER UPDATE OF sent_at ON communication FOR EACH ROW
  WHEN (NEW.sent_at IS DISTINCT FROM OLD.sent_at AND NEW.sent_at < clock_timestamp() - interval '1 hour')
  EXECUTE FUNCTION scorecard_stale_communication();

-- A referral counts on its lead's day (written with the lead, through the friend's link).
CREATE FUNCTION scorecard_stale_referral() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM scorecard_mark_stale((received_at AT TIME ZONE 'UTC')::date) FROM lead
    WHERE id = NEW.lead_id AND received_at < clock_timestamp() - interval '1 hour';
  RETURN NULL;
END $$;
CREATE TRIGGER scorecard_stale AFTER INSERT ON referral FOR EACH ROW EXECUTE FUNCTION scorecard_stale_referral();
