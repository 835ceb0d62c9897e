// Onboarding's pure parts: where a customer's record starts their journey (domain/onboarding.ts,
// startImportedJourney), what a record adds to a journey that exists (rules/onboarding.ts), and
// how a file's row is read (onboarding/customer-file.ts).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LeadCaptured } from '../../domain/lead.js';
import { placementOf, spreadSlot, withImportedConsents, type CustomerRecord } from '../../domain/onboarding.js';
import { DAY, DEFAULT_POLICY } from '../../domain/policy.js';
import { applyJourneyEvent, nextDeadline, startImportedJourney, startJourney, type JourneyEvent } from '../../domain/transitions.js';
import { dayOf, readCustomerFile, readCustomerRow, type CustomerRowValues } from '../../onboarding/customer-file.js';

const policy = DEFAULT_POLICY;
const AT = '2026-12-05T10:00:00.000Z';
const LATER = '2027-01-04T10:00:00.000Z';
const lead = (overrides: Partial<LeadCaptured> = {}): LeadCaptured => ({
  leadId: 'l1', source: 'CUSTOMER_IMPORT', hasEmail: true, hasPhone: false, hasPostalCode: true, receivedAt: AT, consentRegime: 'OPT_IN', consents: [], ...overrides,
});
const record = (overrides: Partial<CustomerRecord> = {}): CustomerRecord => ({
  importId: 'i1', row: 1, source: 'CRM', vehicles: [{ vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10', dealerId: 'd1' }],
  dealerId: 'd1', dealerActive: true, lastServiceOn: null, openInterest: false, notBefore: LATER, ...overrides,
});
const start = (r: CustomerRecord, l = lead()) => startImportedJourney('journey-c', 'c', { lead: l, record: r }, AT, policy);

describe('placementOf', () => {
  it('an owner with an active dealer is DEALER_OWNED; with the cycle over BACK_IN_MARKET; with no active dealer ESCALATED; without a car QUALIFYING', () => {
    expect(placementOf(record(), AT, policy)).toBe('DEALER_OWNED');
    expect(placementOf(record({ vehicles: [{ vin: 'V', model: 'M', soldOn: '2022-12-01', dealerId: 'd1' }] }), AT, policy)).toBe('BACK_IN_MARKET');
    expect(placementOf(record({ dealerActive: false }), AT, policy)).toBe('ESCALATED');
    expect(placementOf(record({ vehicles: [], openInterest: true }), AT, policy)).toBe('QUALIFYING');
    expect(placementOf(record({ vehicles: [] }), AT, policy)).toBe('QUALIFYING');
  });
  it('the newest car decides the cycle', () => {
    const cars = [{ vin: 'A', model: 'M', soldOn: '2018-01-01', dealerId: 'd1' }, { vin: 'B', model: 'M', soldOn: '2025-01-01', dealerId: 'd1' }];
    expect(placementOf(record({ vehicles: cars }), AT, policy)).toBe('DEALER_OWNED');
  });
});

describe('spreadSlot', () => {
  it('row n of N at (n-1)/N of the period from the import\'s start; no spread: all at the start', () => {
    const t0 = Date.parse(AT);
    expect(spreadSlot(t0, 30, 1, 4)).toBe(AT);
    expect(Date.parse(spreadSlot(t0, 30, 3, 4)) - t0).toBe(15 * DAY);
    expect(Date.parse(spreadSlot(t0, 30, 4, 4)) - t0).toBe(22.5 * DAY);
    expect(spreadSlot(t0, 0, 4, 4)).toBe(AT);
  });
});

describe('startImportedJourney', () => {
  it('an owner: DEALER_OWNED with the dealer, the ledger entry IMPORTED, the car on record as imported, no message and no survey due', () => {
    const { state, effects } = start(record({ lastServiceOn: '2026-06-01' }));
    expect(state).toMatchObject({
      stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: 'd1', preferredDealerId: 'd1', survey: null, revision: 1,
      vehicle: { vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10' },
      serviceReminderDueAt: new Date(Date.parse('2026-06-01T00:00:00Z') + policy.serviceReminderIntervalMs).toISOString(),
      ownershipCycleEndsAt: new Date(Date.parse('2024-05-10T00:00:00Z') + policy.ownershipCycleMs).toISOString(),
      imported: { importId: 'i1', source: 'CRM', at: AT },
    });
    expect(effects).toEqual([
      { type: 'STAGE_CHANGED', from: null, to: 'DEALER_OWNED' },
      { type: 'OWNER_CHANGED', from: null, to: { kind: 'DEALER', dealerId: 'd1' }, reason: 'IMPORTED: CRM', actor: 'import:i1' },
      { type: 'SALE_RECORDED', dealerId: 'd1', vehicle: { vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10' }, imported: true },
      { type: 'READ_MODEL_CHANGED' },
    ]);
    expect(effects.some((e) => e.type === 'CUSTOMER_MESSAGE_DUE' || e.type === 'CONSENT_CONFIRMATION_DUE')).toBe(false);
  });

  it('an overdue service reminder waits for the row\'s place in the spread; one not due yet keeps its date', () => {
    expect(start(record()).state.serviceReminderDueAt).toBe(LATER); // 2024-05-10 + a year is past
    expect(start(record({ lastServiceOn: '2026-11-01' })).state.serviceReminderDueAt).toBe('2027-11-01T00:00:00.000Z');
  });

  it('an owner whose cycle is over: owned until the row\'s place in the spread, then back in market with the dealer first', () => {
    const { state } = start(record({ vehicles: [{ vin: 'V', model: 'M', soldOn: '2020-01-01', dealerId: 'd1' }] }));
    expect(state).toMatchObject({ stage: 'DEALER_OWNED', ownershipCycleEndsAt: LATER });
    const back = applyJourneyEvent({ ...state, serviceReminderDueAt: '2099-01-01T00:00:00.000Z' }, { type: 'OWNERSHIP_CYCLE_ENDED', at: LATER }, policy);
    expect(back.state).toMatchObject({ stage: 'HANDED_OFF', owner: 'OEM', preferredDealerId: 'd1' });
    expect(back.effects).toContainEqual({ type: 'ROUTE_HANDOFF' });
  });

  it("an owner of a dealer we do not know: ESCALATED with the lead desk's task, the car kept", () => {
    const { state, effects } = start(record({ dealerId: 'dX', dealerActive: false }));
    expect(state).toMatchObject({ stage: 'ESCALATED', owner: 'OEM', dealerId: null, vehicle: { vin: 'WVWZZZ1JZXW000001' } });
    expect(effects).toContainEqual({ type: 'ESCALATED', reason: 'IMPORTED_DEALER_UNKNOWN: dealer dX is not an active dealer' });
    expect(nextDeadline(state)).toBeNull();
  });

  it('a prospect: QUALIFYING, scored when the row\'s place in the spread comes, with the dealer named preferred', () => {
    const { state, effects } = start(record({ vehicles: [], openInterest: true }));
    expect(state).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM', preferredDealerId: 'd1', handoffBlockedUntil: LATER, score: null });
    expect(effects.some((e) => e.type === 'SCORE_LEADS')).toBe(false);
    expect(nextDeadline(state)).toEqual({ at: LATER, event: 'HANDOFF_COOL_DOWN_ENDED' });
    const due = applyJourneyEvent(state, { type: 'HANDOFF_COOL_DOWN_ENDED', at: LATER }, policy);
    expect(due.effects).toContainEqual({ type: 'SCORE_LEADS' });
    // Without interest: nurtured, no timer.
    expect(nextDeadline(start(record({ vehicles: [] })).state)).toBeNull();
  });

  it("imported consents are in force as the OEM's records say: no confirmation is asked (nothing is sent)", () => {
    const { state, effects } = start(record(), lead({ consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }, { channel: 'SMS', purpose: 'MARKETING', granted: false }] }));
    expect(state.consent).toEqual({ regime: 'OPT_IN', granted: ['EMAIL:MARKETING'], refused: ['SMS:MARKETING'], awaitingConfirmation: [] });
    expect(effects.some((e) => e.type === 'CONSENT_CONFIRMATION_DUE')).toBe(false);
  });

  it("a company's cars are its fleet, each driven by the row's person", () => {
    const contact = { contactId: 'p1', role: 'DRIVER' as const, hasEmail: true, hasPhone: false };
    const { state, effects } = start(record(), lead({ account: { contact } }));
    expect(state.fleet).toEqual([{ vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10', driverId: 'p1' }]);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'SALE_RECORDED', driverId: 'p1', imported: true }));
  });
});

describe('CUSTOMER_IMPORTED on a journey that exists', () => {
  const known = startJourney('journey-c', 'c', lead({ leadId: 'l0', source: 'WEB_FORM', consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: false }] }), AT).state;
  const event = (over: Partial<CustomerRecord> = {}, l = lead()): JourneyEvent => ({ type: 'CUSTOMER_IMPORTED', lead: l, record: record(over), at: LATER });

  it('adds the record as a lead, its car and the consents it does not know; the stage, the owner and a refusal stay', () => {
    const { state, effects } = applyJourneyEvent(known, event({}, lead({ consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }, { channel: 'POST', purpose: 'MARKETING', granted: true }] })), policy);
    expect(state).toMatchObject({ stage: 'CAPTURED', owner: 'OEM', leadCount: 2, lastLeadSource: 'WEB_FORM', vehicle: { vin: 'WVWZZZ1JZXW000001' } });
    expect(state.consent.refused).toContain('EMAIL:MARKETING');
    expect(state.consent.granted).toEqual(['POST:MARKETING']);
    expect(effects).toContainEqual({ type: 'SALE_RECORDED', dealerId: 'd1', vehicle: { vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10' }, imported: true });
  });

  it('the same row again changes nothing; a car the journey has is not recorded twice', () => {
    const once = applyJourneyEvent(known, event(), policy).state;
    expect(applyJourneyEvent(once, event(), policy)).toEqual({ state: once, effects: [] });
    const again = applyJourneyEvent(once, event({}, lead({ leadId: 'l2' })), policy);
    expect(again.effects.filter((e) => e.type === 'SALE_RECORDED')).toEqual([]);
  });

  it("a later row of the same file brings the first car to the prospect it started (a company's driver after its fleet manager): placed as the owner with the dealer", () => {
    const contact = { contactId: 'p2', role: 'DRIVER' as const, hasEmail: true, hasPhone: false };
    const manager = start(record({ vehicles: [], openInterest: true }), lead({ account: { contact: { ...contact, contactId: 'p1', role: 'DECISION_MAKER' } } })).state;
    expect(manager).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM' });
    const driver = applyJourneyEvent(manager, { ...event({}, lead({ leadId: 'l2', account: { contact } })), at: AT }, policy);
    expect(driver.state).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: 'd1', preferredDealerId: 'd1', handoffBlockedUntil: null, vehicle: { vin: 'WVWZZZ1JZXW000001' } });
    expect(driver.state.ownershipCycleEndsAt).toBe(start(record()).state.ownershipCycleEndsAt);
    expect(driver.effects).toEqual(expect.arrayContaining([
      { type: 'STAGE_CHANGED', from: 'QUALIFYING', to: 'DEALER_OWNED' },
      { type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'DEALER', dealerId: 'd1' }, reason: 'IMPORTED: CRM', actor: 'import:i1' },
    ]));
    // Another file's row, or a journey that did not start from this file, is not moved: what stands stays.
    expect(applyJourneyEvent(manager, { ...event({ importId: 'i2' }, lead({ leadId: 'l3' })), at: AT }, policy).state.stage).toBe('QUALIFYING');
    expect(applyJourneyEvent(known, event(), policy).state.stage).toBe('CAPTURED');
  });

  it('withImportedConsents: a consent waiting for its confirmation click is not overridden', () => {
    const waiting = { regime: 'OPT_IN' as const, granted: [], refused: [], awaitingConfirmation: [{ key: 'EMAIL:MARKETING' as const, until: LATER, requestedAt: AT }] };
    expect(withImportedConsents(waiting, 'OPT_IN', [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true }])).toEqual(waiting);
  });
});

describe('a row of the customer file', () => {
  const read = (values: CustomerRowValues) => readCustomerRow(values, { importSource: 'CRM', today: '2026-12-05' });

  it('reads an owner with the proof of a consent as a CUSTOMER_IMPORT lead with the facts of the record', () => {
    const reading = read({
      externalId: 'K-1', firstName: 'Anna', lastName: 'Adler', email: 'anna@example.com', country: 'de', emailMarketing: 'ja',
      consentWording: 'crm-2023', consentSource: 'contract', consentDate: '10.05.2024', vin: 'wvwzzz1jzxw000001', model: 'ID.4',
      purchaseDate: '2024-05-10', sellingDealer: 'd1', lastServiceDate: '01.06.2026', language: 'DE',
    });
    expect(reading).toMatchObject({
      lead: {
        source: 'CUSTOMER_IMPORT', event: 'CRM', contact: { email: 'anna@example.com', country: 'DE' },
        consents: [{ channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'crm-2023', method: 'IMPORTED', capturedAt: '2024-05-10T00:00:00.000Z', source: 'contract' }],
      },
      facts: {
        externalId: 'K-1', vehicle: { vin: 'WVWZZZ1JZXW000001', model: 'ID.4', soldOn: '2024-05-10', sellingDealerId: 'd1' },
        servicingDealerId: null, lastServiceOn: '2026-06-01', openInterest: false, language: 'de', notes: [],
      },
    });
  });

  it('a consent without its proof is not imported, and the row says so; a refusal counts without proof', () => {
    const reading = read({ email: 'a@example.com', emailMarketing: 'yes', smsMarketing: 'nein' });
    expect(reading).toMatchObject({ lead: { consents: [{ channel: 'SMS', granted: false, method: 'IMPORTED' }] }, facts: { notes: [expect.stringMatching(/^emailMarketing: a consent without its proof/)] } });
  });

  it('a prospect has open interest', () => {
    expect(read({ email: 'a@example.com', interestModel: 'ID.3', timeframe: 'within 3 months' })).toMatchObject({
      lead: { interest: { model: 'ID.3', timeframe: 'WITHIN_3_MONTHS' } }, facts: { openInterest: true, vehicle: null },
    });
  });

  it('refuses a row naming the column at fault', () => {
    const car = { email: 'a@example.com', vin: 'WVWZZZ1JZXW000001', model: 'Golf', purchaseDate: '2024-01-01', sellingDealer: 'd1' };
    expect(read({ ...car, vin: 'WVWZZZ1JZXW00000O' })).toMatchObject({ field: 'vin' });
    expect(read({ ...car, vin: undefined })).toMatchObject({ field: 'vin', reason: 'a vehicle needs its VIN' });
    expect(read({ ...car, model: undefined })).toMatchObject({ field: 'model' });
    expect(read({ ...car, purchaseDate: '2027-01-01' })).toMatchObject({ field: 'purchaseDate' });
    expect(read({ ...car, sellingDealer: undefined })).toMatchObject({ field: 'sellingDealer' });
    expect(read({ ...car, lastServiceDate: 'soon' })).toMatchObject({ field: 'lastServiceDate' });
    expect(read({ firstName: 'Otto' })).toMatchObject({ field: 'email/phone' });
    expect(read({ email: 'not an address' })).toMatchObject({ field: 'email' });
    expect(read({ email: 'a@example.com', timeframe: 'someday' })).toMatchObject({ field: 'timeframe' });
    expect(read({ email: 'a@example.com', vatId: 'DE123456789' })).toMatchObject({ field: 'company' });
    expect(read({ email: 'a@example.com', emailMarketing: 'maybe' })).toMatchObject({ field: 'emailMarketing' });
    expect(read({ email: 'a@example.com', language: 'Deutsch' })).toMatchObject({ field: 'language', reason: '"Deutsch" is not a language code (ISO 639-1: de, en, fr…)' });
    expect(read({ ...car, model: 'Golf\u0007' })).toMatchObject({ field: 'model', reason: 'must not contain control characters' });
  });

  it('dayOf: YYYY-MM-DD or DD.MM.YYYY, a real past day', () => {
    expect(dayOf('2024-02-29', '2026-12-05')).toBe('2024-02-29');
    expect(dayOf('1.2.2024', '2026-12-05')).toBe('2024-02-01');
    expect(dayOf('2023-02-29', '2026-12-05')).toBeNull();
    expect(dayOf('2026-12-06', '2026-12-05')).toBeNull();
    expect(dayOf('1949-12-31', '2026-12-05')).toBeNull();
  });
});

describe('readCustomerFile', () => {
  const rows = async (content: string, format: 'CSV' | 'JSONL' = 'CSV', chunk = 7) => {
    // Small chunks, as a slow upload arrives: a row and the header line split anywhere.
    const parts = content.match(new RegExp(`[\\s\\S]{1,${chunk}}`, 'g')) ?? [];
    const reader = readCustomerFile(Readable.from(parts.map((p) => Buffer.from(p))), format);
    const out = [];
    for await (const r of reader.rows) out.push(r);
    return { out, ignored: reader.ignoredColumns() };
  };

  it('reads CSV with the separator of its header line, a BOM, quotes and German headers; names the columns it ignores', async () => {
    const { out, ignored } = await rows('\uFEFFE-Mail;Nachname;Fahrgestellnummer;Lieblingsfarbe\r\n"anna@example.com";"Adler; geb. Berg";WVW1;blau\r\n\r\nbernd@example.com;Berg;;\n');
    expect(out).toEqual([
      { row: 1, values: { email: 'anna@example.com', lastName: 'Adler; geb. Berg', vin: 'WVW1' } },
      { row: 2, values: { email: 'bernd@example.com', lastName: 'Berg' } },
    ]);
    expect(ignored).toEqual(['Lieblingsfarbe']);
  });

  it('reads JSON lines, and refuses a line that is not an object by its number', async () => {
    expect((await rows('{"email":"a@example.com","FIN":"X"}\n\n{"Telefon":"+49301234567"}\n', 'JSONL')).out).toEqual([
      { row: 1, values: { email: 'a@example.com', vin: 'X' } }, { row: 2, values: { phone: '+49301234567' } },
    ]);
    await expect(rows('{"email":"a@example.com"}\n[1]\n', 'JSONL')).rejects.toThrow('line 2 is not a JSON object');
  });

  it('a file refused at its header stops reading there, however much follows', async () => {
    async function* endless() {
      yield Buffer.from('Vorname;Nachname\n');
      for (;;) yield Buffer.from('Anna;Adler\n'.repeat(1000));
    }
    const reader = readCustomerFile(Readable.from(endless()), 'CSV');
    await expect(reader.rows[Symbol.asyncIterator]().next()).rejects.toThrow(/no e-mail or phone column/);
  });

  it('refuses a row too long to be a customer', async () => {
    await expect(rows(`email\n${'a'.repeat(70_000)}@example.com\n`, 'CSV', 5_000)).rejects.toThrow(/not readable as CSV/);
    await expect(rows(`{"email":"${'a'.repeat(70_000)}"}\n`, 'JSONL', 5_000)).rejects.toThrow(/line 1 is longer than/);
  });

  it('refuses a file without a way to reach anyone, or without rows', async () => {
    await expect(rows('Vorname;Nachname\nAnna;Adler\n')).rejects.toThrow(/no e-mail or phone column/);
    await expect(rows('email\n')).rejects.toThrow('the file has no rows');
    await expect(rows('', 'JSONL')).rejects.toThrow('the file has no rows');
  });
});
