// Version safety: journeys live for years, so histories recorded from real runs are
// replayed against today's workflow code. Before 1.0.0 nothing old runs anywhere: change the
// journey and record the set anew (`npm run record-histories`, review the diff like code).
// From 1.0.0 a change that breaks these goes behind patched() (docs/versioning.md).
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { workflowsFromSource } from '../../workers/journey-worker.js';
import { HISTORY_FIXTURES as FIXTURES, recordHistoryFixture } from '../support/histories.js';
import { eventually, person, startSystem, type System } from '../support/system.js';


async function replay(histories: { workflowId: string; history: unknown }[]) {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(workflowsFromSource(), histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJSON(h.history) })))) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  return failures;
}

function fixtures() {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ workflowId: f, history: JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8')) as unknown }));
}

describe('recorded journey histories', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ kinds: ['journeys'] });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('a fresh journey (two leads, qualifying) replays, and is saved as a fixture when recording', async () => {
    const { email, phone } = person();
    const first = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', campaign: 'spring-ev', contact: { email } } });
    await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'FAIR', event: 'IAA Mobility', contact: { email, phone } } });
    const handle = sys.temporal.workflow.getHandle(first.json().journeyId);
    await eventually(async () => ((await handle.query(journeyStateQuery)).leadCount === 2 ? true : undefined));
    const history = JSON.parse(historyToJSON(await handle.fetchHistory()));
    expect(await replay([{ workflowId: 'fresh', history }])).toEqual([]);
    await recordHistoryFixture(handle, 'journey-qualifying-two-leads');
  });

  it('every recorded fixture replays on the current code', async () => {
    const recorded = fixtures();
    // One set for the 1.0 baseline, every path of the lifecycle (docs/versioning.md); `npm run record-histories` makes it anew.
    expect(recorded.map((f) => f.workflowId).sort()).toEqual([
      'journey-back-in-market.json', // sold, served for years, back in market with the own dealer first
      'journey-consent-double-opt-in.json', // an EU lead's e-mail consent: asked, confirmed, a promotion sent
      'journey-cool-down-promotion.json', // the post-purchase cool-down holds back the OEM's promotion
      'journey-customer-care.json', // sold; the customer asks for a service appointment on their page, withdraws a consent on the phone
      'journey-declined-escalated.json', // two declines, each answered before the next offer, then the OEM's escalation
      'journey-erased.json', // opt-out and erasure mid-journey: the journey ends
      'journey-fell-back-to-oem.json', // the sales window ends, the chase, the fallback and its cool-down
      'journey-fleet-sale.json', // a company: fleet-desk hand-off, five cars with drivers
      'journey-imported-back-in-market.json', // an owner from the OEM's file, the cycle over: offered to the own dealer
      'journey-imported-two-rows.json', // an owner from the OEM's file, a second row adds a second car
      'journey-in-service.json', // owned, with service visits
      'journey-lapse-and-next-dealer.json', // an offer in business hours lapses; the next dealer is offered
      'journey-market-model-changed.json', // a market becomes partner-led mid-journey
      'journey-message-deferred.json', // quiet hours and the frequency cap defer, the deadline sends
      'journey-own-messages.json', // the journey's own surveys and reminders through arbitration
      'journey-qualifying-two-leads.json', // two leads of one person: qualifying
      'journey-recall.json', // an imported owner who opted out: a safety recall reaches her, her dealer records the repair
      'journey-send-across-continue-as-new.json', // a send finishes before the run continues as new
      'journey-sold.json', // a hot lead, a lapse, the second dealer accepts and sells
      'journey-vehicle-events.json', // the connected car's events
    ]);
    expect(await replay(recorded)).toEqual([]);
  });

  it('a history the code no longer matches is caught (the check can fail)', async () => {
    // Pretend an older version called a different activity (the first one a history scheduled): replay must refuse it.
    type Event = { activityTaskScheduledEventAttributes?: { activityType: { name: string } } };
    const fixture = fixtures().find((f) => (f.history as { events: Event[] }).events.some((e) => e.activityTaskScheduledEventAttributes));
    const tampered = JSON.parse(JSON.stringify(fixture!.history));
    const scheduled = tampered.events.find((e: Event) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name += 'V0';
    const failures = await replay([{ workflowId: 'tampered', history: tampered }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/Determinism|nondetermin/i);
  });
});
