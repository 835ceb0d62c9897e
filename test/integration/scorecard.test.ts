// The scorecard against a hand-computed fixture: records as the journeys write them (hand-off
// events, the ownership ledger, sales) for five journeys and two dealers in March 2026, plus
// records just outside the window. Every number below is worked out by hand in the comments.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase } from '../support/infra.js';
import { createTestKey, startSystem, type System } from '../support/system.js';

let sys: System;
let database: Awaited<ReturnType<typeof createFreshDatabase>>;
const A = 'DLR-SCORE-A';
const B = 'DLR-SCORE-B';
const at = (s: string) => new Date(`2026-${s}:00Z`);

beforeAll(async () => {
  // Its own database: the network's totals must be this fixture's alone.
  database = await createFreshDatabase('l2l_scorecard');
  sys = await startSystem({ databaseUrl: database.databaseUrl });
  await sys.db.dealer.createMany({ data: [A, B, 'DLR-SCORE-C'].map((id) => ({ id, name: id, territory: ['99'], brands: ['VW'] })) });
  const c = Array.from({ length: 5 }, () => randomUUID());
  const j = c.map((id) => `journey-${id}`);
  let n = 0;
  const handoff = (journey: number, dealerId: string, kind: string, when: string) =>
    ({ key: `h${n++}`, journeyId: j[journey]!, dealerId, kind, reason: null, at: at(when) });
  await sys.db.handoffEvent.createMany({
    data: [
      handoff(0, A, 'OFFERED', '03-02T10:00'), handoff(0, A, 'ACCEPTED', '03-02T10:30'), // A accepts in 30 min
      handoff(1, A, 'OFFERED', '03-03T09:00'), handoff(1, A, 'TIMED_OUT', '03-03T10:00'), // A lets it lapse
      handoff(1, B, 'OFFERED', '03-03T10:00'), handoff(1, B, 'ACCEPTED', '03-03T12:00'), // B accepts in 120 min
      handoff(2, B, 'OFFERED', '03-05T08:00'), handoff(2, B, 'DECLINED', '03-05T08:10'), // B declines
      handoff(2, A, 'OFFERED', '03-05T08:10'), handoff(2, A, 'ACCEPTED', '03-05T09:10'), // A accepts in 60 min
      handoff(3, A, 'OFFERED', '03-06T08:00'), handoff(3, A, 'ACCEPTED', '03-06T08:06'), // A accepts in 6 min
      handoff(4, A, 'OFFERED', '02-28T23:30'), handoff(4, A, 'ACCEPTED', '03-01T00:30'), // offered before the window: 60 min, counted as accepted
      handoff(4, B, 'OFFERED', '04-01T00:00'), // after the window: not counted
    ],
  });
  const owner = (journey: number, from: [string, string | null], to: [string, string | null], reason: string, when: string) => ({
    key: `o${n++}`, journeyId: j[journey]!, customerId: c[journey]!, fromOwner: from[0], fromDealerId: from[1], toOwner: to[0], toDealerId: to[1], reason, actor: 'test', at: at(when),
  });
  const OEM: [string, null] = ['OEM', null];
  await sys.db.ownershipChange.createMany({
    data: [
      owner(0, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '03-02T10:30'), owner(0, ['DEALER_SALES', A], ['DEALER', A], 'SOLD', '03-12T10:30'),
      owner(1, OEM, ['DEALER_SALES', B], 'HANDOFF_ACCEPTED', '03-03T12:00'), owner(1, ['DEALER_SALES', B], OEM, 'LOST: price', '03-10T12:00'),
      owner(2, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '03-05T09:10'), owner(2, ['DEALER_SALES', A], ['DEALER', A], 'SOLD', '03-25T09:10'),
      owner(3, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '03-06T08:06'),
      owner(3, ['DEALER_SALES', A], ['DEALER_SALES', B], 'REASSIGNED: customer moved', '03-08T08:06'),
      owner(3, ['DEALER_SALES', B], ['DEALER', B], 'SOLD', '03-18T08:06'),
      owner(4, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '03-01T00:30'),
    ],
  });
  const sale = (journey: number, dealerId: string, when: string) => ({
    key: `s${n++}`, journeyId: j[journey]!, customerId: c[journey]!, dealerId, vin: `WVWZZZ1JZXW00000${journey}`, model: 'ID.7', soldOn: at(when), at: at(when),
  });
  await sys.db.sale.createMany({ data: [sale(0, A, '03-12T10:30'), sale(2, A, '03-25T09:10'), sale(3, B, '03-18T08:06')] });
});
afterAll(async () => {
  await sys?.stop();
  await database?.drop();
});

