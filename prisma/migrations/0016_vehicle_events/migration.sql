-- Connected-vehicle events (issue 13): idempotent by the backend's event id.
CREATE TABLE "vehicle_event" (
    "event_id" TEXT NOT NULL,
    "vin" TEXT NOT NULL,
    "kind" TEXT NOT NULL CHECK ("kind" IN ('MILEAGE', 'SERVICE_DUE', 'WARNING_LIGHT', 'BATTERY_HEALTH')),
    "journey_id" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "vehicle_event_pkey" PRIMARY KEY ("event_id")
);
CREATE INDEX "vehicle_event_vin_received_at_idx" ON "vehicle_event"("vin", "received_at");
