import { describe, expect, it } from 'vitest';
import { decideCommunication } from '../../domain/communications.js';
import { confirmationChannelOf, legalRegimeOf, missingConsent, withStatements, type ConsentState, type LegalRegime } from '../../domain/consent.js';
import type { JourneyState, Vehicle } from '../../domain/journey.js';
import type { LeadCaptured } from '../../domain/lead.js';
import { PURPOSES, type Purpose } from '../../domain/messages.js';
import { DAY, DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, startJourney, TransitionRefused, type JourneyEvent, type PendingEvent } from '../../domain/transitions.js';

const policy = DEFAULT_POLICY;
// Noon in Berlin: no quiet hours in the way.
const T = '2026-03-02T11:00:00.000Z';
const later = (days: number) => new Date(Date.parse(T) + days * DAY).toISOString();
const vehicle: Vehicle = { vin: 'WVWZZZ1JZXW000001', model: 'ID.7', soldOn: '2026-03-01' };

describe('the legal regime per country', () => {
  it('is opt-out for the US and opt-in everywhere else, unknown countries included (the safe side)', () => {
    expect(legalRegimeOf('US')).toBe('OPT_OUT');
    expect(legalRegimeOf('us')).toBe('OPT_OUT');
    for (const country of ['DE', 'FR', 'AT', 'IT', 'GB', 'CH', 'ZZ']) expect(legalRegimeOf(country)).toBe('OPT_IN');
  });
});

describe('missingConsent: regime × purpose × consent held', () => {
  const none = (regime: LegalRegime): ConsentState => ({ regime, granted: [], refused: [], awaitingConfirmation: [] });
  const granted = (regime: LegalRegime): ConsentState => ({ ...none(regime), granted: ['EMAIL:MARKETING', 'EMAIL:SALES_CONTACT'] });
  const refused = (regime: LegalRegime): ConsentState => ({ ...none(regime), refused: ['EMAIL:MARKETING', 'EMAIL:SALES_CONTACT'] });
  const prospect = { existingCustomer: false, lastInquiryAt: T };
  const owner = { existingCustomer: true, lastInquiryAt: later(-400) };
  const staleProspect = { existingCustomer: false, lastInquiryAt: later(-91) };
  const ok = null;
  const M = { channel: 'EMAIL', purpose: 'MARKETING' } as const;
  const S = { channel: 'EMAIL', purpose: 'SALES_CONTACT' } as const;

  // [state, facts] → expected per purpose, in PURPOSES order:
  // PROMOTION, SALES_FOLLOW_UP, SERVICE_REMINDER, SURVEY, TRANSACTIONAL, LEGAL
  const cases: [string, ConsentState, typeof prospect, (typeof M | typeof S | null)[]][] = [
    ['OPT_IN, nothing given, fresh inquiry', none('OPT_IN'), prospect, [M, ok, M, M, ok, ok]],
    ['OPT_IN, nothing given, inquiry 91 days ago', none('OPT_IN'), staleProspect, [M, S, M, M, ok, ok]],
    ['OPT_IN, nothing given, existing customer', none('OPT_IN'), owner, [M, S, ok, ok, ok, ok]],
    ['OPT_IN, granted', granted('OPT_IN'), staleProspect, [ok, ok, ok, ok, ok, ok]],
    ['OPT_IN, refused, existing customer', refused('OPT_IN'), owner, [M, S, M, M, ok, ok]],
    ['OPT_OUT, nothing given', none('OPT_OUT'), staleProspect, [ok, ok, ok, ok, ok, ok]],
    ['OPT_OUT, refused', refused('OPT_OUT'), owner, [M, S, M, M, ok, ok]],
  ];
  for (const [name, consent, facts, expected] of cases) {
    it(name, () => {
      const got = PURPOSES.map((purpose: Purpose) => missingConsent(consent, purpose, 'EMAIL', facts, T, policy.salesContactWindowMs));
      expect(got).toEqual(expected);
    });
  }

  it('holds per channel: an e-mail grant says nothing about SMS', () => {
    expect(missingConsent(granted('OPT_IN'), 'PROMOTION', 'SMS', prospect, T, policy.salesContactWindowMs)).toEqual({ channel: 'SMS', purpose: 'MARKETING' });
  });
});

