// The pace of a worker process's bulk work towards the journeys: the leads of files and
// onboarding handed to their journeys, and the campaigns' messages asked of them, all share one
// budget a second, so the journeys' workers keep room for dealers' and customers' work.
import pThrottle from 'p-throttle';

/**
 * Waits for `units` slots of `perSecond` (a tenth of a second's share at a time keeps it smooth);
 * none: unpaced. A new journey from a file is one unit; heavier work takes more (CAMPAIGN_MESSAGE_UNITS).
 */
export type BulkPace = (units?: number) => Promise<void>;

export function bulkPaceOf(perSecond: number | undefined): BulkPace | undefined {
  if (!perSecond) return undefined;
  // Below 10 a second a tenth of a second has no whole share: one at a time, spaced.
  const slots = perSecond >= 10 ? { limit: Math.round(perSecond / 10), interval: 100 } : { limit: 1, interval: Math.round(1000 / perSecond) };
  const slot = pThrottle(slots)(async () => {});
  return async (units = 1) => {
    for (let i = 0; i < units; i++) await slot();
  };
}
