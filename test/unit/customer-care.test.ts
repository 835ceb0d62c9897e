import { describe, expect, it } from 'vitest';
import { timelineOf } from '../../care/customer-360.js';
import { containsPattern, parseCustomerQuery } from '../../domain/customer-search.js';
import { netPromoterScore, outcomeOf } from '../../domain/surveys.js';
import { brandOf, languageOf, legalFooterOf, missingTranslations, templateText, type Brand } from '../../domain/brands.js';
import { brandTemplateProblem } from '../../communications/templates.js';

describe('parseCustomerQuery: what an agent typed', () => {
  it.each([
    ['WVWZZZ1JZXW000001', { kind: 'VIN', vin: 'WVWZZZ1JZXW000001' }],
    ['wvwzzz1jzxw000001', { kind: 'VIN', vin: 'WVWZZZ1JZXW000001' }],
    ['Anna.Schmidt@Example.com', { kind: 'EMAIL', part: 'anna.schmidt@example.com' }],
    ['anna.schmidt@', { kind: 'EMAIL', part: 'anna.schmidt@' }],
    ['+49 170 1234567', { kind: 'PHONE', digits: '491701234567' }],
    ['0049 (170) 123-4567', { kind: 'PHONE', digits: '491701234567' }],
    ['0170/1234567', { kind: 'PHONE', digits: '1701234567' }],
    ['1234567', { kind: 'PHONE', digits: '1234567' }],
    ['DE 123 456 789', { kind: 'VAT_ID', vatId: 'DE123456789' }],
    ['ATU12345678', { kind: 'VAT_ID', vatId: 'ATU12345678' }],
    ['Schmidt1234', { kind: 'WORDS', words: ['schmidt1234'] }],
    ['  Anna   SCHMIDT ', { kind: 'WORDS', words: ['anna', 'schmidt'] }],
    ['Schmidt 80331', { kind: 'WORDS', words: ['schmidt', '80331'] }],
    ['80331', { kind: 'WORDS', words: ['80331'] }],
    ['Li Wei', { kind: 'WORDS', words: ['li', 'wei'] }],
    ['müller müller', { kind: 'WORDS', words: ['müller'] }],
  ])('%s', (typed, expected) => {
    expect(parseCustomerQuery(typed)).toEqual(expected);
  });

  it.each([
    ['a', 'type at least 2 characters'],
    ['   ', 'type at least 2 characters'],
    ['Li Yu', 'one word of at least 3 characters, e.g. a last name'],
    ['%_%', 'one word of at least 3 characters, e.g. a last name'],
    ['x'.repeat(101), 'at most 100 characters'],
    ['a b c d e f g', 'at most 6 words'],
    ['@ ', 'type at least 2 characters'],
    ['a@', 'at least 3 characters of the e-mail address'],
  ])('%s is refused', (typed, problem) => {
    expect(parseCustomerQuery(typed)).toEqual({ problem });
  });

  it('takes LIKE\'s own characters literally', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});

describe('timelineOf: one story, newest first', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));
  const records = {
    leads: [{ receivedAt: at(0), source: 'WEB_FORM', interestModel: 'ID.7', campaign: null, event: null, merged: false }],
    handoffs: [{ at: at(1), dealerId: 'D1', kind: 'OFFERED', reason: null }, { at: at(2), dealerId: 'D1', kind: 'ACCEPTED', reason: null }],
    ownership: [{ at: at(2), fromOwner: 'OEM', fromDealerId: null, toOwner: 'DEALER_SALES', toDealerId: 'D1', reason: 'HANDOFF_ACCEPTED', actor: 'dealer:D1' }],
    sales: [{ at: at(3), model: 'ID.7', vin: 'WVWZZZ1JZXW000001', dealerId: 'D1', soldOn: at(3), imported: false }],
    aftersales: [{ at: at(5), kind: 'COMPLAINT_OPENED', dealerId: 'D1', ref: 'care-1' }],
    communications: [{
      createdAt: at(4), purpose: 'PROMOTION', channel: 'EMAIL', senderDealerId: null, status: 'SUPPRESSED', templateId: 'model-launch', reason: 'NO_CONSENT',
      log: [{ kind: 'DECISION', decision: 'SUPPRESSED', reason: 'NO_CONSENT', transport: null, outcome: null }],
    }],
    consents: [{ capturedAt: at(4), channel: 'EMAIL', purpose: 'MARKETING', granted: false, method: 'PHONE', wordingId: 'script-1', source: null, recordedBy: 'oem:cora' }],
    tasks: [{ createdAt: at(5), assignee: 'D1', kind: 'COMPLAINT_FOLLOW_UP', status: 'OPEN', detail: null, dueAt: at(50) }],
  } as unknown as Parameters<typeof timelineOf>[0];

  it('merges every kind of record, newest first, later records first within a minute', () => {
    const timeline = timelineOf(records);
    expect(timeline.map((e) => [e.kind, e.title])).toEqual([
      ['TASK', 'Task for D1: complaint follow up (open)'],
      ['COMPLAINT', 'Complaint opened at D1'],
      ['CONSENT', 'email marketing: withdrawn'],
      ['MESSAGE', 'promotion by email from the OEM: suppressed'],
      ['VEHICLE', 'Sale: ID.7 WVWZZZ1JZXW000001'],
      ['OWNER', 'Owner: OEM → sales at D1'],
      ['OFFER', 'Offer to D1: accepted'],
      ['OFFER', 'Offer to D1: offered'],
      ['LEAD', 'Lead from web form'],
    ]);
    expect(timeline.find((e) => e.kind === 'CONSENT')!.detail).toBe('phone · wording script-1 · taken down by oem:cora');
    expect(timeline.find((e) => e.kind === 'MESSAGE')!.detail).toBe('model-launch · NO_CONSENT · decided SUPPRESSED · NO_CONSENT');
  });
});

