// Whole journeys on the time-skipping server: SLAs, sales windows, cool-downs and
// years of service pass in seconds; every activity writes the real database.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../domain/policy.js';
import { acceptHandoffUpdate, declineHandoffUpdate, recordSaleUpdate, recordServiceVisitUpdate } from '../../workflows/definitions.js';
import { freshTerritory, hotLead, seedDealers, startTimeSkippingSystem, stateOf, type TimeSkippingSystem } from '../support/time-skipping.js';

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
    const territory = freshTerritory();
    const [first, second] = [`dlr-${territory}-a`, `dlr-${territory}-b`];
    await seedDealers(sys.db, territory, [first, second]);
    const { journeyId, customerId } = await sys.intake.accept(hotLead(territory));
    const handle = sys.env.client.workflow.getHandle(journeyId);

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

    await sys.env.sleep(8 * DAY);
    await stateOf(sys, journeyId, (s) => s.survey == null);
    await sys.env.sleep(200 * DAY);
    await handle.executeUpdate(recordServiceVisitUpdate, { args: [{ dealerId: second, visitId: 'svc-1' }] });
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
    const handoffs = await sys.db.handoffEvent.findMany({ where: { journeyId }, orderBy: { at: 'asc' } });
    expect(handoffs.map((h) => [h.kind, h.dealerId])).toEqual([
      ['OFFERED', first], ['TIMED_OUT', first], ['OFFERED', second], ['ACCEPTED', second], ['OFFERED', second],
    ]);
    const sale = await sys.db.sale.findFirstOrThrow({ where: { journeyId } });
    expect(sale).toMatchObject({ dealerId: second, vin: vehicle.vin, model: vehicle.model });
  });

  it('no dealer accepts → back to the OEM with an escalation', async () => {
    const territory = freshTerritory();
    const dealers = [`dlr-${territory}-a`, `dlr-${territory}-b`];
    await seedDealers(sys.db, territory, dealers);
    const { journeyId } = await sys.intake.accept(hotLead(territory));
    const handle = sys.env.client.workflow.getHandle(journeyId);
    for (const dealerId of dealers) {
      await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === dealerId);
      await handle.executeUpdate(declineHandoffUpdate, { args: [{ dealerId, reason: 'no capacity this month' }] });
    }
    const escalated = await stateOf(sys, journeyId, (s) => s.stage === 'ESCALATED');
    expect(escalated.owner).toBe('OEM');
    expect(escalated.escalation?.reason).toContain(dealers.join(', '));
    const task = await sys.db.journeyTask.findFirstOrThrow({ where: { journeyId, kind: 'ESCALATION' } });
    expect(task.assignee).toBe('OEM');
  });
});
