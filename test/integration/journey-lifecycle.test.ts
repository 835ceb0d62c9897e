// Whole journeys on the time-skipping server: SLAs, sales windows, cool-downs and
// years of service pass in seconds; every activity writes the real database.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../domain/policy.js';
import {
  acceptHandoffUpdate, declineHandoffUpdate, engagementRecordedSignal, optedOutSignal, requestErasureUpdate, recordLostUpdate, recordSaleUpdate, recordServiceVisitUpdate,
} from '../../workflows/definitions.js';
import { buildApp } from '../../api/app.js';
import { recordHistoryFixture } from '../support/histories.js';
import { apiCaller, createTestKey, silentLog } from '../support/system.js';
import { hotLead, startHotJourney, startTimeSkippingSystem, stateOf, type TimeSkippingSystem } from '../support/time-skipping.js';

let sys: TimeSkippingSystem;
beforeAll(async () => {
  sys = await startTimeSkippingSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const vehicle = { vin: 'WVWZZZE1ZRP000123', model: 'ID.7 Tourer', soldOn: '2026-11-22', price: 54_990 };

describe('journey lifecycle (time-skipped)', () => {
  it('web lead → SLA timeout → second dealer accepts → sold → cool-down → 3 years of service → back in market with the same dealer', async () => {
    const { journeyId, customerId, handle, dealers } = await startHotJourney(sys, 2);
    const [first, second] = dealers as [string, string];

    const offered = await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF' && s.handoff?.dealerId != null);
    expect(offered.handoff?.dealerId).toBe(first); // fair rotation: never offered, lowest id
    expect(offered.owner).toBe('OEM');

    await sys.env.sleep(61 * MINUTE); // the first dealer lets the SLA run out
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === second);
    // The dealer whose offer timed out can no longer accept.
    const late = await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId: first }] }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((late as WorkflowUpdateFailedError).cause?.message).toMatch(/not offered to dealer/);

    const inSales = await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId: second }] });
    expect(inSales).toMatchObject({ stage: 'IN_SALES', owner: 'DEALER_SALES', dealerId: second });

    const sold = await handle.executeUpdate(recordSaleUpdate, { args: [{ dealerId: second, vehicle }] });
    expect(sold).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: second });
    const coolDownEnds = Date.parse(sold.promotionsBlockedUntil!);
    expect(coolDownEnds - Date.parse(sold.stageChangedAt)).toBe(90 * DAY);
    // A repeated sale report changes nothing.
    expect((await handle.executeUpdate(recordSaleUpdate, { args: [{ dealerId: second, vehicle }] })).revision).toBe(sold.revision);
    // journey-sold*.json and journey-in-service*.json stay as recorded before: one record per activity, then per local activity.
    await recordHistoryFixture(handle, 'journey-sold');

    await sys.env.sleep(8 * DAY);
    await stateOf(sys, journeyId, (s) => s.survey == null);
    await sys.env.sleep(200 * DAY);
    await handle.executeUpdate(recordServiceVisitUpdate, { args: [{ dealerId: second, visitId: 'svc-1' }] });
    await recordHistoryFixture(handle, 'journey-in-service');
    for (let year = 1; year <= 3; year++) await sys.env.sleep(366 * DAY);
    // Four years after the sale the ownership cycle ends (well inside the next SLA).
    await sys.env.sleep(Date.parse(sold.ownershipCycleEndsAt!) - (await sys.env.currentTimeMs()) + MINUTE);

    const backInMarket = await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF');
    expect(backInMarket.handoff?.dealerId).toBe(second); // own dealer first
    expect(backInMarket.preferredDealerId).toBe(second);

    const tasks = await sys.db.journeyTask.findMany({ where: { journeyId }, orderBy: { dueAt: 'asc' } });
    expect(tasks.filter((t) => t.kind === 'SERVICE_REMINDER').length).toBeGreaterThanOrEqual(3);
    expect(tasks.filter((t) => t.kind === 'SURVEY').map((t) => t.detail)).toEqual(['SALE', 'SERVICE']);

    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId }, orderBy: { at: 'asc' } });
    expect(ledger.map((r) => [r.fromOwner, r.toOwner, r.toDealerId, r.reason])).toEqual([
      ['OEM', 'DEALER_SALES', second, 'HANDOFF_ACCEPTED'],
      ['DEALER_SALES', 'DEALER', second, 'SOLD'],
      ['DEALER', 'OEM', null, 'BACK_IN_MARKET'],
    ]);
    const app = await buildApp({ db: sys.db, temporal: sys.env.client, log: silentLog });
    const call = apiCaller(app, await createTestKey(sys.db));
    const viaApi = await call({ method: 'GET', url: `/v1/customers/${customerId}/ownership` });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.json().changes.map((c: { to: { owner: string }; reason: string }) => [c.to.owner, c.reason])).toEqual([
      ['DEALER_SALES', 'HANDOFF_ACCEPTED'], ['DEALER', 'SOLD'], ['OEM', 'BACK_IN_MARKET'],
    ]);
    expect((await call({ method: 'GET', url: '/v1/customers/00000000-0000-4000-8000-000000000000/ownership' })).statusCode).toBe(404);
    await app.close();

    const handoffs = await sys.db.handoffEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } });
    expect(handoffs.map((h) => [h.kind, h.dealerId])).toEqual([
      ['OFFERED', first], ['TIMED_OUT', first], ['OFFERED', second], ['ACCEPTED', second], ['OFFERED', second],
    ]);
    const sale = await sys.db.sale.findFirstOrThrow({ where: { journeyId } });
    expect(sale).toMatchObject({ dealerId: second, vin: vehicle.vin, model: vehicle.model });
    // The new chapter: back in market, offered to the customer's own dealer.
    await recordHistoryFixture(handle, 'journey-back-in-market');
  });

  it('the dealer the customer chose is offered the hand-off first', async () => {
    const { journeyId, dealers } = await startHotJourney(sys, 2, {}, (d) => d[1]!);
    const offered = await stateOf(sys, journeyId, (s) => s.handoff?.dealerId != null);
    expect(offered.handoff?.dealerId).toBe(dealers[1]); // rotation alone would pick dealers[0]
  });

  it('a nurtured lead that keeps engaging is handed off once its score reaches the threshold', async () => {
    const { journeyId, dealerId, lead } = await startHotJourney(sys);
    // The hot lead was handed off; a lukewarm one for a second person stays with the OEM.
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
    const lukewarm = await sys.intake.accept({ ...lead, interest: { model: 'ID.7', timeframe: 'WITHIN_12_MONTHS' }, contact: { email: `warm.${journeyId.slice(-8)}@example.com`, postalCode: lead.contact.postalCode! } });
    const warm = sys.env.client.workflow.getHandle(lukewarm.journeyId);
    const nurtured = await stateOf(sys, lukewarm.journeyId, (s) => s.score != null);
    expect(nurtured).toMatchObject({ stage: 'QUALIFYING', score: 50 });
    await warm.signal(engagementRecordedSignal, { kind: 'CONFIGURATOR' });
    await stateOf(sys, lukewarm.journeyId, (s) => s.score === 55);
    await warm.signal(engagementRecordedSignal, { kind: 'TEST_DRIVE_REQUEST' });
    const ready = await stateOf(sys, lukewarm.journeyId, (s) => s.stage === 'HANDED_OFF' && s.handoff?.dealerId != null);
    expect(ready.score).toBe(60);
  });

  it('no dealer accepts → back to the OEM with an escalation', async () => {
    const { journeyId, handle, dealers } = await startHotJourney(sys, 2);
    for (const dealerId of dealers) {
      await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
      await handle.executeUpdate(declineHandoffUpdate, { args: [{ dealerId, reason: 'no capacity this month' }] });
    }
    const escalated = await stateOf(sys, journeyId, (s) => s.stage === 'ESCALATED');
    expect(escalated.owner).toBe('OEM');
    expect(escalated.escalation?.reason).toContain(dealers.join(', '));
    const task = await sys.db.journeyTask.findFirstOrThrow({ where: { journeyId, kind: 'ESCALATION' } });
    expect(task.assignee).toBe('OEM');
    // Each decline answered before the next offer was made (after a 1 ms timer).
    await recordHistoryFixture(handle, 'journey-declined-escalated');
  });

  it('sales window expires → the dealer is chased once → fallback to the OEM → cool-down → new hand-off', async () => {
    const { journeyId, customerId, handle, territory, dealerId } = await startHotJourney(sys);
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
    const accepted = await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId }] });

    await sys.env.sleep(Date.parse(accepted.sales!.endsAt) - (await sys.env.currentTimeMs()) + MINUTE);
    const chased = await stateOf(sys, journeyId, (s) => s.sales?.chasedAt != null);
    expect(chased.stage).toBe('IN_SALES');
    expect(await sys.db.journeyTask.count({ where: { journeyId, kind: 'OUTCOME_CHASE', assignee: dealerId } })).toBe(1);

    await sys.env.sleep(3 * DAY + MINUTE); // no answer within the grace period
    const fellBack = await stateOf(sys, journeyId, (s) => s.stage === 'QUALIFYING');
    expect(fellBack).toMatchObject({ owner: 'OEM', dealerId: null });
    await recordHistoryFixture(handle, 'journey-fell-back-to-oem');

    // A new hot lead during the cool-down is merged but not handed off.
    await sys.intake.accept({ ...hotLead(territory), contact: { email: (await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } })).emailNormalized! } });
    const merged = await stateOf(sys, journeyId, (s) => s.leadCount === 2);
    expect(merged.stage).toBe('QUALIFYING');

    await sys.env.sleep(Date.parse(fellBack.handoffBlockedUntil!) - (await sys.env.currentTimeMs()) + MINUTE);
    const again = await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF' && s.handoff?.dealerId != null);
    expect(again.handoff?.dealerId).toBe(dealerId);
    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId }, orderBy: { at: 'asc' } });
    expect(ledger.map((r) => r.reason)).toEqual(['HANDOFF_ACCEPTED', 'SALES_WINDOW_EXPIRED']);
  });

  it('a lost sale falls back at once; a second report of it changes nothing', async () => {
    const { journeyId, handle, dealerId } = await startHotJourney(sys);
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
    await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId }] });
    const lost = await handle.executeUpdate(recordLostUpdate, { args: [{ dealerId, reason: 'bought a competitor model' }] });
    expect(lost).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM' });
    expect((await handle.executeUpdate(recordLostUpdate, { args: [{ dealerId, reason: 'bought a competitor model' }] })).revision).toBe(lost.revision);
  });

  it('opt-out and erasure mid-journey: marketing stops, personal data goes, the journey ends', async () => {
    const { journeyId, customerId, handle, lead, dealerId } = await startHotJourney(sys, 1, { firstName: 'Erin', phone: '+4930901820' });
    await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
    await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId }] });

    await handle.signal(optedOutSignal);
    const optedOut = await stateOf(sys, journeyId, (s) => s.optedOut === true);
    expect(optedOut).toMatchObject({ stage: 'IN_SALES', dealerId }); // the dealer keeps the sale; marketing stops

    await handle.executeUpdate(requestErasureUpdate, { args: [{ ground: 'CUSTOMER_REQUEST', actor: 'privacy:desk' }] });
    await handle.result(); // the journey ends
    await recordHistoryFixture(handle, 'journey-erased');
    const customer = await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } });
    expect(customer).toMatchObject({ emailNormalized: null, phoneE164: null, firstName: null, postalCode: null });
    const row = await sys.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({ stage: 'ERASED', owner: 'OEM', dealerId: null });
    const history = JSON.stringify(await handle.fetchHistory());
    for (const personal of [lead.contact.email!, 'Erin', '+4930901820']) expect(history).not.toContain(personal);

    // Nothing personal is stored again for an erased customer.
    const app = await buildApp({ db: sys.db, temporal: sys.env.client, log: silentLog });
    const call = apiCaller(app, await createTestKey(sys.db));
    const patched = await call({ method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { email: lead.contact.email } });
    await app.close();
    expect(patched.statusCode).toBe(409);
    expect((await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } })).emailNormalized).toBeNull();
  });

  it('ten simulated years stay bounded: every run under 2,000 history events', async () => {
    const { journeyId, handle, dealerId } = await startHotJourney(sys);
    const start = await sys.env.currentTimeMs();
    const yearsFromStart = async () => ((await sys.env.currentTimeMs()) - start) / (365 * DAY);

    // Each ownership cycle: accept, sell, a service visit a year; back in market after four years.
    let visits = 0;
    while ((await yearsFromStart()) < 10) {
      const offered = await stateOf(sys, journeyId, (s) => s.stage === 'HANDED_OFF' && s.handoff?.dealerId != null);
      await handle.executeUpdate(acceptHandoffUpdate, { args: [{ dealerId: offered.handoff!.dealerId! }] });
      const sold = await handle.executeUpdate(recordSaleUpdate, { args: [{ dealerId, vehicle: { ...vehicle, vin: `WVWZZZE1ZRP${String(visits).padStart(6, '0')}` } }] });
      while (Date.parse(sold.ownershipCycleEndsAt!) - (await sys.env.currentTimeMs()) > 365 * DAY) {
        await sys.env.sleep(366 * DAY); // a day past the reminder, so its timer has fired
        // Let the yearly reminder fire first (the journey is idle again once it did).
        const now = await sys.env.currentTimeMs();
        await stateOf(sys, journeyId, (s) => s.serviceReminderDueAt != null && Date.parse(s.serviceReminderDueAt) > now);
        await handle.executeUpdate(recordServiceVisitUpdate, { args: [{ dealerId, visitId: `svc-${++visits}` }] });
      }
      await sys.env.sleep(Date.parse(sold.ownershipCycleEndsAt!) - (await sys.env.currentTimeMs()) + MINUTE);
    }

    const described = await handle.describe();
    const runs: number[] = [];
    let runId: string | undefined | null = described.runId;
    // Walk the chain of runs backwards through continue-as-new.
    while (runId) {
      const events: { workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string | null } | null }[] = (await sys.env.client.workflow.getHandle(journeyId, runId).fetchHistory()).events ?? [];
      runs.push(events.length);
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || null;
    }
    const total = runs.reduce((a, b) => a + b, 0);
    console.log(`10-year journey: ${runs.length} run(s), ${total} events, ${Math.round(total / 10)} events per simulated year`);
    expect(Math.max(...runs)).toBeLessThan(2_000);
    expect(runs.length).toBeGreaterThanOrEqual(3); // a fresh run per ownership cycle
    expect(visits).toBeGreaterThanOrEqual(6);
  });
});
