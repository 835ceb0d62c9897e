// The campaign rules that need no database: holdout draw, message ids, channel fallback, template
// language, pace, dealers' shares, the lift and its interval (against a hand-computed fixture), and
// the checks a campaign's templates get.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { campaignMessageId, inHoldout } from '../../campaigns/ids.js';
import { templateProblems } from '../../campaigns/templates.js';
import { segmentQuery } from '../../campaigns/segments.js';
import { channelAfter, liftOf, paceAfterPage, templateLanguageFor, tryNextChannel, withinDealerShare } from '../../domain/campaigns.js';

describe('holdout', () => {
  it('draws the same for the same campaign and customer, about the share asked for, none at 0 %', () => {
    const campaign = randomUUID();
    const customers = Array.from({ length: 20_000 }, () => randomUUID());
    const held = customers.filter((c) => inHoldout(campaign, c, 10));
    expect(held.length / customers.length).toBeGreaterThan(0.09);
    expect(held.length / customers.length).toBeLessThan(0.11);
    expect(customers.filter((c) => inHoldout(campaign, c, 10))).toEqual(held);
    expect(customers.some((c) => inHoldout(campaign, c, 0))).toBe(false);
    // Another campaign draws another group.
    const other = customers.filter((c) => inHoldout(randomUUID(), c, 10));
    expect(other).not.toEqual(held);
  });

  it("gives each campaign, customer and channel one message id, the same on every retry", () => {
    const [c, p] = [randomUUID(), randomUUID()];
    expect(campaignMessageId(c, p, 'EMAIL')).toBe(campaignMessageId(c, p, 'EMAIL'));
    expect(campaignMessageId(c, p, 'EMAIL')).not.toBe(campaignMessageId(c, p, 'SMS'));
    expect(campaignMessageId(c, p, 'EMAIL')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('channels, languages, pace', () => {
  it('tries the next channel only for what another channel can overcome', () => {
    expect(tryNextChannel('NO_CONTACT_DETAILS')).toBe(true);
    expect(tryNextChannel('NO_CONSENT')).toBe(true);
    expect(tryNextChannel('OPTED_OUT')).toBe(false);
    expect(tryNextChannel('ERASED')).toBe(false);
    expect(tryNextChannel('NOT_OWNER')).toBe(false);
    expect(channelAfter(['EMAIL', 'SMS'], 'EMAIL')).toBe('SMS');
    expect(channelAfter(['EMAIL', 'SMS'], 'SMS')).toBeNull();
  });

  it("picks the customer's own language, else their country's, when the campaign has it; else its default", () => {
    expect(templateLanguageFor({ language: null, country: 'AT' }, ['de', 'en'], 'en')).toBe('de');
    expect(templateLanguageFor({ language: 'en', country: 'AT' }, ['de', 'en'], 'de')).toBe('en');
    expect(templateLanguageFor({ language: 'fr', country: 'AT' }, ['de', 'en'], 'en')).toBe('de');
    expect(templateLanguageFor({ language: null, country: 'FR' }, ['de', 'en'], 'en')).toBe('en');
    expect(templateLanguageFor({ language: null, country: null }, ['de', 'en'], 'de')).toBe('de');
  });

  it('waits after a page for the time its messages are worth at the pace, less what it took', () => {
    expect(paceAfterPage(100, 3_600, 0)).toBe(100_000);
    expect(paceAfterPage(100, 3_600, 40_000)).toBe(60_000);
    expect(paceAfterPage(100, 3_600, 200_000)).toBe(0);
    expect(paceAfterPage(0, 3_600, 0)).toBe(0);
  });

  it("lets through at most each dealer's hourly share, customers without a dealer always", () => {
    const t = (dealerId: string | null) => ({ dealerId });
    const page = [t('A'), t('A'), t('B'), t(null), t('A'), t('B')];
    expect(withinDealerShare(page, new Map([['A', 1]]), 2)).toEqual([t('A'), t('B'), t(null), t('B')]);
    expect(withinDealerShare(page, new Map(), null)).toEqual(page);
  });
});

describe('lift', () => {
  it('matches a hand-computed fixture: 60 of 1,000 treated against 3 of 100 held out', () => {
    // p1 = 0.06, p0 = 0.03, se = √(0.06·0.94/1000 + 0.03·0.97/100) = 0.0186387, 1.96·se = 0.0365311
    const lift = liftOf({ customers: 1_000, converted: 60 }, { customers: 100, converted: 3 });
    expect(lift.treatmentRate).toBeCloseTo(0.06, 10);
    expect(lift.controlRate).toBeCloseTo(0.03, 10);
    expect(lift.lift).toBeCloseTo(0.03, 10);
    expect(lift.relativeLift).toBeCloseTo(1, 10);
    expect(lift.low).toBeCloseTo(-0.0065311, 6);
    expect(lift.high).toBeCloseTo(0.0665311, 6);
  });

  it('has no lift without a control group, and no relative lift when the control converted none', () => {
    expect(liftOf({ customers: 10, converted: 1 }, { customers: 0, converted: 0 })).toMatchObject({ lift: null, low: null, controlRate: null });
    expect(liftOf({ customers: 10, converted: 1 }, { customers: 10, converted: 0 })).toMatchObject({ lift: 0.1, relativeLift: null });
  });
});

describe("a campaign's templates", () => {
  it('take plain names the system or the campaign supplies; nothing else', () => {
    expect(templateProblems('Hello {{firstName}}, the {{model}} from {{senderName}}', { model: 'ID.2' })).toEqual([]);
    expect(templateProblems('Hello {{lastName}}', {})[0]).toMatch(/\{\{lastName\}\} is neither/);
    expect(templateProblems('{{#model}}x{{/model}}', { model: 'x' })[0]).toMatch(/no sections or partials/);
    expect(templateProblems('{{> footer}}', {})[0]).toMatch(/no sections or partials/);
    expect(templateProblems('Hello {{firstName', {})[0]).toMatch(/Unclosed tag/);
  });
});

describe('segment query', () => {
  it('is parameterised: values never enter the SQL', () => {
    const { where, values } = segmentQuery({ markets: ['de'], models: ["ID.3'; DROP TABLE journey; --"], consent: { channel: 'EMAIL', purpose: 'MARKETING' } });
    expect(where).not.toContain('DROP');
    expect(values).toEqual([['DE'], ["ID.3'; DROP TABLE journey; --"], 'EMAIL', 'MARKETING']);
    expect(where).toContain("j.stage <> 'ERASED'");
  });
});
