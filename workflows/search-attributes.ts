import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * What ops filter journeys by in the Temporal Web UI. Never personal data:
 * visibility stores are copied widely and erasure cannot reach them.
 * scripts/env.sh registers the same names with the dev server.
 */
export const JourneyStageKey = defineSearchAttributeKey('JourneyStage', SearchAttributeType.KEYWORD);
export const CustomerOwnerKey = defineSearchAttributeKey('CustomerOwner', SearchAttributeType.KEYWORD);
export const DealerIdKey = defineSearchAttributeKey('DealerId', SearchAttributeType.KEYWORD);
export const LeadSourceKey = defineSearchAttributeKey('LeadSource', SearchAttributeType.KEYWORD);
/** The customer's market (a country code, as coarse as the search for a change of ownership model needs). */
export const MarketKey = defineSearchAttributeKey('Market', SearchAttributeType.KEYWORD);

export const JOURNEY_SEARCH_ATTRIBUTES = [JourneyStageKey, CustomerOwnerKey, DealerIdKey, LeadSourceKey, MarketKey];
