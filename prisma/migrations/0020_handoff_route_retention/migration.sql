-- A hand-off's kept choice is for retries of its transition (seconds to hours later); the routing
-- prunes choices older than a week in small batches, through this index.
CREATE INDEX "handoff_route_decided_at_idx" ON "handoff_route" ("decided_at");
