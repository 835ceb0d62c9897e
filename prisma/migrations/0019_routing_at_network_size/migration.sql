-- Routing at network size (issue 31): a hand-off reads and locks only the dealers whose territory
-- could cover the customer, reads their open sales load from a counter kept as journeys change
-- (not counted per hand-off), and remembers its decision by the transition's record key, so a
-- retried transition rotates once.

-- Candidates by territory prefix: `territory && <the postal code's prefixes>` through this index.
CREATE INDEX "dealer_territory_gin" ON "dealer" USING GIN ("territory");

-- Each dealer's open sales load (journeys IN_SALES with it), kept by the trigger below in the
-- same transaction as the journey row, so it is never more or less than the rows say.
CREATE TABLE "dealer_open_load" (
    "dealer_id" TEXT NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "dealer_open_load_pkey" PRIMARY KEY ("dealer_id")
);

INSERT INTO "dealer_open_load" ("dealer_id", "open")
SELECT "dealer_id", count(*)::int FROM "journey" WHERE "stage" = 'IN_SALES' AND "dealer_id" IS NOT NULL GROUP BY "dealer_id";

CREATE FUNCTION "journey_open_load"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_open boolean := false;
  is_open boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN was_open := OLD."stage" = 'IN_SALES' AND OLD."dealer_id" IS NOT NULL; END IF;
  IF TG_OP <> 'DELETE' THEN is_open := NEW."stage" = 'IN_SALES' AND NEW."dealer_id" IS NOT NULL; END IF;
  -- Most writes of a journey row change neither: nothing to count, no dealer's counter touched.
  IF was_open = is_open AND (NOT was_open OR OLD."dealer_id" = NEW."dealer_id") THEN RETURN NULL; END IF;
  IF was_open THEN
    UPDATE "dealer_open_load" SET "open" = "open" - 1 WHERE "dealer_id" = OLD."dealer_id";
  END IF;
  IF is_open THEN
    INSERT INTO "dealer_open_load" ("dealer_id", "open") VALUES (NEW."dealer_id", 1)
    ON CONFLICT ("dealer_id") DO UPDATE SET "open" = "dealer_open_load"."open" + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "journey_open_load" AFTER INSERT OR UPDATE OF "stage", "dealer_id" OR DELETE ON "journey"
FOR EACH ROW EXECUTE FUNCTION "journey_open_load"();

-- Fair rotation by turn: numbered offers (a sequence taken under the routing lock), where two
-- offers in one millisecond had the same time and the dealer with the lower id won the tie.
CREATE SEQUENCE "dealer_offer_turn";
ALTER TABLE "dealer" ADD COLUMN "last_offer_turn" BIGINT;
UPDATE "dealer" d SET "last_offer_turn" = t.turn
FROM (SELECT "id", nextval('dealer_offer_turn') AS turn FROM (SELECT "id" FROM "dealer" WHERE "last_offered_at" IS NOT NULL ORDER BY "last_offered_at", "id") o) t
WHERE d."id" = t."id";

-- A hand-off's choice, by the key of the transition that asked for it: a retry answers the same.
CREATE TABLE "handoff_route" (
    "key" TEXT NOT NULL,
    "dealer_id" TEXT,
    "reason" TEXT NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "handoff_route_pkey" PRIMARY KEY ("key")
);