const MARCH = '/v1/reports/scorecard?from=2026-03-01&to=2026-03-31';
// Dealer A: offered 4 (j1 j2 j3 j4), accepted 4 (j1 j3 j4 j5), 1 lapsed (j2). Minutes to accept
// 6, 30, 60, 60 → median (30+60)/2 = 45, p90 at 0.9·3 = 2.7 → 60. Sold j1 after 10 days, j3 after
// 20 → median 15, p90 10 + 0.9·10 = 19. j4 reassigned away from A to B.
const dealerA = {
  dealerId: A, offered: 4, accepted: 4, declined: 0, slaBreaches: 1, acceptRate: 1,
  timeToAcceptMinutes: { median: 45, p90: 60 }, sold: 2, timeToSaleDays: { median: 15, p90: 19 }, fellBack: 0, reassignedAway: 1,
};
// Dealer B: offered 2 (j2 j3; April's not counted), accepted j2 in 120 min, declined j3. Sold j4
// 10 days after it was reassigned to B. Lost j2 (fell back to the OEM).
const dealerB = {
  dealerId: B, offered: 2, accepted: 1, declined: 1, slaBreaches: 0, acceptRate: 0.5,
  timeToAcceptMinutes: { median: 120, p90: 120 }, sold: 1, timeToSaleDays: { median: 10, p90: 10 }, fellBack: 1, reassignedAway: 0,
};
// The network: 6 offered, 5 accepted (5/6 = 0.833); minutes 6, 30, 60, 60, 120 → median 60, p90 at
// 0.9·4 = 3.6 → 60 + 0.6·60 = 96; days to sale 10, 10, 20 → median 10, p90 at 1.8 → 10 + 0.8·10 = 18.
const network = {
  offered: 6, accepted: 5, declined: 1, slaBreaches: 1, acceptRate: 0.833,
  timeToAcceptMinutes: { median: 60, p90: 96 }, sold: 3, timeToSaleDays: { median: 10, p90: 18 }, fellBack: 1, reassignedAway: 1,
};

describe('scorecard', () => {
  it('OEM: every dealer and the network, each number as computed by hand', async () => {
    const res = await sys.api({ method: 'GET', url: MARCH });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', groupBy: 'dealer',
      processes: [{ process: 'engagement', captain: 'DEALER_SALES_MANAGER', rows: [dealerA, dealerB], network }],
    });
  });

  it("a dealer's key: its own row and the network's, nothing of the other dealer; one with no activity gets zeros", async () => {
    const own = await sys.api({ method: 'GET', url: MARCH }, await createTestKey(sys.db, 'DEALER', B));
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().processes[0]).toEqual({ process: 'engagement', captain: 'DEALER_SALES_MANAGER', rows: [dealerB], network });
    expect(own.body).not.toContain(A);
    const quiet = await sys.api({ method: 'GET', url: MARCH }, await createTestKey(sys.db, 'DEALER', 'DLR-SCORE-C'));
    expect(quiet.json().processes[0].rows).toEqual([{
      dealerId: 'DLR-SCORE-C', offered: 0, accepted: 0, declined: 0, slaBreaches: 0, acceptRate: null,
      timeToAcceptMinutes: { median: null, p90: null }, sold: 0, timeToSaleDays: { median: null, p90: null }, fellBack: 0, reassignedAway: 0,
    }]);
  });

  it('CSV for spreadsheets: a header, one line per dealer, then the network', async () => {
    const res = await sys.api({ method: 'GET', url: MARCH.replace('scorecard', 'scorecard.csv') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body.trim().split('\n')).toEqual([
      'process,captain,dealer,offered,accepted,declined,slaBreaches,acceptRate,timeToAcceptMinutesMedian,timeToAcceptMinutesP90,sold,timeToSaleDaysMedian,timeToSaleDaysP90,fellBack,reassignedAway',
      `engagement,DEALER_SALES_MANAGER,${A},4,4,0,1,1,45,60,2,15,19,0,1`,
      `engagement,DEALER_SALES_MANAGER,${B},2,1,1,0,0.5,120,120,1,10,10,1,0`,
      'engagement,DEALER_SALES_MANAGER,NETWORK,6,5,1,1,0.833,60,96,3,10,18,1,1',
    ]);
  });

  it('bad windows are a 400 naming the parameter', async () => {
    const backwards = await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2026-03-10&to=2026-03-01' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors).toEqual([{ field: 'to', message: 'must not be before from' }]);
    const tooLong = await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2020-01-01&to=2026-03-01' });
    expect(tooLong.json().errors).toEqual([{ field: 'to', message: 'at most 1098 days after from' }]);
    const future = await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2099-01-01&to=2099-01-31' });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors[0].field).toContain('from');
    expect((await sys.api({ method: 'GET', url: '/v1/reports/scorecard.csv?from=2026-03-10&to=2026-03-01' })).statusCode).toBe(400);
    expect((await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2026-03-01' })).statusCode).toBe(400);
    expect((await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2026-03-01&to=2026-03-31&groupBy=planet' })).statusCode).toBe(400);
    expect((await sys.api({ method: 'GET', url: MARCH }, null)).statusCode).toBe(401);
  });
});
