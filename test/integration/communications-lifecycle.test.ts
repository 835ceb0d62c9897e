// The story contact arbitration exists for, and quiet hours, on the time-skipping
// server: days and months pass in seconds; the API, worker and database are real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { consentLinks } from '../../consent/links.js';
import { DEV_CONSENT_LINK_SECRET } from '../../platform/config.js';
import { randomInt } from 'node:crypto';
import { DAY, DEFAULT_POLICY, MINUTE, type JourneyPolicy } from '../../domain/policy.js';
import { vinCheckDigit } from '../../domain/vehicles.js';
import { acceptHandoffUpdate, journeyStateQuery, recordSaleUpdate } from '../../workflows/definitions.js';
import { recordHistoryFixture } from '../support/histories.js';
import { apiCaller, createTestKey, eventually, silentLog, type ApiCaller } from '../support/system.js';
import { startHotJourney, startTimeSkippingSystem, stateOf, type TimeSkippingSystem } from '../support/time-skipping.js';

let sys: TimeSkippingSystem;
let app: Awaited<ReturnType<typeof buildApp>>;
let api: ApiCaller;

beforeAll(async () => {
  sys = await startTimeSkippingSystem();
  app = await buildApp({ db: sys.db, temporal: sys.env.client, log: silentLog });
  api = apiCaller(app, await createTestKey(sys.db));
});
afterAll(async () => {
  await app?.close();
  await sys?.stop();
});

// Customers here are in the US (opt-out law): these tests are about cool-downs, caps and quiet
// hours, not about the opt-in a German customer would first have to confirm (consent.test.ts).
const US = { country: 'US' };
const promotion = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: 'spring sale' } };
const vehicle = { vin: 'WVWZZZE1ZRP000999', model: 'ID.7', soldOn: '2026-11-22' };

/** Minutes after midnight in Berlin, in the test server's time. */
async function berlinMinute(): Promise<number> {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(await sys.env.currentTimeMs()));
  return Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
}

/**
 * A customer who just bought from their dealer. Quiet hours off: whatever hour the skipped
 * clock lands on, the rule under test is what decides.
 */
async function soldJourney(sold = vehicle) {
  const journey = await startHotJourney({ ...sys, intake: sys.intakeWith({ ...DEFAULT_POLICY, quietHoursStartMinute: 0, quietHoursEndMinute: 0 }) }, 1, US);
  const { journeyId, handle, dealerId } = journey;
  await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
  await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId }] });
  const state = await handle.executeUpdate(recordSaleUpdate, { args: [{ dealerId, vehicle: sold }] });
  return { ...journey, sold: state };
}

