import { describe, expect, it } from 'vitest';
import { decideCommunication, endOfQuietHours } from '../../domain/communications.js';
import { CHANNELS, PURPOSES, type CommunicationRequest, type Purpose, type Sender } from '../../domain/messages.js';
import type { JourneyState, Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { DAY, DEFAULT_POLICY, HOUR, type JourneyPolicy } from '../../domain/policy.js';
import { applyJourneyEvent, nextDeadline, startJourney, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

// Noon in Berlin (winter, UTC+1): outside the default quiet hours 21:00–08:00.
const NOON = '2026-01-15T11:00:00.000Z';
const policy: JourneyPolicy = DEFAULT_POLICY;
const vehicle: Vehicle = { vin: 'WVWZZZ1JZXW000001', model: 'ID.7', soldOn: '2026-01-01' };
const lead: LeadCaptured = { leadId: 'l1', source: 'WEB_FORM', hasEmail: true, hasPhone: true, hasPostalCode: true, receivedAt: NOON, consentRegime: 'OPT_OUT', consents: [] };

function run(state: JourneyState, at: string, ...events: PendingEvent[]): JourneyState {
  return events.reduce((s, e) => applyJourneyEvent(s, { at, ...e } as JourneyEvent, policy).state, state);
}
const T = '2026-01-01T10:00:00.000Z';
const oemOwned = run(startJourney('journey-c', 'c', lead, T).state, T, { type: 'QUALIFICATION_STARTED' });
const handedOff = run(oemOwned, T, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'd1' });
const inSales = run(handedOff, T, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' });
const justSold = run(inSales, '2026-01-13T11:00:00.000Z', { type: 'SOLD', dealerId: 'd1', vehicle }); // two days before NOON
const soldLongAgo = run(inSales, '2025-06-01T10:00:00.000Z', { type: 'SOLD', dealerId: 'd1', vehicle });

const OEM: Sender = { kind: 'OEM' };
const D1: Sender = { kind: 'DEALER', dealerId: 'd1' };
const D2: Sender = { kind: 'DEALER', dealerId: 'd2' };
let seq = 0;
const ask = (sender: Sender, purpose: Purpose, extra: Partial<CommunicationRequest> = {}): CommunicationRequest => ({
  communicationId: `m${++seq}`, sender, purpose, channel: 'EMAIL', templateId: 't', ...extra,
});

describe('who may speak', () => {
  // Rows: a customer's situation. Columns: purpose. Cells: decision for OEM, dealer d1, dealer d2.
  const A = 'ALLOWED';
  const cases: [string, JourneyState, Record<Purpose, [string, string, string]>][] = [
    // Legal notices (safety recalls) are the OEM's word alone: a dealer's would be a forgery (issue 29, finding 1).
    ['owned by the OEM (qualifying)', oemOwned, {
      PROMOTION: [A, 'NOT_OWNER', 'NOT_OWNER'], SALES_FOLLOW_UP: [A, 'NOT_OWNER', 'NOT_OWNER'], SERVICE_REMINDER: [A, 'NOT_OWNER', 'NOT_OWNER'],
      SURVEY: [A, 'NOT_OWNER', 'NOT_OWNER'], TRANSACTIONAL: [A, 'NOT_OWNER', 'NOT_OWNER'], LEGAL: [A, 'NOT_OWNER', 'NOT_OWNER'],
    }],
    ['offered to d1 (not accepted yet)', handedOff, {
      PROMOTION: [A, 'NOT_OWNER', 'NOT_OWNER'], SALES_FOLLOW_UP: [A, 'NOT_OWNER', 'NOT_OWNER'], SERVICE_REMINDER: [A, 'NOT_OWNER', 'NOT_OWNER'],
      SURVEY: [A, 'NOT_OWNER', 'NOT_OWNER'], TRANSACTIONAL: [A, A, 'NOT_OWNER'], LEGAL: [A, 'NOT_OWNER', 'NOT_OWNER'],
    }],
    ["in d1's sales", inSales, {
      PROMOTION: ['IN_DEALER_SALES', A, 'NOT_OWNER'], SALES_FOLLOW_UP: ['NOT_OWNER', A, 'NOT_OWNER'], SERVICE_REMINDER: ['NOT_OWNER', A, 'NOT_OWNER'],
      SURVEY: ['NOT_OWNER', A, 'NOT_OWNER'], TRANSACTIONAL: [A, A, 'NOT_OWNER'], LEGAL: [A, 'NOT_OWNER', 'NOT_OWNER'],
    }],
    ['bought from d1 two days ago', justSold, {
      PROMOTION: ['POST_PURCHASE_COOL_DOWN', A, 'NOT_OWNER'], SALES_FOLLOW_UP: ['NOT_OWNER', A, 'NOT_OWNER'], SERVICE_REMINDER: [A, A, 'NOT_OWNER'],
      SURVEY: [A, A, 'NOT_OWNER'], TRANSACTIONAL: [A, A, 'NOT_OWNER'], LEGAL: [A, 'NOT_OWNER', 'NOT_OWNER'],
    }],
    ["d1's customer since last summer", soldLongAgo, {
      PROMOTION: [A, A, 'NOT_OWNER'], SALES_FOLLOW_UP: ['NOT_OWNER', A, 'NOT_OWNER'], SERVICE_REMINDER: [A, A, 'NOT_OWNER'],
      SURVEY: [A, A, 'NOT_OWNER'], TRANSACTIONAL: [A, A, 'NOT_OWNER'], LEGAL: [A, 'NOT_OWNER', 'NOT_OWNER'],
    }],
  ];
  for (const [situation, state, row] of cases) {
    for (const purpose of PURPOSES) {
      ([OEM, D1, D2] as const).forEach((sender, i) => {
        const expected = row[purpose][i]!;
        const who = sender.kind === 'OEM' ? 'OEM' : sender.dealerId;
        it(`${situation}: ${purpose} from ${who} → ${expected}`, () => {
          const d = decideCommunication(state, ask(sender, purpose), NOON, policy);
          expect(expected === A ? d.decision : d.decision === 'SUPPRESSED' && d.reason).toBe(expected);
        });
      });
    }
  }

  it("OEM service reminders and surveys go out in the owning dealer's name, unless the policy says not to", () => {
    expect(decideCommunication(soldLongAgo, ask(OEM, 'SURVEY'), NOON, policy)).toEqual({ decision: 'ALLOWED', onBehalfOf: 'd1' });
    expect(decideCommunication(soldLongAgo, ask(OEM, 'SURVEY'), NOON, { ...policy, oemMayActForDealer: 0 })).toEqual({ decision: 'SUPPRESSED', reason: 'NOT_OWNER' });
  });
});

describe('consent, opt-out, reachability, erasure', () => {
  const optedOut = run(soldLongAgo, NOON, { type: 'OPTED_OUT' });
  it.each(PURPOSES)('opt-out: %s', (purpose) => {
    // The legal notice comes from the OEM (a dealer may send none); the rest from the owning dealer.
    const d = decideCommunication(optedOut, ask(purpose === 'LEGAL' ? OEM : D1, purpose), NOON, policy);
    if (purpose === 'TRANSACTIONAL' || purpose === 'LEGAL') expect(d.decision).toBe('ALLOWED');
    else expect(d).toEqual({ decision: 'SUPPRESSED', reason: 'OPTED_OUT' });
  });

  it('a withdrawn channel carries only legal notices; other channels are unaffected', () => {
    const noSms = run(soldLongAgo, NOON, { type: 'CHANNEL_PREFERENCE_CHANGED', channel: 'SMS', contactable: false });
    for (const purpose of PURPOSES) {
      const sender = purpose === 'LEGAL' ? OEM : D1;
      const d = decideCommunication(noSms, ask(sender, purpose, { channel: 'SMS' }), NOON, policy);
      expect(d.decision === 'SUPPRESSED' ? d.reason : d.decision).toBe(purpose === 'LEGAL' ? 'ALLOWED' : 'NO_CONSENT');
      expect(decideCommunication(noSms, ask(sender, purpose, { channel: 'EMAIL' }), NOON, policy).decision).toBe('ALLOWED');
    }
    const again = run(noSms, NOON, { type: 'CHANNEL_PREFERENCE_CHANGED', channel: 'ALL', contactable: true });
    expect(decideCommunication(again, ask(D1, 'PROMOTION', { channel: 'SMS' }), NOON, policy).decision).toBe('ALLOWED');
  });

  it('needs a way to reach the customer on the channel', () => {
    const emailOnly = run(startJourney('journey-e', 'e', { ...lead, hasPhone: false }, T).state, T, { type: 'QUALIFICATION_STARTED' });
    const reach = (channel: (typeof CHANNELS)[number], state = emailOnly) => decideCommunication(state, ask(OEM, 'TRANSACTIONAL', { channel }), NOON, policy);
    expect(reach('EMAIL').decision).toBe('ALLOWED');
    expect(reach('SMS')).toEqual({ decision: 'SUPPRESSED', reason: 'NO_CONTACT_DETAILS' });
    expect(reach('IN_VEHICLE')).toEqual({ decision: 'SUPPRESSED', reason: 'NO_CONTACT_DETAILS' });
    expect(reach('IN_VEHICLE', soldLongAgo).decision).toBe('ALLOWED');
  });

  it('nothing reaches an erased customer', () => {
    const erased = run(oemOwned, NOON, { type: 'ERASURE_REQUESTED', ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' });
    expect(decideCommunication(erased, ask(OEM, 'LEGAL'), NOON, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'ERASED' });
  });
});

describe('timing: defer, never drop', () => {
  it('holds a message until not-before', () => {
    expect(decideCommunication(oemOwned, ask(OEM, 'PROMOTION', { notBefore: '2026-01-16T10:00:00.000Z' }), NOON, policy))
      .toEqual({ decision: 'DEFERRED', reason: 'NOT_BEFORE', until: '2026-01-16T10:00:00.000Z' });
  });

  it('defers to the end of quiet hours in the customer time zone', () => {
    const lateEvening = '2026-01-15T21:30:00.000Z'; // 22:30 in Berlin
    expect(decideCommunication(oemOwned, ask(OEM, 'PROMOTION'), lateEvening, policy))
      .toEqual({ decision: 'DEFERRED', reason: 'QUIET_HOURS', until: '2026-01-16T07:00:00.000Z' }); // 08:00 Berlin
    expect(decideCommunication(oemOwned, ask(OEM, 'PROMOTION'), lateEvening, { ...policy, customerTimeZone: 'America/New_York' }).decision).toBe('ALLOWED'); // 16:30 there
    expect(decideCommunication(oemOwned, ask(OEM, 'TRANSACTIONAL'), lateEvening, policy).decision).toBe('ALLOWED');
    // A safety recall waits for the morning too; it is deferred, never dropped.
    expect(decideCommunication(run(soldLongAgo, NOON, { type: 'OPTED_OUT' }), ask(OEM, 'LEGAL'), lateEvening, policy))
      .toEqual({ decision: 'DEFERRED', reason: 'QUIET_HOURS', until: '2026-01-16T07:00:00.000Z' });
    expect(decideCommunication(soldLongAgo, ask(D1, 'SERVICE_REMINDER'), lateEvening, policy).decision).toBe('DEFERRED');
  });

  it('computes the end of quiet hours across midnight, within a day window and with none', () => {
    const q = { quietHoursStartMinute: 21 * 60, quietHoursEndMinute: 8 * 60, customerTimeZone: 'Europe/Berlin' };
    expect(endOfQuietHours(new Date('2026-01-15T05:59:30.000Z'), q).toISOString()).toBe('2026-01-15T07:00:00.000Z'); // 06:59:30 local
    expect(endOfQuietHours(new Date('2026-07-15T19:00:00.000Z'), q).toISOString()).toBe('2026-07-16T06:00:00.000Z'); // summer, UTC+2
    expect(endOfQuietHours(new Date(NOON), { ...q, quietHoursStartMinute: 12 * 60, quietHoursEndMinute: 13 * 60 }).toISOString()).toBe('2026-01-15T12:00:00.000Z');
    expect(endOfQuietHours(new Date(NOON), { ...q, quietHoursStartMinute: 0, quietHoursEndMinute: 0 }).toISOString()).toBe(NOON);
  });

  it('caps capped purposes across ALL senders, deferring to when the oldest leaves the window', () => {
    let state = soldLongAgo;
    const senders = [OEM, D1, OEM];
    const times = ['2026-01-13T11:00:00.000Z', '2026-01-14T11:00:00.000Z', '2026-01-15T10:00:00.000Z'];
    senders.forEach((sender, i) => {
      state = run(state, times[i]!, { type: 'COMMUNICATION_REQUESTED', request: ask(sender, 'PROMOTION') });
    });
    expect(state.communications?.sent).toHaveLength(3);
    expect(decideCommunication(state, ask(D1, 'SURVEY'), NOON, policy))
      .toEqual({ decision: 'DEFERRED', reason: 'FREQUENCY_CAP', until: new Date(Date.parse(times[0]!) + 7 * DAY).toISOString() });
    // Service and legal messages bypass the cap.
    expect(decideCommunication(state, ask(D1, 'SERVICE_REMINDER'), NOON, policy).decision).toBe('ALLOWED');
    expect(decideCommunication(state, ask(OEM, 'LEGAL'), NOON, policy).decision).toBe('ALLOWED');
  });

  it('moves past quiet hours when the cap frees up at night', () => {
    let state = soldLongAgo;
    for (const at of ['2026-01-08T22:00:00.000Z', '2026-01-09T10:00:00.000Z', '2026-01-10T10:00:00.000Z']) {
      // The first was sent at 23:00 Berlin time (allowed: an essential-free policy with no quiet hours then).
      state = applyJourneyEvent(state, { type: 'COMMUNICATION_REQUESTED', request: ask(OEM, 'PROMOTION'), at } as JourneyEvent, { ...policy, quietHoursStartMinute: 0, quietHoursEndMinute: 0 }).state;
    }
    const d = decideCommunication(state, ask(OEM, 'PROMOTION'), NOON, policy);
    // Cap frees at 2026-01-15T22:00Z = 23:00 Berlin: quiet, so 08:00 the next morning.
    expect(d).toEqual({ decision: 'DEFERRED', reason: 'FREQUENCY_CAP', until: '2026-01-16T07:00:00.000Z' });
  });
});

describe('in the journey', () => {
  it('a deferred message waits in the journey, sets its timer, and is decided again when due', () => {
    const request = ask(OEM, 'PROMOTION', { notBefore: '2026-01-16T10:00:00.000Z' });
    const waiting = applyJourneyEvent(oemOwned, { type: 'COMMUNICATION_REQUESTED', request, at: NOON }, policy);
    expect(waiting.effects).toContainEqual({ type: 'COMMUNICATION_DECIDED', communicationId: request.communicationId, decision: expect.objectContaining({ decision: 'DEFERRED' }) });
    expect(nextDeadline(waiting.state)).toEqual({ at: '2026-01-16T10:00:00.000Z', event: 'DEFERRED_MESSAGE_DUE' });

    const due = applyJourneyEvent(waiting.state, { type: 'DEFERRED_MESSAGE_DUE', at: '2026-01-16T10:00:00.000Z' }, policy);
    expect(due.effects).toEqual(expect.arrayContaining([
      { type: 'SEND_COMMUNICATION', communicationId: request.communicationId, onBehalfOf: null },
      { type: 'COMMUNICATION_DECIDED', communicationId: request.communicationId, decision: { decision: 'ALLOWED' } },
    ]));
    expect(due.state.communications?.deferred).toEqual([]);
  });

  it('suppresses a waiting promotion when the customer bought meanwhile', () => {
    const request = ask(OEM, 'PROMOTION', { notBefore: '2026-01-20T10:00:00.000Z' });
    const waiting = run(inSales, '2026-01-14T10:00:00.000Z', { type: 'REASSIGNED', to: 'OEM', reason: 'test', actor: 'ops' },
      { type: 'COMMUNICATION_REQUESTED', request });
    const bought = run(waiting, '2026-01-15T10:00:00.000Z', { type: 'REASSIGNED', to: { dealerId: 'd1' }, reason: 'back', actor: 'ops' });
    const sold = run({ ...bought, stage: 'IN_SALES', owner: 'DEALER_SALES' }, '2026-01-16T10:00:00.000Z', { type: 'SOLD', dealerId: 'd1', vehicle });
    const due = applyJourneyEvent(sold, { type: 'DEFERRED_MESSAGE_DUE', at: '2026-01-20T10:00:00.000Z' }, policy);
    expect(due.effects).toContainEqual({ type: 'COMMUNICATION_DECIDED', communicationId: request.communicationId, decision: { decision: 'SUPPRESSED', reason: 'POST_PURCHASE_COOL_DOWN' } });
    expect(due.effects.some((e) => e.type === 'SEND_COMMUNICATION')).toBe(false);
  });

  it('answers a repeated request once (idempotent by communication id)', () => {
    const request = ask(OEM, 'PROMOTION');
    const once = applyJourneyEvent(oemOwned, { type: 'COMMUNICATION_REQUESTED', request, at: NOON }, policy);
    const twice = applyJourneyEvent(once.state, { type: 'COMMUNICATION_REQUESTED', request, at: NOON }, policy);
    expect(twice.effects).toEqual([]);
    expect(twice.state.communications?.decisions[request.communicationId]).toEqual({ decision: 'ALLOWED' });
  });

  it('forgets sends once they leave the cap window', () => {
    const sent = run(oemOwned, NOON, { type: 'COMMUNICATION_REQUESTED', request: ask(OEM, 'PROMOTION') });
    const later = run(sent, new Date(Date.parse(NOON) + 8 * DAY + HOUR).toISOString(), { type: 'COMMUNICATION_REQUESTED', request: ask(OEM, 'TRANSACTIONAL') });
    expect(later.communications?.sent.map((s) => s.purpose)).toEqual(['TRANSACTIONAL']);
  });
});
