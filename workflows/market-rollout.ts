import { proxyActivities, sleep } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import type { MarketModelChange } from './definitions.js';

const { signalMarketJourneys } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  // Temporal or its visibility store down for a while: the roll-out waits, it is not lost.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Wait before the second pass: longer than intake trusts its cached model (5 s) and than
 * visibility takes to show a journey just started, so a journey that began with the old
 * model while the first pass listed the market's journeys hears of the new one too.
 */
export const SECOND_PASS_AFTER = '1 minute';

/**
 * Sends a market's new ownership model to its running journeys, twice: now, and once more
 * after SECOND_PASS_AFTER. A journey ignores a version it knows, so the second pass only
 * reaches the ones the first could not see. One roll-out per market and version (its id).
 */
export async function marketModelRollout(change: MarketModelChange): Promise<{ jobs: string[] }> {
  const first = await signalMarketJourneys({ change, pass: 1 });
  await sleep(SECOND_PASS_AFTER);
  const second = await signalMarketJourneys({ change, pass: 2 });
  return { jobs: [first, second] };
}