describe('contact arbitration over time (time-skipped)', () => {
  it('sale → OEM promotion two days later SUPPRESSED (POST_PURCHASE_COOL_DOWN) → after the cool-down ALLOWED and sent', async () => {
    const { customerId, handle, sold } = await soldJourney();

    await sys.env.sleep(2 * DAY);
    const early = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: promotion });
    expect(early.statusCode, early.body).toBe(200);
    expect(early.json()).toMatchObject({ decision: 'SUPPRESSED', reason: 'POST_PURCHASE_COOL_DOWN' });

    await sys.env.sleep(Date.parse(sold.promotionsBlockedUntil!) - (await sys.env.currentTimeMs()) + DAY);
    const later = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: promotion });
    expect(later.json()).toMatchObject({ decision: 'ALLOWED' });

    const promotions = await eventually(async () => {
      const list = (await api({ method: 'GET', url: `/v1/customers/${customerId}/communications` })).json().items
        .filter((i: { purpose: string }) => i.purpose === 'PROMOTION');
      return list[0]?.status === 'SENT' ? list : undefined;
    });
    expect(promotions.map((i: { status: string; reason: string | null }) => [i.status, i.reason])).toEqual([['SENT', null], ['SUPPRESSED', 'POST_PURCHASE_COOL_DOWN']]);
    await recordHistoryFixture(handle, 'journey-cool-down-promotion');
  });

  it('quiet hours: DEFERRED, held by the journey, sent when the quiet hours end in the customer time zone', async () => {
    // Quiet hours around the current Berlin time: from an hour ago until two hours from now.
    const m = await berlinMinute();
    const policy: JourneyPolicy = { ...DEFAULT_POLICY, quietHoursStartMinute: (m + 1380) % 1440, quietHoursEndMinute: (m + 120) % 1440 };
    const { customerId, journeyId, handle } = await startHotJourney({ ...sys, intake: sys.intakeWith(policy) }, 1, US);
    await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF');

    const res = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'TRANSACTIONAL', channel: 'EMAIL', templateId: 'appointment-confirmation', variables: { date: 'tomorrow' } } });
    expect(res.json().decision).toBe('ALLOWED'); // transactional messages ignore quiet hours
    const held = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: promotion });
    expect(held.json()).toMatchObject({ decision: 'DEFERRED', reason: 'QUIET_HOURS' });
    const until = Date.parse(held.json().until);
    const expectedEnd = (await sys.env.currentTimeMs()) + 120 * MINUTE;
    expect(Math.abs(until - expectedEnd)).toBeLessThan(2 * MINUTE);
    await recordHistoryFixture(handle, 'journey-message-deferred');

    await sys.env.sleep(until - (await sys.env.currentTimeMs()) + MINUTE);
    const sent = await eventually(async () => {
      const row = await sys.db.communication.findUniqueOrThrow({ where: { id: held.json().communicationId }, include: { log: { orderBy: { at: 'asc' } } } });
      return row.status === 'SENT' ? row : undefined;
    });
    const decisions = sent.log.filter((l) => l.kind === 'DECISION');
    expect(decisions.map((d) => d.decision)).toEqual(['DEFERRED', 'ALLOWED']);
    // Decided again at the end of the quiet hours (journey time), then sent.
    expect(decisions[1]!.at.getTime() - until).toBeGreaterThanOrEqual(0);
    expect(decisions[1]!.at.getTime() - until).toBeLessThan(1_000); // the journey's timer, to the second
    // (Attempts are stamped with the worker's wall clock, which the test server does not skip.)
    expect(sent.log.filter((l) => l.kind === 'SEND_ATTEMPT')).toEqual([expect.objectContaining({ outcome: 'SENT', transport: 'log' })]);
    expect((await handle.query(journeyStateQuery)).communications?.deferred).toEqual([]);
  });
});

describe('deferred messages across continue-as-new (time-skipped)', () => {
  it('a message deferred past the end of the ownership cycle is carried into the next run and decided there', async () => {
    const { customerId, handle, sold } = await soldJourney();
    const firstRun = (await handle.describe()).runId;

    // The OEM schedules a survey for a day after the customer is back in market.
    const notBefore = new Date(Date.parse(sold.ownershipCycleEndsAt!) + DAY).toISOString();
    const held = await api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: { purpose: 'SURVEY', channel: 'EMAIL', templateId: 'satisfaction-survey', variables: { surveyUrl: 'https://example.com/s' }, notBefore } });
    expect(held.json()).toMatchObject({ decision: 'DEFERRED', reason: 'NOT_BEFORE', until: notBefore });

    await sys.env.sleep(Date.parse(notBefore) - (await sys.env.currentTimeMs()) + MINUTE);
    const row = await eventually(async () => {
      const r = await sys.db.communication.findUniqueOrThrow({ where: { id: held.json().communicationId } });
      return r.status !== 'DEFERRED' ? r : undefined;
    }, 30_000);
    expect((await handle.describe()).runId).not.toBe(firstRun); // a new chapter (run) decided it
    // Back in market the customer is the OEM's again, offered to their dealer: the OEM may ask.
    expect(row.status).toBe('SENT');
  });
});

