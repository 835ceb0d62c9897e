-- The OEM's ownership model per market (issue 13): every change a new version.
CREATE TABLE "market_ownership_model" (
    "market" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "model" TEXT NOT NULL CHECK ("model" IN ('PARTNER_LED', 'OEM_DIRECT', 'SHARED')),
    "reason" TEXT NOT NULL,
    "changed_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "market_ownership_model_pkey" PRIMARY KEY ("market", "version"),
    CONSTRAINT "market_ownership_model_market_check" CHECK ("market" ~ '^[A-Z]{2}$')
);
