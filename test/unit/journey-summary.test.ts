import { describe, expect, it } from 'vitest';
import { journeyCurrentDetails, journeyStaticSummary } from '../../domain/journey-summary.js';
import type { JourneyState } from '../../domain/journey.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, nextDeadline, startJourney, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

const T0 = '2026-01-01T10:00:00.000Z';
const customerId = '0b8c3d7e-1f2a-4b5c-8d9e-0a1b2c3d4e5f';
const run = (state: JourneyState, ...events: PendingEvent[]) =>
  events.reduce((s, e) => applyJourneyEvent(s, { at: T0, ...e } as JourneyEvent, DEFAULT_POLICY).state, state);
const captured = startJourney(`journey-${customerId}`, customerId, {
  leadId: 'l1', source: 'FAIR', hasEmail: true, hasPhone: true, hasPostalCode: true, receivedAt: T0, consentRegime: 'OPT_OUT', consents: [],
}, T0).state;

describe('what ops read of a journey in the Temporal UI', () => {
  it('a static summary of ids and the first source only', () => {
    expect(journeyStaticSummary(customerId, 'FAIR')).toBe(`Journey of customer ${customerId}, first lead from FAIR`);
  });

  it('an open offer: stage, owner, the dealer it waits on, and that its SLA is what comes next', () => {
    const offered = run(captured, { type: 'QUALIFICATION_STARTED' }, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'DLR-1' });
    const details = journeyCurrentDetails(offered, nextDeadline(offered));
    expect(details).toContain('**Stage** HANDED_OFF · **Owner** OEM · **Dealer** —');
    expect(details).toContain(`**Hand-off** offered to **DLR-1** until ${offered.handoff!.expiresAt}`);
    expect(details).toContain(`**Next** ${offered.handoff!.expiresAt}: the dealer's acceptance SLA ends (HANDOFF_TIMED_OUT)`);
    expect(details).toContain('**Leads** 1, last from FAIR');
  });

  it('after a decline it names the dealers tried; a journey with nothing scheduled says it waits', () => {
    const declined = run(captured, { type: 'QUALIFICATION_STARTED' }, { type: 'LEAD_SCORED', score: 90 },
      { type: 'HANDOFF_OFFERED', dealerId: 'DLR-1' }, { type: 'HANDOFF_DECLINED', dealerId: 'DLR-1', reason: 'no stock' });
    expect(journeyCurrentDetails(declined, null)).toContain('**Hand-off** choosing a dealer (tried: DLR-1)');
    const qualifying = run(captured, { type: 'QUALIFICATION_STARTED' });
    expect(journeyCurrentDetails(qualifying, nextDeadline(qualifying))).toContain('**Next** nothing scheduled; waiting for news');
  });
});