describe("the journey's own messages (time-skipped)", () => {
  it('the sale survey and the yearly service reminder go out from the dealer, through arbitration', async () => {
    const { customerId, journeyId, handle, dealerId } = await soldJourney();

    await sys.env.sleep(8 * DAY);
    const survey = await eventually(async () => (await sys.db.communication.findFirst({ where: { customerId, purpose: 'SURVEY', status: 'SENT' } })) ?? undefined, 30_000);
    expect(survey).toMatchObject({ senderKind: 'DEALER', senderDealerId: dealerId, requestedBy: 'journey', templateId: 'satisfaction-survey' });
    // Its link opens the survey's own page for this customer and this message (signed: docs/customer-care.md).
    const surveyUrl = new URL((survey.variables as { surveyUrl: string }).surveyUrl);
    expect(surveyUrl.pathname).toBe('/survey');
    expect(await consentLinks({ secret: DEV_CONSENT_LINK_SECRET, publicApiUrl: 'http://127.0.0.1:3000' }).readSurvey(surveyUrl.searchParams.get('token')!))
      .toEqual({ customerId, communicationId: survey.id });
    // The database attributed it to the customer's lead when it was sent (the scorecard's feedback by source).
    expect(survey.leadId).toBe((await sys.db.lead.findFirstOrThrow({ where: { customerId } })).id);

    await sys.env.sleep(360 * DAY);
    const reminder = await eventually(async () => (await sys.db.communication.findFirst({ where: { customerId, purpose: 'SERVICE_REMINDER' } })) ?? undefined, 30_000);
    expect(reminder).toMatchObject({ senderDealerId: dealerId, variables: { model: vehicle.model, bookingUrl: expect.any(String) } });
    // The to-do list keeps its entries too.
    expect(await sys.db.journeyTask.count({ where: { journeyId, kind: { in: ['SURVEY', 'SERVICE_REMINDER'] } } })).toBeGreaterThanOrEqual(2);
    await recordHistoryFixture(handle, 'journey-own-messages');
  });
});

describe('the connected car (time-skipped)', () => {
  /** A US VIN of this test's own (the sale record finds the journey by VIN), its check digit right. */
  function usVin(): string {
    const serial = String(randomInt(100_000, 999_999));
    const draft = `1M8GDM9A0KP${serial}`;
    return `${draft.slice(0, 8)}${vinCheckDigit(draft)}${draft.slice(9)}`;
  }

  it("the car says service is due: the dealer's reminder goes out that day, and the yearly one counts from then", async () => {
    const car = { ...vehicle, vin: usVin() };
    const { customerId, handle, dealerId } = await soldJourney(car);
    const reminders = () => sys.db.communication.count({ where: { customerId, purpose: 'SERVICE_REMINDER' } });

    // Seven months on, the car reports its service due.
    await sys.env.sleep(210 * DAY);
    const due = await api({ method: 'POST', url: `/v1/vehicles/${car.vin}/events`, payload: { eventId: `svc-${car.vin}`, kind: 'SERVICE_DUE', mileageKm: 14_000 } });
    expect(due.statusCode, due.body).toBe(202);
    const first = await eventually(async () => (await sys.db.communication.findFirst({ where: { customerId, purpose: 'SERVICE_REMINDER', status: 'SENT' } })) ?? undefined, 30_000);
    expect(first).toMatchObject({ senderKind: 'DEALER', senderDealerId: dealerId, requestedBy: 'journey' });

    // A year after the sale, where the calendar would have reminded: nothing more.
    await sys.env.sleep(170 * DAY);
    await handle.query(journeyStateQuery); // the journey has run its timers up to now
    expect(await reminders()).toBe(1);
    // A year after the car's report: the yearly reminder.
    await sys.env.sleep(200 * DAY);
    await eventually(async () => ((await reminders()) === 2 ? true : undefined), 30_000);
    expect((await handle.query(journeyStateQuery)).vehicleMileageKm).toBe(14_000);
  });
});
