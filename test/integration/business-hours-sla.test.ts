// The acceptance SLA counts the dealer's open hours only (issue 10): an offer made on Friday
// at 17:50 with a 60-minute SLA and hours until 18:00 lapses on Monday at 08:50, not at 18:50.
// Time-skipped journey on the Java test server, real worker, activities and database.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOpenTime, type BusinessHours } from '../../domain/business-hours.js';
import { MINUTE } from '../../domain/policy.js';
import { recordHistoryFixture } from '../support/histories.js';
import { freshTerritory, hotLead, startTimeSkippingSystem, stateOf, type TimeSkippingSystem } from '../support/time-skipping.js';

let sys: TimeSkippingSystem;
beforeAll(async () => {
  sys = await startTimeSkippingSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const weekdays = { MON: ['08:00', '18:00'], TUE: ['08:00', '18:00'], WED: ['08:00', '18:00'], THU: ['08:00', '18:00'], FRI: ['08:00', '18:00'] } as const;

describe('an offer to a dealer with business hours', () => {
  it('made on Friday at 17:50 Berlin with a 60-minute SLA lapses on Monday at 08:50, and the dealer is told', async () => {
    const territory = freshTerritory();
    const [withHours, next] = [`DLR-HOURS-${territory}`, `DLR-NEXT-${territory}`];
    await sys.db.dealer.createMany({
      data: [
        { id: withHours, name: 'Autohaus Öffnungszeiten', territory: [territory], acceptanceSlaMinutes: 60, timeZone: 'Europe/Berlin', businessHours: weekdays },
        { id: next, name: 'Autohaus Nebenan', territory: [territory] },
      ],
    });

    // To the next Friday, 17:50 in Berlin (the test server's clock starts at today's time).
    const now = DateTime.fromMillis(await sys.env.currentTimeMs(), { zone: 'Europe/Berlin' });
    let friday = now.set({ weekday: 5, hour: 17, minute: 50, second: 0, millisecond: 0 });
    if (friday <= now.plus({ minutes: 1 })) friday = friday.plus({ weeks: 1 });
    await sys.env.sleep(friday.toMillis() - now.toMillis());

    const { journeyId } = await sys.intake.accept({ ...hotLead(territory), preferredDealerId: withHours });
    const offered = await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === withHours);
    const offeredAt = DateTime.fromISO(offered.handoff!.offeredAt!, { zone: 'Europe/Berlin' });
    const expiresAt = DateTime.fromISO(offered.handoff!.expiresAt!, { zone: 'Europe/Berlin' });
    expect(offeredAt.toFormat('ccc HH:mm')).toBe('Fri 17:50');
    expect(expiresAt.toFormat('ccc HH:mm')).toBe('Mon 08:50');
    expect(expiresAt.diff(offeredAt, 'hours').hours).toBeCloseTo(63, 1); // not one hour
    const hours: BusinessHours = { timeZone: 'Europe/Berlin', weekly: weekdays };
    expect(offered.handoff!.expiresAt).toBe(addOpenTime(offered.handoff!.offeredAt!, 60 * MINUTE, hours));

    // Saturday, Sunday and Monday morning pass: still the dealer's to answer at 08:49.
    const current = async () => DateTime.fromMillis(await sys.env.currentTimeMs());
    await sys.env.sleep(expiresAt.minus({ minutes: 1 }).toMillis() - (await current()).toMillis());
    expect((await stateOf(sys, journeyId, () => true)).handoff?.dealerId).toBe(withHours);

    // At 08:50 it lapses and goes to the next dealer (who has no hours: plain SLA).
    await sys.env.sleep(2 * MINUTE);
    const moved = await stateOf(sys, journeyId, (s) => s.handoff?.dealerId === next);
    expect(moved.handoff!.tried).toEqual([withHours, next]);

    // What the dealers were told, in order: the offer (with its deadline), its withdrawal, the next offer.
    const notices = await sys.db.dealerNotice.findMany({ where: { journeyId }, orderBy: { occurredAt: 'asc' } });
    expect(notices.map((n) => [n.kind, n.dealerId, n.reason])).toEqual([
      ['handoff.offered', withHours, null],
      ['handoff.withdrawn', withHours, 'SLA_EXPIRED'],
      ['handoff.offered', next, null],
    ]);
    expect(notices[0]!.offerExpiresAt!.toISOString()).toBe(offered.handoff!.expiresAt);
    expect(DateTime.fromJSDate(notices[1]!.occurredAt, { zone: 'Europe/Berlin' }).toFormat('ccc HH:mm')).toBe('Mon 08:50');
    await recordHistoryFixture(sys.env.client.workflow.getHandle(journeyId), 'journey-lapse-and-next-dealer');
  });
});
