// Version safety: journeys live for years, so histories recorded from real runs are
// replayed against today's workflow code. A change that would break running
// journeys fails here; put it behind patched() instead.
// Refresh or add fixtures with `npm run record-histories` (review the diff like code).
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { WORKFLOWS_PATH } from '../../workers/journey-worker.js';
import { HISTORY_FIXTURES as FIXTURES, recordHistoryFixture } from '../support/histories.js';
import { eventually, person, startSystem, type System } from '../support/system.js';


async function replay(histories: { workflowId: string; history: unknown }[]) {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories.map((h) => ({ workflowId: h.workflowId, history: historyFromJSON(h.history) })))) {
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
    sys = await startSystem();
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
    expect(recorded.map((f) => f.workflowId)).toEqual(expect.arrayContaining([
      'journey-v1-before-full-lifecycle.json', 'journey-qualifying-two-leads.json',
      'journey-sold.json', 'journey-fell-back-to-oem.json', 'journey-in-service.json',
      'journey-cool-down-promotion.json', 'journey-message-deferred.json', 'journey-own-messages.json',
      // A run that continued as new while a message was being sent, before and after the fix.
      'journey-send-in-flight-before-fix.json', 'journey-send-finishes-before-continue-as-new.json',
      // Dealers told of an offer counted in business hours, its lapse and the next offer.
      'journey-tells-dealers.json',
      // An EU lead's e-mail marketing consent: the confirmation asked for, clicked, a promotion sent.
      'journey-consent-double-opt-in.json',
      // Accepted, sold and in service with each transition's records written together (local activities).
      'journey-sold-records-together.json', 'journey-in-service-records-together.json',
      // The same with a transition's records, notices and choice of dealer in one local activity.
      'journey-sold-one-write.json', 'journey-in-service-one-write.json',
      // Two declines, each answered before the next offer, then the escalation to the OEM.
      'journey-declined-answered-first.json',
    ]));
    expect(await replay(recorded)).toEqual([]);
  });

  it('a history the code no longer matches is caught (the check can fail)', async () => {
    const [fixture] = fixtures();
    // Pretend an older version called a different activity (the first one the history scheduled): replay must refuse it.
    const tampered = JSON.parse(JSON.stringify(fixture!.history));
    const scheduled = tampered.events.find((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name += 'V0';
    const failures = await replay([{ workflowId: 'tampered', history: tampered }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/Determinism|nondetermin/i);
  });
});