describe('consent statements with a lead', () => {
  it('e-mail and text marketing under opt-in wait for the confirmation click; other grants are in force at once', () => {
    const { consent, confirmationDue } = withStatements(null, 'OPT_IN', [
      { channel: 'EMAIL', purpose: 'MARKETING', granted: true },
      { channel: 'SMS', purpose: 'MARKETING', granted: true },
      { channel: 'POST', purpose: 'MARKETING', granted: true },
      { channel: 'PHONE', purpose: 'SALES_CONTACT', granted: false },
    ], T, 7 * DAY);
    expect(consent).toEqual({
      regime: 'OPT_IN', granted: ['POST:MARKETING'], refused: ['PHONE:SALES_CONTACT'],
      awaitingConfirmation: [{ key: 'EMAIL:MARKETING', until: later(7), requestedAt: T }, { key: 'SMS:MARKETING', until: later(7), requestedAt: T }],
    });
    expect(confirmationDue).toEqual([{ key: 'EMAIL:MARKETING', until: later(7), requestedAt: T }, { key: 'SMS:MARKETING', until: later(7), requestedAt: T }]);
  });

  it('under opt-out nothing waits; a later refusal takes back an earlier grant', () => {
    const first = withStatements(null, 'OPT_OUT', [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }], T, 7 * DAY);
    expect(first.confirmationDue).toEqual([]);
    const second = withStatements(first.consent, 'OPT_OUT', [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], T, 7 * DAY);
    expect(second.consent).toMatchObject({ granted: [], refused: ['EMAIL:MARKETING'] });
  });

  it('an e-mail marketing grant already confirmed is not asked for again', () => {
    const c: ConsentState = { regime: 'OPT_IN', granted: ['EMAIL:MARKETING'], refused: [], awaitingConfirmation: [] };
    expect(withStatements(c, 'OPT_IN', [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }], T, 7 * DAY).confirmationDue).toEqual([]);
  });
});

