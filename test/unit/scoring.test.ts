import { describe, expect, it } from 'vitest';
import type { LeadCaptured } from '../../domain/lead.js';
import { DAY } from '../../domain/policy.js';
import { scoreLeads } from '../../domain/scoring.js';

const NOW = '2026-06-01T00:00:00.000Z';
const daysAgo = (n: number) => new Date(Date.parse(NOW) - n * DAY).toISOString();
const lead = (over: Partial<LeadCaptured> = {}): LeadCaptured => ({
  leadId: Math.random().toString(36), source: 'WEB_FORM', hasEmail: true, hasPhone: false, hasPostalCode: false, receivedAt: daysAgo(0), consentRegime: 'OPT_OUT', consents: [], ...over,
});
const score = (leads: LeadCaptured[]) => scoreLeads(leads, NOW, 90 * DAY).score;

describe('scoreLeads', () => {
  it('is 0 without leads', () => {
    expect(score([])).toBe(0);
  });

  it('adds source, timeframe, model and completeness, each with its reason', () => {
    const result = scoreLeads([lead({ source: 'PHONE', timeframe: 'NOW', interestModel: 'ID.7', hasPhone: true, hasPostalCode: true })], NOW, 90 * DAY);
    expect(result.parts).toEqual([
      { reason: 'source PHONE', points: 25 },
      { reason: 'timeframe NOW', points: 35 },
      { reason: 'named a model', points: 10 },
      { reason: 'e-mail', points: 5 },
      { reason: 'phone', points: 10 },
      { reason: 'postal code', points: 5 },
    ]);
    expect(result.score).toBe(90);
  });

  it('ranks a buyer who wants a car now above one who will buy later', () => {
    expect(score([lead({ timeframe: 'NOW' })])).toBeGreaterThan(score([lead({ timeframe: 'LATER' })]));
  });

  it('ranks a complete contact above a bare e-mail', () => {
    expect(score([lead({ hasPhone: true, hasPostalCode: true })])).toBeGreaterThan(score([lead()]));
  });

  it('rewards repeat interest inside the window, capped, and ignores old leads', () => {
    const one = score([lead()]);
    expect(score([lead({ receivedAt: daysAgo(10) }), lead()])).toBe(one + 10);
    expect(score([lead({ receivedAt: daysAgo(30) }), lead({ receivedAt: daysAgo(20) }), lead({ receivedAt: daysAgo(10) }), lead()])).toBe(one + 20);
    expect(score([lead({ receivedAt: daysAgo(400) }), lead()])).toBe(one);
  });

  it('keeps the latest stated timeframe and the best source', () => {
    const result = scoreLeads([lead({ source: 'DEALER_WALKIN', timeframe: 'LATER' }), lead({ source: 'ROADSHOW', timeframe: 'WITHIN_3_MONTHS' })], NOW, 90 * DAY);
    expect(result.parts).toContainEqual({ reason: 'source DEALER_WALKIN', points: 30 });
    expect(result.parts).toContainEqual({ reason: 'timeframe WITHIN_3_MONTHS', points: 25 });
  });

  it('never exceeds 100', () => {
    const hot = lead({ source: 'DEALER_WALKIN', timeframe: 'NOW', interestModel: 'X', hasPhone: true, hasPostalCode: true });
    expect(score([hot, { ...hot, leadId: 'b' }, { ...hot, leadId: 'c' }])).toBe(100);
  });
});

describe('scoreLeads with changed contact details', () => {
  it('counts a phone number added after the lead', () => {
    const withoutPhone = scoreLeads([lead()], NOW, 90 * DAY).score;
    expect(scoreLeads([lead()], NOW, 90 * DAY, { hasEmail: true, hasPhone: true, hasPostalCode: false }).score).toBe(withoutPhone + 10);
  });
});

describe('scoreLeads with engagement', () => {
  it('adds 5 per engagement, at most 15', () => {
    const base = scoreLeads([lead()], NOW, 90 * DAY).score;
    expect(scoreLeads([lead()], NOW, 90 * DAY, null, 2).score).toBe(base + 10);
    expect(scoreLeads([lead()], NOW, 90 * DAY, null, 9).score).toBe(base + 15);
  });
});
