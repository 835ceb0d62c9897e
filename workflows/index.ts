// Entry point the worker bundles: every workflow type it runs.
export { journey } from './journey.js';
export { leadImport } from './lead-import.js';
export { dealerDelivery } from './dealer-delivery.js';
export { salesMatchBack } from './sales-matchback.js';
export { marketModelRollout } from './market-rollout.js';
export { policyRollouts } from './policy-rollouts.js';
export { customerOnboarding } from './customer-onboarding.js';
export { campaign } from './campaign.js';
export { captainDigest } from './captain-digest.js';
export { scorecardRollup } from './scorecard-rollup.js';
