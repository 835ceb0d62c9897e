import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { JourneyActivities } from '../activities/index.js';
import { paceAfterPage } from '../domain/campaigns.js';
import { campaignControlUpdate, type CampaignInput } from './definitions.js';

/** At most this many targets a page (large enough that the page's own queries are a small part of it). */
const MAX_PAGE_SIZE = 500;
/** A page is about this long's worth of messages at the campaign's pace: pause and resume act within it. */
const PAGE_MS = 5_000;
/** A recall looks again at messages not delivered yet: soon at first, then less often. */
const FIRST_FOLLOW_UP_MS = 1_000;
const LAST_FOLLOW_UP_MS = 10 * 60_000;

const campaignWork = proxyActivities<JourneyActivities>({
  // A page at a slow pace takes long; a dead worker is found by its missing heartbeats instead.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const records = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

type Control = 'RUNNING' | 'PAUSED' | 'CANCELLED';

/**
 * One campaign or recall, on the bulk task queue: a page of targets at a time (each treated
 * customer's message asked of their journey, a bounded window of them in flight), paced to the
 * campaign's messages per hour, continuing as new after each page. Paused, resumed and cancelled
 * by an Update. A recall then follows its messages until each is delivered or became a letter.
 */
export async function campaign(input: CampaignInput): Promise<void> {
  const { campaignId } = input;
  let control: Control = input.carried?.control ?? 'RUNNING';
  let phase = input.carried?.phase ?? 'DECIDING';
  let followUpMs = input.carried?.followUpMs ?? FIRST_FOLLOW_UP_MS;
  let over = false;

  setHandler(campaignControlUpdate, async ({ action }): Promise<{ status: Control }> => {
    const now: Control = control;
    const next: Control = action === 'CANCEL' ? 'CANCELLED' : now === 'CANCELLED' ? now : action === 'PAUSE' ? 'PAUSED' : 'RUNNING';
    if (next !== control) {
      control = next;
      // The page under way reads the status and stops; the next page waits for a resume.
      await records.setCampaignStatus({ campaignId, status: next });
    }
    return { status: control };
  }, {
    validator: (_arg: { action: string }) => {
      if (over) throw new Error('the campaign is over');
    },
  });

  const plan = await records.campaignPlan({ campaignId });
  if (!input.carried) {
    await records.setCampaignStatus({ campaignId, status: 'RUNNING' });
    // Not before the send window opens (a pause or cancel meanwhile is heard).
    if (plan.windowStartsAt) await condition(() => control === 'CANCELLED', Math.max(0, Date.parse(plan.windowStartsAt) - Date.now()));
  }

  await condition(() => control !== 'PAUSED');
  let finished = control === 'CANCELLED';
  if (!finished && phase === 'DECIDING') {
    const startedAt = Date.now();
    const pageSize = input.pageSize ?? Math.min(MAX_PAGE_SIZE, Math.max(1, Math.ceil((plan.perHour * PAGE_MS) / 3_600_000)));
    const page = await campaignWork.decideCampaignPage({ campaignId, limit: pageSize });
    if (page.remaining === 0 && !page.stopped) {
      if (plan.kind === 'RECALL') phase = 'FOLLOWING_UP';
      else finished = true;
    } else {
      // Never faster than the campaign's messages per hour; a pause or cancel cuts the wait short.
      const wait = page.retryInMs || paceAfterPage(page.decided, plan.perHour, Date.now() - startedAt);
      if (wait > 0) await condition(() => control !== 'RUNNING', wait);
    }
  } else if (!finished && phase === 'FOLLOWING_UP') {
    const { pending } = await campaignWork.followUpRecall({ campaignId });
    if (pending === 0) finished = true;
    else {
      await condition(() => control !== 'RUNNING', followUpMs);
      followUpMs = Math.min(LAST_FOLLOW_UP_MS, followUpMs * 2);
    }
  }

  if (finished || control === 'CANCELLED') {
    over = true;
    await condition(allHandlersFinished);
    await records.setCampaignStatus({ campaignId, status: control === 'CANCELLED' ? 'CANCELLED' : 'COMPLETED' });
    return;
  }
  // One page per run: the history stays small however large the segment.
  await condition(allHandlersFinished);
  await continueAsNew<typeof campaign>({ ...input, carried: { phase, control, followUpMs } });
}
