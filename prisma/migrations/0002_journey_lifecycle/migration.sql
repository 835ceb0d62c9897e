-- AlterTable
ALTER TABLE "dealer" ADD COLUMN     "last_offered_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "ownership_change" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "from_owner" TEXT,
    "from_dealer_id" TEXT,
    "to_owner" TEXT NOT NULL,
    "to_dealer_id" TEXT,
    "reason" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ownership_change_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "handoff_event" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "handoff_event_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "sale" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "customer_id" UUID NOT NULL,
    "dealer_id" TEXT NOT NULL,
    "vin" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "sold_on" DATE NOT NULL,
    "price" DECIMAL(12,2),
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sale_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "journey_task" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "assignee" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" TEXT,
    "status" TEXT NOT NULL DEFAULT 'OPEN',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journey_task_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "ownership_change_customer_id_at_idx" ON "ownership_change"("customer_id", "at");

-- CreateIndex
CREATE INDEX "handoff_event_journey_id_at_idx" ON "handoff_event"("journey_id", "at");

-- CreateIndex
CREATE INDEX "handoff_event_dealer_id_at_idx" ON "handoff_event"("dealer_id", "at");

-- CreateIndex
CREATE INDEX "sale_customer_id_idx" ON "sale"("customer_id");

-- CreateIndex
CREATE INDEX "journey_task_journey_id_due_at_idx" ON "journey_task"("journey_id", "due_at");

-- CreateIndex
CREATE INDEX "journey_task_assignee_status_idx" ON "journey_task"("assignee", "status");
