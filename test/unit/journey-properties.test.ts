// The journey's rules proven by properties (issue 30): random sequences of events under random
// valid policies, applied as the workflow applies them (the deadline nextDeadline names when it
// is due, everything else at its own time). At every step: the due event is accepted; stage,
// owner and dealer agree; the ownership ledger is continuous; a refused event changes nothing
// (the state is frozen); no contact data is in the state. A failing sequence is reported with
// its seed and the shrunk events (fast-check). 10,000 sequences in the suite.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JourneyState } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { DAY, DEFAULT_POLICY, HOUR, MINUTE, POLICY_BOUNDS, resolvePolicy, type JourneyPolicy } from '../../domain/policy.js';
import { applyJourneyEvent, nextDeadline, startJourney, TransitionRefused, type JourneyEvent, type Owner, type PendingEvent } from '../../domain/transitions.js';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const DEALERS = ['d1', 'd2', 'd3'] as const;
const vin = (n: number) => `WVWZZZ1JZXW${String(n).padStart(6, '0')}`;

/** A valid policy: every duration setting drawn within its bounds (whole minutes), relations kept. */
const policyArb: fc.Arbitrary<JourneyPolicy> = fc
  .record(Object.fromEntries(Object.entries(POLICY_BOUNDS).flatMap(([key, b]) =>
    b.kind === 'duration'
      // Short ones mostly, so deadlines fall inside a sequence; at most ~60 days.
      ? [[key, fc.integer({ min: b.min / MINUTE, max: Math.max(b.min, Math.min(b.max, 60 * DAY)) / MINUTE }).map((m) => m * MINUTE)]]
      : b.kind === 'count' ? [[key, fc.integer({ min: b.min, max: b.max })]] : [])) as Record<string, fc.Arbitrary<number>>)
  .map((drawn) => {
    // Relations: the chase grace shorter than the sales window, the cycle longest, the cap window short.
    const p = { ...DEFAULT_POLICY, ...drawn, quietHoursStartMinute: 0, quietHoursEndMinute: 0 } as JourneyPolicy;
    p.salesWindowMs = Math.max(p.salesWindowMs, p.outcomeChaseGraceMs + MINUTE);
    p.ownershipCycleMs = Math.max(p.ownershipCycleMs, p.serviceReminderIntervalMs + DAY, p.saleSurveyDelayMs + DAY, 180 * DAY);
    p.postPurchasePromotionCoolDownMs = Math.max(p.postPurchasePromotionCoolDownMs, p.contactCapWindowMs + MINUTE);
    return resolvePolicy({}, p); // throws if the arbitrary ever drew an invalid one
  });

const leadArb = (id: number): fc.Arbitrary<LeadCaptured> => fc.record({
  source: fc.constantFrom('WEB_FORM', 'FAIR', 'ADF', 'PHONE'),
  timeframe: fc.constantFrom('NOW', 'WITHIN_3_MONTHS', 'LATER', undefined),
  hasEmail: fc.boolean(), hasPhone: fc.boolean(), hasPostalCode: fc.boolean(),
  preferredDealerId: fc.constantFrom(undefined, ...DEALERS),
  consentRegime: fc.constantFrom('OPT_IN', 'OPT_OUT'),
  grantsEmailMarketing: fc.boolean(),
}).map((l) => ({
  leadId: `lead-${id}`, source: l.source, hasEmail: l.hasEmail, hasPhone: l.hasPhone, hasPostalCode: l.hasPostalCode, receivedAt: '',
  ...(l.timeframe ? { timeframe: l.timeframe } : {}), ...(l.preferredDealerId ? { preferredDealerId: l.preferredDealerId } : {}),
  consentRegime: l.consentRegime,
  consents: l.grantsEmailMarketing ? [{ channel: 'EMAIL' as const, purpose: 'MARKETING' as const, granted: true }] : [],
}) as LeadCaptured);

/** One step of a sequence: time passing (the due deadline fires), or something happening now. */
type Step = { kind: 'wait' } | { kind: 'event'; afterMs: number; event: PendingEvent };

