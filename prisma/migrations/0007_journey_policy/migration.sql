-- CreateTable
CREATE TABLE "journey_policy_version" (
    "version" INTEGER NOT NULL,
    "policy" JSONB NOT NULL,
    "changes" JSONB NOT NULL,
    "changed_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "applied_to_running" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journey_policy_version_pkey" PRIMARY KEY ("version")
);
