// The floor for a lead's journey (bench/e2e.ts): a per-customer workflow that takes a lead by
// signal-with-start, writes one row by a local activity, sets one search attribute and waits on a
// timer — the least a journey could do on the same server.
import { condition, defineSignal, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { JourneyStageKey } from '../../workflows/search-attributes.js';

export const minimalLeadSignal = defineSignal<[{ leadId: string }]>('minimalLead');

type Activities = { recordLead(leadId: string, customerId: string): Promise<void> };
const { recordLead } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function minimalJourney(customerId: string): Promise<void> {
  const leads: string[] = [];
  setHandler(minimalLeadSignal, ({ leadId }) => void leads.push(leadId));
  await condition(() => leads.length > 0);
  await recordLead(leads[0]!, customerId);
  upsertSearchAttributes([{ key: JourneyStageKey, value: 'QUALIFYING' }]);
  await sleep('30 days');
}
