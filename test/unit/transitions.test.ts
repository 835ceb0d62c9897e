import { describe, expect, it } from 'vitest';
import { JOURNEY_STAGES, type JourneyState } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { applyJourneyEvent, startJourney, TransitionRefused, type JourneyEvent } from '../../domain/transitions.js';

const lead = (leadId: string, source: LeadCaptured['source'] = 'WEB_FORM'): LeadCaptured => ({
  leadId, source, hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: '2026-01-01T00:00:00.000Z',
});
const T0 = '2026-01-01T10:00:00.000Z';
const T1 = '2026-01-01T10:00:01.000Z';

function stateIn(stage: JourneyState['stage']): JourneyState {
  return { ...startJourney('journey-c', 'c', lead('l1'), T0).state, stage };
}

describe('startJourney', () => {
  it('captures the first lead, owned by the OEM', () => {
    const { state, effects } = startJourney('journey-c', 'c', lead('l1', 'FAIR'), T0);
    expect(state).toMatchObject({ stage: 'CAPTURED', owner: 'OEM', dealerId: null, leadCount: 1, lastLeadSource: 'FAIR', revision: 1 });
    expect(effects).toEqual([{ type: 'STAGE_CHANGED', from: null, to: 'CAPTURED' }, { type: 'READ_MODEL_CHANGED' }]);
  });
});

describe('applyJourneyEvent: every stage × every event', () => {
  const events: JourneyEvent[] = [
    { type: 'LEAD_CAPTURED', lead: lead('l2', 'ADF'), at: T1 },
    { type: 'QUALIFICATION_STARTED', at: T1 },
  ];
  const expected: Record<JourneyState['stage'], Record<JourneyEvent['type'], JourneyState['stage'] | 'refused'>> = {
    CAPTURED: { LEAD_CAPTURED: 'CAPTURED', QUALIFICATION_STARTED: 'QUALIFYING' },
    QUALIFYING: { LEAD_CAPTURED: 'QUALIFYING', QUALIFICATION_STARTED: 'refused' },
  };

  for (const stage of JOURNEY_STAGES) {
    for (const event of events) {
      const outcome = expected[stage][event.type];
      it(`${stage} + ${event.type} → ${outcome}`, () => {
        const before = stateIn(stage);
        if (outcome === 'refused') {
          expect(() => applyJourneyEvent(before, event)).toThrow(TransitionRefused);
          return;
        }
        const { state } = applyJourneyEvent(before, event);
        expect(state.stage).toBe(outcome);
        expect(state.revision).toBe(before.revision + 1);
        expect(state.updatedAt).toBe(T1);
      });
    }
  }
});

describe('LEAD_CAPTURED', () => {
  it('merges a further lead into the journey', () => {
    const { state, effects } = applyJourneyEvent(stateIn('QUALIFYING'), { type: 'LEAD_CAPTURED', lead: lead('l2', 'ADF'), at: T1 });
    expect(state.leads.map((l) => l.leadId)).toEqual(['l1', 'l2']);
    expect(state.leadCount).toBe(2);
    expect(state.lastLeadSource).toBe('ADF');
    expect(state.stageChangedAt).toBe(T0);
    expect(effects).toEqual([{ type: 'READ_MODEL_CHANGED' }]);
  });

  it('ignores a redelivered lead', () => {
    const before = stateIn('QUALIFYING');
    const { state, effects } = applyJourneyEvent(before, { type: 'LEAD_CAPTURED', lead: lead('l1'), at: T1 });
    expect(state).toBe(before);
    expect(effects).toEqual([]);
  });

  it('remembers at most 100 leads but counts them all', () => {
    let state = stateIn('QUALIFYING');
    for (let i = 2; i <= 150; i++) state = applyJourneyEvent(state, { type: 'LEAD_CAPTURED', lead: lead(`l${i}`), at: T1 }).state;
    expect(state.leads).toHaveLength(100);
    expect(state.leads.at(-1)?.leadId).toBe('l150');
    expect(state.leadCount).toBe(150);
  });
});

describe('QUALIFICATION_STARTED', () => {
  it('moves CAPTURED to QUALIFYING and reports the stage change', () => {
    const { state, effects } = applyJourneyEvent(stateIn('CAPTURED'), { type: 'QUALIFICATION_STARTED', at: T1 });
    expect(state).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM', stageChangedAt: T1 });
    expect(effects).toContainEqual({ type: 'STAGE_CHANGED', from: 'CAPTURED', to: 'QUALIFYING' });
  });
});
