// The pace of a worker process's bulk work towards the journeys: the leads of files and
// onboarding handed to their journeys, and the campaigns' messages asked of them, all share one
// budget a second, so the journeys' workers keep room for dealers' and customers' work.
import pThrottle from 'p-throttle';

/** Waits for the next slot of `perSecond` (a tenth of a second's share at a time keeps it smooth); none: unpaced. */
export type BulkPace = () => Promise<void>;

export function bulkPaceOf(perSecond: number | undefined): BulkPace | undefined {
  return perSecond ? pThrottle({ limit: Math.max(1, Math.round(perSecond / 10)), interval: 100 })(async () => {}) : undefined;
}
