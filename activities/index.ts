import type { PrismaClient } from '../platform/db.js';
import { bulkPaceOf } from '../platform/bulk-pace.js';
import { createRecordsActivities } from './journey-records.js';
import { createTransitionActivities } from './journey-transition.js';
import { createCommunicationActivities, type CommunicationDeps } from './communications.js';
import { createLeadImportActivities, type LeadImportDeps } from './lead-import.js';
import { createCustomerOnboardingActivities } from './customer-onboarding.js';
import { createDealerDeliveryActivities, type DealerDeliveryDeps } from './dealer-delivery.js';
import { createSalesMatchBackActivities, type SalesMatchBackDeps } from './sales-matchback.js';
import { createMarketActivities } from './markets.js';
import { createPolicyRolloutActivities } from './policy-rollouts.js';
import { createCampaignActivities, type CampaignDeps } from './campaigns.js';
import { createCaptainDigestActivities } from './captain-digest.js';
import { createScorecardRollupActivities } from './scorecard-rollup.js';

export type ActivityDeps = { db: PrismaClient } & LeadImportDeps & CommunicationDeps & DealerDeliveryDeps & SalesMatchBackDeps & CampaignDeps;

/** Every activity the journey worker registers, built from their dependencies. */
export function createActivities(given: ActivityDeps) {
  // One budget a second for all bulk work of this process (files, onboarding, campaigns).
  const deps = { ...given, bulkPace: given.bulkPace ?? bulkPaceOf(given.bulkLeadsPerSecond) };
  return {
    ...createRecordsActivities(deps),
    ...createTransitionActivities(deps),
    ...createLeadImportActivities(deps),
    ...createCustomerOnboardingActivities(deps),
    ...createCommunicationActivities(deps),
    ...createDealerDeliveryActivities(deps),
    ...createSalesMatchBackActivities(deps),
    ...createMarketActivities(deps),
    ...createPolicyRolloutActivities(deps),
    ...createCampaignActivities(deps),
    ...createCaptainDigestActivities(deps),
    ...createScorecardRollupActivities(deps),
  };
}

export type JourneyActivities = ReturnType<typeof createActivities>;