const dealer = fc.constantFrom(...DEALERS);
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
// Weighted towards a journey's usual course, so sequences get far (the rarer events still come).
const eventArb: fc.Arbitrary<PendingEvent> = fc.oneof(
  w(3, fc.nat(999).chain((n) => leadArb(n).map((lead) => ({ type: 'LEAD_CAPTURED', lead }) as PendingEvent))),
  w(4, fc.integer({ min: 0, max: 100 }).map((score) => ({ type: 'LEAD_SCORED', score }))),
  w(5, dealer.map((dealerId) => ({ type: 'HANDOFF_OFFERED', dealerId }))),
  w(1, fc.constant({ type: 'NO_DEALER_AVAILABLE' })),
  w(6, dealer.map((dealerId) => ({ type: 'HANDOFF_ACCEPTED', dealerId }))),
  w(2, dealer.map((dealerId) => ({ type: 'HANDOFF_DECLINED', dealerId, reason: 'busy' }))),
  w(5, fc.tuple(dealer, fc.nat(20)).map(([dealerId, n]) => ({ type: 'SOLD', dealerId, vehicle: { vin: vin(n), model: 'ID.7', soldOn: '2026-01-05' } }))),
  w(1, fc.tuple(dealer, fc.nat(20)).map(([dealerId, n]) => ({ type: 'SALE_MATCHED', dealerId, vehicle: { vin: vin(n), model: 'ID.4', soldOn: '2026-01-05' } }))),
  w(1, dealer.map((dealerId) => ({ type: 'LOST', dealerId, reason: 'bought elsewhere' }))),
  w(1, dealer.map((dealerId) => ({ type: 'NO_SHOW', dealerId }))),
  w(4, fc.tuple(dealer, fc.nat(5)).map(([dealerId, n]) => ({ type: 'SERVICE_VISIT_RECORDED', dealerId, visitId: `WS-${n}` }))),
  w(2, fc.tuple(dealer, fc.nat(3)).map(([dealerId, n]) => ({ type: 'COMPLAINT_OPENED', dealerId, complaintId: `C-${n}` }))),
  w(2, fc.tuple(dealer, fc.nat(3)).map(([dealerId, n]) => ({ type: 'COMPLAINT_RESOLVED', dealerId, complaintId: `C-${n}` }))),
  w(1, fc.constant({ type: 'DISQUALIFIED', reason: 'test lead' })),
  w(2, fc.record({ hasEmail: fc.boolean(), hasPhone: fc.boolean(), hasPostalCode: fc.boolean() }).map((contact) => ({ type: 'CONTACT_CHANGED', contact }))),
  w(2, fc.constantFrom('EMAIL_CLICK', 'CONFIGURATOR').map((kind) => ({ type: 'ENGAGEMENT_RECORDED', kind }))),
  w(1, fc.constant({ type: 'OPTED_OUT' })),
  w(1, fc.oneof(fc.constant<'OEM'>('OEM'), dealer.map((dealerId) => ({ dealerId }))).map((to) => ({ type: 'REASSIGNED', to, reason: 'desk', actor: 'oem:desk' }))),
  w(4, fc.tuple(fc.constantFrom('OEM', ...DEALERS), fc.constantFrom('PROMOTION', 'SERVICE_REMINDER', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'), fc.nat(50))
    .map(([from, purpose, n]) => ({
      type: 'COMMUNICATION_REQUESTED',
      request: { communicationId: `m-${n}`, sender: from === 'OEM' ? { kind: 'OEM' } : { kind: 'DEALER', dealerId: from }, purpose, channel: 'EMAIL', templateId: 't' },
    }) as PendingEvent)),
  w(1, fc.constantFrom('EMAIL', 'SMS', 'ALL').map((channel) => ({ type: 'CONSENT_WITHDRAWN', channel, purpose: 'MARKETING' }))),
  w(1, fc.tuple(fc.constantFrom('EMAIL', 'SMS', 'ALL'), fc.boolean()).map(([channel, contactable]) => ({ type: 'CHANNEL_PREFERENCE_CHANGED', channel, contactable }))),
  w(1, fc.constant({ type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' })),
) as fc.Arbitrary<PendingEvent>;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'wait' }) },
  { weight: 5, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 * HOUR }), eventArb).map(([afterMs, event]): Step => ({ kind: 'event', afterMs, event })) },
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Stage, owner and dealer agree (the referee's one truth). */
function ownershipAgrees(s: JourneyState): string | null {
  const oem = s.owner === 'OEM' && s.dealerId === null;
  switch (s.stage) {
    case 'CAPTURED': case 'QUALIFYING': case 'DISQUALIFIED': case 'HANDED_OFF': case 'ESCALATED': case 'ERASED':
      return oem ? null : `${s.stage} must be the OEM's, is ${s.owner}/${s.dealerId}`;
    case 'IN_SALES': return s.owner === 'DEALER_SALES' && s.dealerId ? null : `IN_SALES must be a dealer's sales team's, is ${s.owner}/${s.dealerId}`;
    case 'DEALER_OWNED': return s.owner === 'DEALER' && s.dealerId ? null : `DEALER_OWNED must be a dealer's, is ${s.owner}/${s.dealerId}`;
  }
}

const CONTACT_KEYS = new Set(['email', 'emailNormalized', 'phone', 'phoneE164', 'firstName', 'lastName', 'postalCode', 'street', 'city', 'address', 'name']);
/** A key that would hold personal data, or a value that looks like an address or number. */
function contactDataIn(value: unknown, path = 'state'): string | null {
  if (typeof value === 'string') return /@|\+\d{6,}/.test(value) ? `${path} = ${value}` : null;
  if (!value || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(value) && CONTACT_KEYS.has(k)) return `${path}.${k}`;
    const found = contactDataIn(v, `${path}.${k}`);
    if (found) return found;
  }
  return null;
}

const same = (a: Owner, b: Owner) => a.kind === b.kind && a.dealerId === b.dealerId;

/** What the sequences reached, so the property is known to exercise every stage (not vacuously true). */
const reached = { transitions: 0, refused: 0, stages: new Set<string>() };