describe('surveys: the answer and what follows it', () => {
  it.each([[0, 'DETRACTOR'], [6, 'DETRACTOR'], [7, 'PASSIVE'], [8, 'PASSIVE'], [9, 'PROMOTER'], [10, 'PROMOTER']] as const)('%i is a %s', (score, outcome) => {
    expect(outcomeOf(score)).toBe(outcome);
  });
  it('the NPS is promoters minus detractors per hundred answers, whole; none without answers', () => {
    expect(netPromoterScore({ answers: 0, promoters: 0, detractors: 0 })).toBeNull();
    expect(netPromoterScore({ answers: 3, promoters: 2, detractors: 1 })).toBe(33);
    expect(netPromoterScore({ answers: 2, promoters: 0, detractors: 2 })).toBe(-100);
    expect(netPromoterScore({ answers: 4, promoters: 1, detractors: 1 })).toBe(0);
  });
});

describe('brands: who speaks, in which language, with which words', () => {
  const brand = (id: string, isDefault = false): Brand => ({
    brandId: id, name: id, defaultLanguage: 'de', senderName: id, senderAddress: `${id}@x.example`, isDefault,
    texts: { de: { legalFooter: 'DE footer', templates: { 'model-launch': { subject: 'Neu', text: 'Hallo' } } }, en: { legalFooter: 'EN footer' } },
  });
  const builtIn = { subject: 'New', text: 'Hello' };
  it("the dealer's first brand with a record, else the default brand, else none", () => {
    expect(brandOf([brand('VW'), brand('AUDI', true)], ['SEAT', 'VW'])!.brandId).toBe('VW');
    expect(brandOf([brand('VW'), brand('AUDI', true)], ['SEAT'])!.brandId).toBe('AUDI');
    expect(brandOf([brand('VW')], null)).toBeNull();
  });
  it("the customer's language, else their country's, else the brand's", () => {
    expect(languageOf({ language: 'fr', country: 'DE' }, brand('VW'))).toBe('fr');
    expect(languageOf({ language: null, country: 'AT' }, brand('VW'))).toBe('de');
    expect(languageOf({ language: null, country: 'ZZ' }, brand('VW'))).toBe('de');
    expect(languageOf({ language: null, country: null }, null)).toBe('en');
  });
  it('a text in the language, else the default language (a fallback), else the built-in; the footer likewise', () => {
    expect(templateText(brand('VW'), 'de', 'model-launch', builtIn)).toEqual({ value: { subject: 'Neu', text: 'Hallo' }, language: 'de', fellBack: false });
    expect(templateText(brand('VW'), 'en', 'model-launch', builtIn)).toEqual({ value: { subject: 'Neu', text: 'Hallo' }, language: 'de', fellBack: true });
    expect(templateText(brand('VW'), 'de', 'sales-follow-up', builtIn)).toEqual({ value: builtIn, language: 'en', fellBack: true });
    expect(templateText(null, 'en', 'model-launch', builtIn)).toEqual({ value: builtIn, language: 'en', fellBack: false });
    expect(legalFooterOf(brand('VW'), 'en')).toEqual({ value: 'EN footer', language: 'en', fellBack: false });
    expect(legalFooterOf(brand('VW'), 'it')).toEqual({ value: 'DE footer', language: 'de', fellBack: true });
    expect(missingTranslations(brand('VW'))).toEqual([{ language: 'en', key: 'templates.model-launch' }]);
  });
  it("a brand's words use only the template's names, no sections", () => {
    expect(brandTemplateProblem('model-launch', 'Der {{model}}: {{offer}}, {{firstName}}, {{senderName}}')).toBeNull();
    expect(brandTemplateProblem('model-launch', 'Your {{vin}}')).toMatch(/\{\{vin\}\} is not a name/);
    expect(brandTemplateProblem('model-launch', '{{#model}}x{{/model}}')).toMatch(/only plain/);
    expect(brandTemplateProblem('model-launch', '{{model')).toMatch(/does not parse/);
  });
});