describe('a promotion to an EU lead in the journey', () => {
  const lead: LeadCaptured = {
    leadId: 'l1', source: 'WEB_FORM', hasEmail: true, hasPhone: true, hasPostalCode: true, receivedAt: T,
    consentRegime: 'OPT_IN', consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }],
  };
  const run = (s: JourneyState, at: string, ...events: PendingEvent[]) => events.reduce((x, e) => applyJourneyEvent(x, { at, ...e } as JourneyEvent, policy).state, s);
  const started = startJourney('journey-c', 'c', lead, T, policy);
  const qualifying = run(started.state, T, { type: 'QUALIFICATION_STARTED' });
  const promotion = { communicationId: 'p1', sender: { kind: 'OEM' as const }, purpose: 'PROMOTION' as const, channel: 'EMAIL' as const, templateId: 'model-launch' };

  it('asks for the confirmation when the journey starts', () => {
    expect(started.effects).toContainEqual({ type: 'CONSENT_CONFIRMATION_DUE', key: 'EMAIL:MARKETING', until: later(7), requestedAt: T });
  });

  it('a link confirms only the request it was made for: an older request\'s link is refused (issue 29, finding 6)', () => {
    const askedAgain = run(qualifying, later(1), { type: 'LEAD_CAPTURED', lead: { ...lead, leadId: 'again', receivedAt: later(1) } });
    expect(askedAgain.consent!.awaitingConfirmation).toEqual([{ key: 'EMAIL:MARKETING', until: later(8), requestedAt: later(1) }]);
    expect(() => applyJourneyEvent(askedAgain, { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T, at: later(2) }, policy)).toThrow(TransitionRefused);
    expect(run(askedAgain, later(2), { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: later(1) }).consent!.granted).toContain('EMAIL:MARKETING');
  });

  it('text and phone marketing wait for the number\'s holder to confirm by a link sent by text (issue 29, finding 9)', () => {
    const statements = [{ channel: 'SMS' as const, purpose: 'MARKETING' as const, granted: true }, { channel: 'PHONE' as const, purpose: 'MARKETING' as const, granted: true }];
    const { consent, confirmationDue } = withStatements(null, 'OPT_IN', statements, T, 7 * DAY);
    expect(consent.granted).toEqual([]);
    expect(confirmationDue.map((d) => d.key)).toEqual(['SMS:MARKETING', 'PHONE:MARKETING']);
    expect(confirmationChannelOf('PHONE:MARKETING')).toBe('SMS');
    expect(confirmationChannelOf('EMAIL:MARKETING')).toBe('EMAIL');
    // Under opt-out law nothing waits (the consent is not what lets the message through there).
    expect(withStatements(null, 'OPT_OUT', statements, T, 7 * DAY).consent.granted).toEqual(['SMS:MARKETING', 'PHONE:MARKETING']);
  });

  it('is SUPPRESSED NO_CONSENT naming the e-mail marketing consent before the click, ALLOWED after it', () => {
    expect(decideCommunication(qualifying, promotion, T, policy)).toEqual({ decision: 'SUPPRESSED', reason: 'NO_CONSENT', missingConsent: { channel: 'EMAIL', purpose: 'MARKETING' } });
    const confirmedState = run(qualifying, later(1), { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T });
    expect(decideCommunication(confirmedState, promotion, later(1), policy)).toEqual({ decision: 'ALLOWED' });
    // SMS was never given: still suppressed, naming SMS.
    expect(decideCommunication(confirmedState, { ...promotion, channel: 'SMS' }, later(1), policy)).toMatchObject({ missingConsent: { channel: 'SMS', purpose: 'MARKETING' } });
  });

  it('consents stated to customer care: a withdrawal holds at once, e-mail marketing given on the phone still waits for the click (issue 34)', () => {
    const confirmedState = run(qualifying, later(1), { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T });
    const onThePhone = applyJourneyEvent(confirmedState, { type: 'CONSENTS_STATED', regime: 'OPT_IN', statements: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], at: later(2) }, policy);
    expect(decideCommunication(onThePhone.state, promotion, later(2), policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    expect(onThePhone.effects.some((e) => e.type === 'CONSENT_CONFIRMATION_DUE')).toBe(false);
    // The same statement again changes nothing.
    expect(applyJourneyEvent(onThePhone.state, { type: 'CONSENTS_STATED', regime: 'OPT_IN', statements: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }], at: later(3) }, policy).state).toBe(onThePhone.state);
    // Given again on a later call: asked for by a link, not in force before the click.
    const again = applyJourneyEvent(onThePhone.state, { type: 'CONSENTS_STATED', regime: 'OPT_IN', statements: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }], at: later(3) }, policy);
    expect(again.effects).toContainEqual({ type: 'CONSENT_CONFIRMATION_DUE', key: 'EMAIL:MARKETING', until: later(10), requestedAt: later(3) });
    expect(decideCommunication(again.state, promotion, later(3), policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    // Post marketing needs no click: in force at once.
    const post = applyJourneyEvent(again.state, { type: 'CONSENTS_STATED', regime: 'OPT_IN', statements: [{ channel: 'POST', purpose: 'MARKETING', granted: true }], at: later(3) }, policy);
    expect(post.state.consent!.granted).toContain('POST:MARKETING');
  });

  it('a click after the request expired changes nothing (refused)', () => {
    expect(() => applyJourneyEvent(qualifying, { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T, at: later(8) }, policy)).toThrow(TransitionRefused);
  });

  it('an unsubscribe withdraws the consent at once, and an old confirmation link cannot bring it back', () => {
    const confirmedState = run(qualifying, later(1), { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T });
    const unsubscribed = run(confirmedState, later(2), { type: 'CONSENT_WITHDRAWN', channel: 'EMAIL', purpose: 'MARKETING' });
    expect(decideCommunication(unsubscribed, promotion, later(2), policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    expect(() => applyJourneyEvent(unsubscribed, { type: 'CONSENT_CONFIRMED', channel: 'EMAIL', purpose: 'MARKETING', requestedAt: T, at: later(3) }, policy)).toThrow(TransitionRefused);
  });

  it('the existing-customer exception lets the owning dealer\'s service reminder through, until the customer objects', () => {
    const { leadId, source, hasEmail, hasPhone, hasPostalCode, receivedAt } = lead;
    const noConsents = startJourney('journey-d', 'd', { leadId, source, hasEmail, hasPhone, hasPostalCode, receivedAt, consentRegime: 'OPT_IN', consents: [] }, T, policy).state;
    const owned = run(noConsents, T, { type: 'QUALIFICATION_STARTED' }, { type: 'LEAD_SCORED', score: 90 }, { type: 'HANDOFF_OFFERED', dealerId: 'd1' }, { type: 'HANDOFF_ACCEPTED', dealerId: 'd1' }, { type: 'SOLD', dealerId: 'd1', vehicle });
    const reminder = { communicationId: 'r1', sender: { kind: 'DEALER' as const, dealerId: 'd1' }, purpose: 'SERVICE_REMINDER' as const, channel: 'EMAIL' as const, templateId: 'service-reminder' };
    expect(decideCommunication(owned, reminder, T, policy)).toEqual({ decision: 'ALLOWED' });
    const objected = run(owned, T, { type: 'CONSENT_WITHDRAWN', channel: 'EMAIL', purpose: 'MARKETING' });
    expect(decideCommunication(objected, reminder, T, policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
  });

  it('a customer under opt-out law gets promotions without a grant; an unsubscribe holds for them', () => {
    const usLead: LeadCaptured = { ...lead, consentRegime: 'OPT_OUT', consents: [] };
    const us = run(startJourney('journey-o', 'o', usLead, T, policy).state, T, { type: 'QUALIFICATION_STARTED' });
    expect(us.consent).toEqual({ regime: 'OPT_OUT', granted: [], refused: [], awaitingConfirmation: [] });
    expect(decideCommunication(us, promotion, T, policy)).toEqual({ decision: 'ALLOWED' });
    const unsubscribed = run(us, T, { type: 'CONSENT_WITHDRAWN', channel: 'EMAIL', purpose: 'MARKETING' });
    expect(unsubscribed.consent.regime).toBe('OPT_OUT');
    expect(decideCommunication(unsubscribed, promotion, T, policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT', missingConsent: { channel: 'EMAIL', purpose: 'MARKETING' } });
  });

  it('a withdrawal for every channel withdraws the consent on each; a repeat changes nothing', () => {
    const withdrawn = applyJourneyEvent(qualifying, { type: 'CONSENT_WITHDRAWN', channel: 'ALL', purpose: 'MARKETING', at: T }, policy);
    expect(withdrawn.state.consent.granted.filter((k) => k.endsWith(':MARKETING'))).toEqual([]);
    expect(decideCommunication(withdrawn.state, promotion, T, policy)).toMatchObject({ decision: 'SUPPRESSED', reason: 'NO_CONSENT' });
    const again = applyJourneyEvent(withdrawn.state, { type: 'CONSENT_WITHDRAWN', channel: 'ALL', purpose: 'MARKETING', at: T }, policy);
    expect(again.state).toBe(withdrawn.state);
  });
});