function runSequence(policy: JourneyPolicy, first: LeadCaptured, steps: Step[]): void {
  let now = T0;
  const at = () => new Date(now).toISOString();
  let { state } = startJourney('journey-p', 'p', { ...first, receivedAt: at() }, at(), policy);
  let ledger: Owner = { kind: 'OEM', dealerId: null };
  state = applyJourneyEvent(state, { type: 'QUALIFICATION_STARTED', at: at() }, policy).state;

  for (const step of steps) {
    let event: JourneyEvent;
    if (step.kind === 'wait') {
      const due = nextDeadline(state);
      if (!due) continue;
      now = Math.max(now, Date.parse(due.at));
      event = { type: due.event, at: at() } as JourneyEvent;
    } else {
      now += step.afterMs;
      // A deadline that passed meanwhile fires first, as the workflow's timer would.
      const due = nextDeadline(state);
      if (due && Date.parse(due.at) <= now) {
        const fired = applyJourneyEvent(deepFreeze(state), { type: due.event, at: due.at } as JourneyEvent, policy);
        ledger = check(state, fired, ledger);
        state = fired.state;
      }
      const e = step.event.type === 'LEAD_CAPTURED' ? { ...step.event, lead: { ...step.event.lead, receivedAt: at() } } : step.event;
      event = { ...e, at: at() } as JourneyEvent;
    }
    const before = deepFreeze(state);
    let t;
    try {
      t = applyJourneyEvent(before, event, policy);
    } catch (error) {
      // The deadline the state itself names must always be taken.
      if (step.kind === 'wait') throw new Error(`the due ${event.type} was refused in ${state.stage}: ${(error as Error).message}`, { cause: error });
      if (!(error instanceof TransitionRefused)) throw error;
      reached.refused++;
      continue; // refused: the frozen state could not have been changed
    }
    ledger = check(before, t, ledger);
    state = t.state;
    reached.transitions++;
    reached.stages.add(state.stage);
    if (state.stage === 'ERASED') break;
  }
}

/** The invariants after one transition; returns the owner the ledger now ends with. */
function check(before: JourneyState, t: { state: JourneyState; effects: { type: string }[] }, ledger: Owner): Owner {
  let last = ledger;
  for (const e of t.effects) {
    if (e.type !== 'OWNER_CHANGED') continue;
    const { from, to } = e as unknown as { from: Owner | null; to: Owner };
    if (!from || !same(from, last)) throw new Error(`ledger gap: a change from ${JSON.stringify(from)} after ${JSON.stringify(last)}`);
    last = to;
  }
  if (!same(last, { kind: t.state.owner, dealerId: t.state.dealerId })) throw new Error(`the ledger ends at ${JSON.stringify(last)}, the state says ${t.state.owner}/${t.state.dealerId}`);
  const agree = ownershipAgrees(t.state);
  if (agree) throw new Error(agree);
  const contact = contactDataIn(t.state);
  if (contact) throw new Error(`contact data in the state: ${contact}`);
  if (t.effects.length > 0 && t.state.revision !== before.revision + 1) throw new Error('a change must bump the revision once');
  return last;
}

describe('the journey rules hold for any sequence of events (fast-check)', () => {
  it('10,000 seeded sequences: due events taken, stage/owner/dealer agree, the ledger continuous, refusals change nothing, no contact data', () => {
    fc.assert(
      fc.property(policyArb, leadArb(0), fc.array(stepArb, { minLength: 5, maxLength: 60, size: 'max' }), (policy, first, steps) => {
        runSequence(policy, first, steps);
      }),
      { numRuns: 10_000, seed: 20261204 },
    );
    // Every stage was reached, by many transitions, and refusals were tried too.
    expect([...reached.stages].sort()).toEqual(['DEALER_OWNED', 'DISQUALIFIED', 'ERASED', 'ESCALATED', 'HANDED_OFF', 'IN_SALES', 'QUALIFYING']);
    expect(reached.transitions).toBeGreaterThan(50_000); // 83,101 with this seed
    expect(reached.refused).toBeGreaterThan(10_000);
  }, 120_000);

  it('the checks catch what they claim to (a broken state is reported)', () => {
    expect(ownershipAgrees({ stage: 'IN_SALES', owner: 'OEM', dealerId: null } as JourneyState)).toMatch(/IN_SALES/);
    expect(contactDataIn({ leads: [{ email: 'a@b.c' }] })).toBe('state.leads.0.email');
    expect(contactDataIn({ disqualifiedReason: 'call +491701234567' })).toMatch(/\+49/);
    expect(() => check({ revision: 1 } as JourneyState, { state: { stage: 'QUALIFYING', owner: 'OEM', dealerId: null, revision: 2 } as JourneyState, effects: [{ type: 'OWNER_CHANGED', from: { kind: 'DEALER', dealerId: 'd9' }, to: { kind: 'OEM', dealerId: null } } as never] }, { kind: 'OEM', dealerId: null })).toThrow(/ledger gap/);
  });
});
