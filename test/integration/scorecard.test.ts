// The scorecard against a hand-computed fixture: records as the journeys write them (leads,
// stage changes, hand-off events, the ownership ledger, sales, after-sales events, surveys)
// for seven customers and two dealers in March 2026, plus records just outside the window.
// Every number below is worked out by hand in the comments.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlPoolOf } from '../../platform/db.js';
import { scorecard, type Scorecard } from '../../reports/scorecard.js';
import { rolledDays, rollUpScorecard } from '../../reports/scorecard-rollups.js';
import { ensureScorecardRollupSchedule } from '../../reports/scorecard-rollup-schedule.js';
import { kpiTrend } from '../../reports/kpis.js';
import { KPI_IDS } from '../../domain/kpis.js';
import { createTestKey, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
const A = 'DLR-SCORE-A'; // region NORTH
const B = 'DLR-SCORE-B'; // region SOUTH
const C = 'DLR-SCORE-C'; // region NORTH, nothing happens
const at = (s: string) => new Date(s.length <= 11 ? `2026-${s}:00Z` : `${s}:00Z`);

beforeAll(async () => {
  // The network's totals are this fixture's alone: the file has a database of its own.
  sys = await startSystem({ kinds: ['journeys', 'bulk'] });
  await sys.db.dealer.createMany({
    data: [[A, 'NORTH'], [B, 'SOUTH'], [C, 'NORTH']].map(([id, region]) => ({ id: id!, region, name: id!, territory: ['99'], brands: ['VW'] })),
  });
  const c = Array.from({ length: 7 }, () => randomUUID());
  const j = c.map((id) => `journey-${id}`);
  await sys.db.customer.createMany({ data: c.map((id, i) => ({ id, emailNormalized: `score.${i}.${id}@example.com` })) });
  await sys.db.journey.createMany({ data: c.map((customerId, i) => ({ id: j[i]!, customerId, stage: 'QUALIFYING', owner: 'OEM', startedAt: at('02-01T00:00'), stageChangedAt: at('02-01T00:00') })) });

  const lead = (customer: number, source: 'WEB_FORM' | 'FAIR' | 'ADF', campaign: string | null, model: string | null, when: string) =>
    ({ customerId: c[customer]!, source, campaign, interestModel: model, receivedAt: at(when) });
  await sys.db.lead.createMany({
    data: [
      lead(0, 'WEB_FORM', 'SPRING', 'ID.7', '03-01T09:00'), lead(0, 'WEB_FORM', 'SPRING', 'ID.7', '04-02T09:00'), // April's: not counted
      lead(1, 'FAIR', null, 'ID.4', '03-02T08:00'), lead(1, 'ADF', null, 'ID.4', '03-03T08:00'), // the same person again: merged
      lead(2, 'WEB_FORM', 'SPRING', 'ID.7', '03-04T10:00'),
      lead(3, 'WEB_FORM', null, null, '03-05T10:00'),
      lead(4, 'WEB_FORM', 'WINTER', 'ID.3', '02-20T10:00'), lead(4, 'FAIR', null, 'ID.3', '03-20T10:00'), // known since February: merged
      lead(5, 'FAIR', null, 'ID.3', '2025-01-10T10:00'),
      lead(6, 'WEB_FORM', 'SPRING', 'ID.7', '03-10T09:00'),
    ],
  });

  let n = 0;
  const stage = (journey: number, from: string, to: string, dealerId: string | null, when: string) =>
    ({ key: `st${n++}`, journeyId: j[journey]!, customerId: c[journey]!, fromStage: from, toStage: to, dealerId, at: at(when) });
  await sys.db.journeyStageChange.createMany({
    data: [
      stage(0, 'QUALIFYING', 'HANDED_OFF', null, '03-02T09:30'), stage(0, 'HANDED_OFF', 'IN_SALES', A, '03-02T10:30'),
      stage(1, 'QUALIFYING', 'HANDED_OFF', null, '03-03T08:30'),
      stage(2, 'QUALIFYING', 'HANDED_OFF', null, '03-05T07:30'),
      stage(3, 'QUALIFYING', 'HANDED_OFF', null, '03-06T07:30'),
      stage(4, 'QUALIFYING', 'HANDED_OFF', null, '02-28T23:00'), // February's: not counted
      stage(6, 'QUALIFYING', 'HANDED_OFF', null, '03-10T12:00'), stage(6, 'HANDED_OFF', 'ESCALATED', null, '03-11T12:00'),
      stage(6, 'ESCALATED', 'DISQUALIFIED', null, '03-12T12:00'),
    ],
  });

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
      // Customer 5 bought from A in 2025, is back in market on 15 March and buys from A again.
      owner(5, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '2025-05-20T00:00'), owner(5, ['DEALER_SALES', A], ['DEALER', A], 'SOLD', '2025-06-01T00:00'),
      owner(5, ['DEALER', A], OEM, 'BACK_IN_MARKET', '03-15T00:00'), owner(5, OEM, ['DEALER_SALES', A], 'HANDOFF_ACCEPTED', '03-16T00:00'),
      owner(5, ['DEALER_SALES', A], ['DEALER', A], 'SOLD', '03-28T00:00'),
    ],
  });
  const sale = (journey: number, dealerId: string, when: string) => ({
    key: `s${n++}`, journeyId: j[journey]!, customerId: c[journey]!, dealerId, vin: `WVWZZZ1JZXW0000${n}`, model: 'ID.7', soldOn: at(when), at: at(when),
  });
  await sys.db.sale.createMany({
    data: [sale(0, A, '03-12T10:30'), sale(2, A, '03-25T09:10'), sale(3, B, '03-18T08:06'), sale(5, A, '2025-06-01T00:00'), sale(5, A, '03-28T00:00')],
  });
  const aftersales = (journey: number, dealerId: string, kind: string, ref: string, when: string) =>
    ({ key: `a${n++}`, journeyId: j[journey]!, customerId: c[journey]!, dealerId, kind, ref, at: at(when) });
  await sys.db.aftersalesEvent.createMany({
    data: [
      aftersales(0, A, 'SERVICE_VISIT', 'WS-1', '03-20T10:00'), aftersales(5, A, 'SERVICE_VISIT', 'WS-2', '03-05T10:00'),
      aftersales(3, B, 'SERVICE_VISIT', 'WS-3', '03-25T10:00'), aftersales(0, A, 'SERVICE_VISIT', 'WS-4', '04-05T10:00'), // April's: not counted
      aftersales(0, A, 'COMPLAINT_OPENED', 'K-1', '03-14T00:00'), aftersales(0, A, 'COMPLAINT_RESOLVED', 'K-1', '03-17T00:00'), // 3 days
      aftersales(5, A, 'COMPLAINT_OPENED', 'K-2', '02-20T00:00'), aftersales(5, A, 'COMPLAINT_RESOLVED', 'K-2', '03-02T00:00'), // 10 days
      aftersales(3, B, 'COMPLAINT_OPENED', 'K-3', '03-26T00:00'), // still open
    ],
  });
  const survey = (journey: number, dealerId: string | null, sentAt: string | null) => ({
    id: randomUUID(), customerId: c[journey]!, journeyId: j[journey]!, senderKind: dealerId ? 'DEALER' : 'OEM', senderDealerId: dealerId,
    requestedBy: 'journey', purpose: 'SURVEY', channel: 'EMAIL', templateId: 'satisfaction-survey', variables: {},
    status: sentAt ? 'SENT' : 'REQUESTED', sentAt: sentAt ? at(sentAt) : null,
  });
  const surveys = [survey(0, A, '03-19T10:00'), survey(5, null, '03-06T10:00'), survey(3, B, null), survey(2, A, '04-03T10:00')]; // not sent; April's
  await sys.db.communication.createMany({ data: surveys });
  // Answers: c0's about A, 10 (a promoter); c5's about the OEM, 3 (a detractor); c2's in April.
  const answer = (s: (typeof surveys)[number], score: number, when: string) => sys.db.$executeRaw`
    INSERT INTO survey_answer (communication_id, customer_id, journey_id, dealer_id, lead_id, score, answered_at)
    SELECT id, customer_id, journey_id, sender_dealer_id, lead_id, ${score}, ${at(when)} FROM communication WHERE id = ${s.id}::uuid`;
  await answer(surveys[0]!, 10, '03-20T10:00');
  await answer(surveys[1]!, 3, '03-07T10:00');
  await answer(surveys[3]!, 9, '04-04T10:00');
  // c6's March lead came through c5's referral link, while A looked after c5.
  const referred = await sys.db.lead.findFirstOrThrow({ where: { customerId: c[6]!, receivedAt: at('03-10T09:00') } });
  await sys.db.referral.create({ data: { leadId: referred.id, referrerCustomerId: c[5]!, referrerDealerId: A } });
  // The fixture's days rolled up, as the hourly job would have by now: the hand-computed figures below
  // come from the roll-ups by dealer, region and source, from the records by campaign, model and week.
  await rollUpScorecard(sqlPoolOf(sys.db));
});
afterAll(async () => {
  await sys?.stop();
});

const MARCH = '/v1/reports/scorecard?from=2026-03-01&to=2026-03-31';
const NONE = { median: null, p90: null };

// Identification. March's leads: c0, c1 twice, c2, c3, c4 (known since February), c6 → 7 leads of
// 6 customers; merged 2 (c1's second, c4's). Leads have no dealer: their row's group is null.
const identification = { leads: 7, uniqueCustomers: 6, duplicatesMerged: 2 };
// Acquisition. Qualified: j0 j1 j2 j3 j6 (j4 in February) = 5; j6 escalated, then disqualified.
const acquisition = { qualified: 5, disqualified: 1, escalated: 1 };
// Engagement, dealer A: offered 4 (j0 j1 j2 j3), accepted 4 (j0 j2 j3 j4), 1 lapsed (j1). Minutes to
// accept 6, 30, 60, 60 → median 45, p90 at 0.9·3 = 2.7 → 60. Sold j0 10 days after accepting, j2
// after 20, c5 after 12 (from 16 to 28 March) → median 12, p90 at 1.8 → 12 + 0.8·8 = 18.4. j3
// reassigned away from A to B.
const engagementA = {
  offered: 4, accepted: 4, declined: 0, slaBreaches: 1, acceptRate: 1,
  timeToAcceptMinutes: { median: 45, p90: 60 }, acceptedWithin15Minutes: 1, sold: 3, timeToSaleDays: { median: 12, p90: 18.4 }, fellBack: 0, reassignedAway: 1,
};
// Dealer B: offered 2 (j1 j2; April's not counted), accepted j1 in 120 min, declined j2. Sold j3 10
// days after it was reassigned to B. Lost j1 (fell back to the OEM).
const engagementB = {
  offered: 2, accepted: 1, declined: 1, slaBreaches: 0, acceptRate: 0.5,
  timeToAcceptMinutes: { median: 120, p90: 120 }, acceptedWithin15Minutes: 0, sold: 1, timeToSaleDays: { median: 10, p90: 10 }, fellBack: 1, reassignedAway: 0,
};
// The network: 6 offered, 5 accepted (0.833); minutes 6, 30, 60, 60, 120 → median 60, p90 at 3.6 →
// 60 + 0.6·60 = 96; days to sale 10, 10, 12, 20 → median 11, p90 at 2.7 → 12 + 0.7·8 = 17.6.
const engagement = {
  offered: 6, accepted: 5, declined: 1, slaBreaches: 1, acceptRate: 0.833,
  timeToAcceptMinutes: { median: 60, p90: 96 }, acceptedWithin15Minutes: 1, sold: 4, timeToSaleDays: { median: 11, p90: 17.6 }, fellBack: 1, reassignedAway: 1,
};
// Maintenance: days owned after a sale, cut to March. A: j0 from 12 March 10:30 (19.5625 days), j2
// from 25 March 09:10 (6.6181), c5 until it is back in market on 15 March (14) and again from 28
// March (4) = 44.1806 days = 0.12096 years; 2 visits → 16.53 a year. B: j3 from 18 March 08:06 =
// 13.6625 days = 0.03741 years; 1 visit → 26.73. The network: 0.15837 years, 3 visits → 18.94.
// No recall in March: no recall tasks.
const maintenanceA = { ownedCustomerYears: 0.12, serviceVisits: 2, serviceVisitsPerOwnedCustomerYear: 16.53, recallTasks: 0, recallRepairs: 0, recallCompletion: null };
const maintenanceB = { ownedCustomerYears: 0.04, serviceVisits: 1, serviceVisitsPerOwnedCustomerYear: 26.73, recallTasks: 0, recallRepairs: 0, recallCompletion: null };
const maintenance = { ownedCustomerYears: 0.16, serviceVisits: 3, serviceVisitsPerOwnedCustomerYear: 18.94, recallTasks: 0, recallRepairs: 0, recallCompletion: null };
// New value: c5 back in market from A, and bought from A again; c6's lead referred by c5 (A's).
const newValue = { backInMarket: 1, soldAgainSameDealer: 1, referralLeads: 1 };
// Feedback. A: one survey sent, one complaint opened (K-1), two resolved (K-1 after 3 days, K-2
// after 10) → median 6.5, p90 3 + 0.9·7 = 9.3; one answer, 10 → NPS 100. B: K-3 opened. The OEM's
// survey has no dealer; its answer, 3, is a detractor's → NPS −100. The network: 1 − 1 of 2 → 0.
const answered = (n: number, promoters: number, detractors: number, nps: number | null) => ({ surveysAnswered: n, promoters, detractors, nps });
const feedbackA = { surveysSent: 1, complaintsOpened: 1, complaintsResolved: 2, timeToResolutionDays: { median: 6.5, p90: 9.3 }, ...answered(1, 1, 0, 100) };
const feedbackB = { surveysSent: 0, complaintsOpened: 1, complaintsResolved: 0, timeToResolutionDays: NONE, ...answered(0, 0, 0, null) };
const feedback = { surveysSent: 2, complaintsOpened: 2, complaintsResolved: 2, timeToResolutionDays: { median: 6.5, p90: 9.3 }, ...answered(2, 1, 1, 0) };

const ZERO = {
  identification: { leads: 0, uniqueCustomers: 0, duplicatesMerged: 0 },
  acquisition: { qualified: 0, disqualified: 0, escalated: 0 },
  engagement: {
    offered: 0, accepted: 0, declined: 0, slaBreaches: 0, acceptRate: null, timeToAcceptMinutes: NONE, acceptedWithin15Minutes: 0, sold: 0, timeToSaleDays: NONE, fellBack: 0, reassignedAway: 0,
  },
  maintenance: { ownedCustomerYears: 0, serviceVisits: 0, serviceVisitsPerOwnedCustomerYear: null, recallTasks: 0, recallRepairs: 0, recallCompletion: null },
  newValue: { backInMarket: 0, soldAgainSameDealer: 0, referralLeads: 0 },
  feedback: { surveysSent: 0, complaintsOpened: 0, complaintsResolved: 0, timeToResolutionDays: NONE, surveysAnswered: 0, promoters: 0, detractors: 0, nps: null },
};
const NETWORK = { identification, acquisition, engagement, maintenance, newValue, feedback };
const CAPTAINS = {
  identification: 'OEM_LEAD_DESK', acquisition: 'OEM_LEAD_DESK', engagement: 'DEALER_SALES_MANAGER',
  maintenance: 'DEALER_SERVICE_MANAGER', newValue: 'DEALER_SALES_MANAGER', feedback: 'OEM_CUSTOMER_CARE',
};
type ProcessName = keyof typeof NETWORK;
const card = (process: ProcessName, rows: object[]) => ({ process, captain: CAPTAINS[process], captains: [], rows, network: NETWORK[process] });
/** The scorecard's figures; each row's KPIs against target (derived from these figures) are tested in captains.test.ts. */
const get = async (url: string, key?: string) => {
  const res = await sys.api({ method: 'GET', url }, key);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  if (!url.startsWith('/v1/reports/scorecard?')) return body;
  for (const p of body.processes) {
    delete p.network.kpis;
    for (const row of p.rows) delete row.kpis;
  }
  return body;
};
const processOf = (body: { processes: { process: string; rows: unknown[]; network: unknown }[] }, process: ProcessName) => body.processes.find((p) => p.process === process);

describe('scorecard', () => {
  it('OEM, by dealer: every process, every dealer and the network, each number as computed by hand', async () => {
    expect(await get(MARCH)).toEqual({
      from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', groupBy: 'dealer',
      processes: [
        card('identification', [{ group: null, ...identification }]),
        card('acquisition', [{ group: null, ...acquisition }]), // the stage change to IN_SALES with A counts for none of these
        card('engagement', [{ group: A, ...engagementA }, { group: B, ...engagementB }]),
        card('maintenance', [{ group: A, ...maintenanceA }, { group: B, ...maintenanceB }]),
        card('newValue', [{ group: A, ...newValue }]),
        card('feedback', [{ group: A, ...feedbackA }, { group: B, ...feedbackB }, { group: null, ...ZERO.feedback, surveysSent: 1, ...answered(1, 0, 1, -100) }]),
      ],
    });
  });

  it("a dealer's key: its own rows and the network's, nothing of another dealer; one with no activity gets zeros", async () => {
    const own = await get(MARCH, await createTestKey(sys.db, 'DEALER', B));
    expect(own.processes).toEqual([
      card('identification', [{ group: B, ...ZERO.identification }]),
      card('acquisition', [{ group: B, ...ZERO.acquisition }]),
      card('engagement', [{ group: B, ...engagementB }]),
      card('maintenance', [{ group: B, ...maintenanceB }]),
      card('newValue', [{ group: B, ...ZERO.newValue }]),
      card('feedback', [{ group: B, ...feedbackB }]),
    ]);
    expect(JSON.stringify(own)).not.toContain(A);
    const quiet = await get(MARCH, await createTestKey(sys.db, 'DEALER', C));
    for (const p of quiet.processes) expect(p.rows).toEqual([{ group: C, ...ZERO[p.process as ProcessName] }]);
  });

  it("by source, campaign and model: a lead counts for itself, every other record for the customer's latest lead before it", async () => {
    const bySource = await get(`${MARCH}&groupBy=source`);
    expect(bySource.groupBy).toBe('source');
    // WEB_FORM: c0 c2 c3 c6; FAIR: c1's first, c4's March lead (merged); ADF: c1's second (merged).
    expect(processOf(bySource, 'identification')!.rows).toEqual([
      { group: 'ADF', leads: 1, uniqueCustomers: 1, duplicatesMerged: 1 },
      { group: 'FAIR', leads: 2, uniqueCustomers: 2, duplicatesMerged: 1 },
      { group: 'WEB_FORM', leads: 4, uniqueCustomers: 4, duplicatesMerged: 0 },
    ]);
    // j1 qualified at 08:30 on 3 March, after its ADF lead at 08:00; the others came by web form.
    expect(processOf(bySource, 'acquisition')!.rows).toEqual([
      { group: 'ADF', qualified: 1, disqualified: 0, escalated: 0 },
      { group: 'WEB_FORM', qualified: 4, disqualified: 1, escalated: 1 },
    ]);
    // j1's offers, lapse, acceptance and loss are ADF's; j4's acceptance on 1 March is its February
    // web-form lead's; c5's sale is its 2025 fair lead's (12 days). Web form: minutes 6, 30, 60, 60
    // → 45 / 60; days 10, 10, 20 → median 10, p90 at 1.8 → 10 + 0.8·10 = 18.
    expect(processOf(bySource, 'engagement')!.rows).toEqual([
      { group: 'ADF', ...ZERO.engagement, offered: 2, accepted: 1, slaBreaches: 1, acceptRate: 0.5, timeToAcceptMinutes: { median: 120, p90: 120 }, fellBack: 1 },
      { group: 'FAIR', ...ZERO.engagement, sold: 1, timeToSaleDays: { median: 12, p90: 12 } },
      {
        group: 'WEB_FORM', offered: 4, accepted: 4, declined: 1, slaBreaches: 0, acceptRate: 1, timeToAcceptMinutes: { median: 45, p90: 60 }, acceptedWithin15Minutes: 1,
        sold: 3, timeToSaleDays: { median: 10, p90: 18 }, fellBack: 0, reassignedAway: 1,
      },
    ]);
    // c5's return and repurchase are its 2025 fair lead's; the referred lead is itself (a web form's).
    expect(processOf(bySource, 'newValue')!.rows).toEqual([{ group: 'FAIR', ...newValue, referralLeads: 0 }, { group: 'WEB_FORM', ...ZERO.newValue, referralLeads: 1 }]);
    expect(processOf(bySource, 'engagement')!.network).toEqual(engagement);

    // SPRING: c0 c2 c6; no campaign: c1 twice, c3, c4.
    expect(processOf(await get(`${MARCH}&groupBy=campaign`), 'identification')!.rows).toEqual([
      { group: 'SPRING', leads: 3, uniqueCustomers: 3, duplicatesMerged: 0 },
      { group: null, leads: 4, uniqueCustomers: 3, duplicatesMerged: 2 },
    ]);
    expect(processOf(await get(`${MARCH}&groupBy=model`), 'identification')!.rows).toEqual([
      { group: 'ID.3', leads: 1, uniqueCustomers: 1, duplicatesMerged: 1 },
      { group: 'ID.4', leads: 2, uniqueCustomers: 1, duplicatesMerged: 1 },
      { group: 'ID.7', leads: 3, uniqueCustomers: 3, duplicatesMerged: 0 },
      { group: null, leads: 1, uniqueCustomers: 1, duplicatesMerged: 0 },
    ]);
  });

  it("by region: a dealer's records count for its region; a dealer's key sees only its own records there", async () => {
    const byRegion = await get(`${MARCH}&groupBy=region`);
    expect(processOf(byRegion, 'engagement')!.rows).toEqual([{ group: 'NORTH', ...engagementA }, { group: 'SOUTH', ...engagementB }]);
    expect(processOf(byRegion, 'maintenance')!.rows).toEqual([{ group: 'NORTH', ...maintenanceA }, { group: 'SOUTH', ...maintenanceB }]);
    expect(processOf(byRegion, 'identification')!.rows).toEqual([{ group: null, ...identification }]);
    // C is in A's region: its key must not see A's figures under NORTH.
    const c = await get(`${MARCH}&groupBy=region`, await createTestKey(sys.db, 'DEALER', C));
    for (const p of c.processes) expect(p.rows).toEqual([]);
    const b = await get(`${MARCH}&groupBy=region`, await createTestKey(sys.db, 'DEALER', B));
    expect(processOf(b, 'engagement')!.rows).toEqual([{ group: 'SOUTH', ...engagementB }]);
  });

  it("a dealer's region is the OEM's to set through the dealers API; a dealer's key reads it and cannot change it", async () => {
    const bKey = await createTestKey(sys.db, 'DEALER', B);
    expect((await sys.api({ method: 'PATCH', url: `/v1/dealers/${B}`, payload: { region: 'NORTH' } }, bKey)).statusCode).toBe(403);
    const tooLong = await sys.api({ method: 'PATCH', url: `/v1/dealers/${B}`, payload: { region: 'X'.repeat(101) } });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().errors[0].field).toContain('region');
    expect((await get(`/v1/dealers/${B}`, bKey)).region).toBe('SOUTH');
    const moved = await sys.api({ method: 'PATCH', url: `/v1/dealers/${C}`, payload: { region: 'WEST' } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().region).toBe('WEST');
    const cleared = await sys.api({ method: 'PATCH', url: `/v1/dealers/${C}`, payload: { region: null } });
    expect(cleared.json().region).toBeNull();
    await sys.db.dealer.update({ where: { id: C }, data: { region: 'NORTH' } });
  });

  it('a process is captained by the person the OEM names for the network, by its default role until then', async () => {
    const captains = { acquisition: [{ scope: { kind: 'NETWORK' as const, id: '' }, name: 'Rita Regional' }, { scope: { kind: 'DEALER' as const, id: 'DLR-X' }, name: 'Dora Dealer' }] };
    const named = await scorecard(sqlPoolOf(sys.db), { from: at('03-01T00:00'), to: at('04-01T00:00'), captains });
    expect(named.processes.map((p) => [p.process, p.captain])).toEqual([
      ['identification', 'OEM_LEAD_DESK'], ['acquisition', 'Rita Regional'], ['engagement', 'DEALER_SALES_MANAGER'],
      ['maintenance', 'DEALER_SERVICE_MANAGER'], ['newValue', 'DEALER_SALES_MANAGER'], ['feedback', 'OEM_CUSTOMER_CARE'],
    ]);
    expect(named.processes[1]!.captains).toEqual(captains.acquisition);
    // A dealer's card names its own dealer's captain only.
    const mine = await scorecard(sqlPoolOf(sys.db), { from: at('03-01T00:00'), to: at('04-01T00:00'), captains, dealerId: 'DLR-Y' });
    expect(mine.processes[1]!.captains).toEqual([captains.acquisition[0]]);
  });

  it('by week in one pass (the KPI trends): every week\'s figures equal the scorecard asked for that week alone — network, dealer, region', async () => {
    const sql = sqlPoolOf(sys.db);
    const monday = at('02-23T00:00'); // six weeks over the fixture's February and March (the ledger, sales, back in market)
    const weeks = Array.from({ length: 6 }, (_, i) => ({ from: new Date(monday.getTime() + i * 7 * 86_400_000), to: new Date(monday.getTime() + (i + 1) * 7 * 86_400_000) }));
    const strip = (figures: object) => Object.fromEntries(Object.entries(figures).filter(([k]) => k !== 'group'));
    const rowOf = (card: Scorecard, process: string, group: string) => (card.processes.find((p) => p.process === process)!.rows as { group: string | null }[]).find((r) => r.group === group);
    const scopes = [{ name: 'network' }, { name: 'dealer A', dealerId: A }, { name: 'dealer B', dealerId: B }, { name: 'region NORTH', region: 'NORTH' }] as const;
    let compared = 0;
    for (const scope of scopes) {
      const byWeek = await scorecard(sql, { from: weeks[0]!.from, to: weeks.at(-1)!.to, groupBy: 'week', ...scope });
      for (const w of weeks) {
        const alone = await scorecard(sql, { from: w.from, to: w.to, groupBy: 'region' in scope ? 'region' : 'dealer', ...('dealerId' in scope ? { dealerId: scope.dealerId } : {}) });
        const zero = await scorecard(sql, { from: w.from, to: w.to, dealerId: 'DLR-NOBODY' });
        for (const p of alone.processes) {
          const expected = 'dealerId' in scope ? rowOf(alone, p.process, scope.dealerId) : 'region' in scope ? (rowOf(alone, p.process, scope.region) ?? rowOf(zero, p.process, 'DLR-NOBODY')) : p.network;
          expect(strip(rowOf(byWeek, p.process, w.from.toISOString().slice(0, 10))!), `${scope.name}, ${p.process}, week of ${w.from.toISOString().slice(0, 10)}`).toEqual(strip(expected!));
          compared++;
        }
      }
    }
    expect(compared).toBe(4 * 6 * 6);
    // The fixture's weeks are not all quiet: the comparison saw figures, not only zeros.
    const trend = await kpiTrend(sql, { scope: { kind: 'DEALER', id: A }, at: weeks.at(-1)!.to, weeks: 6 });
    expect(trend.kpis).toHaveLength(KPI_IDS.length);
    expect(trend.kpis.find((k) => k.kpi === 'acceptRate')!.values.filter((v) => v !== null).length).toBeGreaterThanOrEqual(2);
    expect(trend.kpis.find((k) => k.kpi === 'serviceVisitsPerOwnerYear')!.values.some((v) => v !== null && v > 0)).toBe(true);
  });

  it('CSV for spreadsheets: one line per process, group and figure, the network as NETWORK', async () => {
    const res = await sys.api({ method: 'GET', url: MARCH.replace('scorecard', 'scorecard.csv') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('process,captain,group,metric,value');
    expect(lines).toEqual(expect.arrayContaining([
      'identification,OEM_LEAD_DESK,,leads,7',
      'identification,OEM_LEAD_DESK,NETWORK,duplicatesMerged,2',
      `engagement,DEALER_SALES_MANAGER,${A},timeToAcceptMinutes.median,45`,
      `engagement,DEALER_SALES_MANAGER,${B},acceptRate,0.5`,
      'engagement,DEALER_SALES_MANAGER,NETWORK,timeToSaleDays.p90,17.6',
      `maintenance,DEALER_SERVICE_MANAGER,${A},serviceVisitsPerOwnedCustomerYear,16.53`,
      `feedback,OEM_CUSTOMER_CARE,${B},timeToResolutionDays.median,`,
    ]));
    // identification 1 row + network, 3 figures each; … every line is one figure, and each KPI three
    // (its figure, target and verdict: kpi.<id>, .target, .status).
    const kpis = { identification: 0, acquisition: 2, engagement: 4, maintenance: 2, newValue: 1, feedback: 2 };
    const figures = Object.fromEntries(Object.entries({ identification: 3, acquisition: 3, engagement: 13, maintenance: 6, newValue: 3, feedback: 9 })
      .map(([p, f]) => [p, f + 3 * kpis[p as ProcessName]]));
    expect(lines).toEqual(expect.arrayContaining([`engagement,DEALER_SALES_MANAGER,${A},kpi.acceptRate,1`, `engagement,DEALER_SALES_MANAGER,${A},kpi.acceptRate.status,`]));
    const rows = { identification: 2, acquisition: 2, engagement: 3, maintenance: 3, newValue: 2, feedback: 4 };
    expect(lines).toHaveLength(1 + Object.entries(figures).reduce((sum, [p, f]) => sum + f! * rows[p as ProcessName], 0));
  });

  it('bad windows and groupings are a 400 naming the parameter', async () => {
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
    const planet = await sys.api({ method: 'GET', url: '/v1/reports/scorecard?from=2026-03-01&to=2026-03-31&groupBy=planet' });
    expect(planet.statusCode).toBe(400);
    expect(planet.json().errors[0].field).toBe('querystring.groupBy');
    expect((await sys.api({ method: 'GET', url: MARCH }, null)).statusCode).toBe(401);
  });
});

describe('what the database keeps with each record for the scorecard (migration 0013)', () => {
  const derived = async () => {
    const sql = sqlPoolOf(sys.db);
    const rows = async (text: string) => (await sql.query(text)).rows;
    return {
      leads: await rows('SELECT id, merged FROM lead ORDER BY id'),
      stages: await rows('SELECT key, lead_id FROM journey_stage_change ORDER BY key'),
      handoffs: await rows('SELECT key, lead_id, offered_at FROM handoff_event ORDER BY key'),
      ledger: await rows('SELECT key, lead_id FROM ownership_change ORDER BY key'),
      sales: await rows('SELECT key, lead_id FROM sale ORDER BY key'),
      aftersales: await rows('SELECT key, lead_id FROM aftersales_event ORDER BY key'),
      messages: await rows('SELECT id, lead_id FROM communication ORDER BY id'),
    };
  };

  it("the migration's backfill gives rows written before it what the database gives rows written since", async () => {
    const written = await derived();
    // Every stage change of the fixture has a lead at or before it.
    expect(written.stages.filter((r) => r.lead_id === null)).toEqual([]);
    expect(written.handoffs.filter((r) => r.offered_at !== null)).toHaveLength(5); // the five acceptances
    expect(written.leads.filter((r) => r.merged)).toHaveLength(3); // c1's second, c4's March lead, c0's April lead

    const sql = sqlPoolOf(sys.db);
    await sql.query(`UPDATE lead SET merged = false; UPDATE journey_stage_change SET lead_id = NULL; UPDATE handoff_event SET lead_id = NULL, offered_at = NULL;
      UPDATE ownership_change SET lead_id = NULL; UPDATE sale SET lead_id = NULL; UPDATE aftersales_event SET lead_id = NULL; UPDATE communication SET lead_id = NULL`);
    const migration = readFileSync(new URL('../../prisma/migrations/0013_scorecard_attribution/migration.sql', import.meta.url), 'utf8');
    const backfill = migration.slice(migration.indexOf('-- Rows written before this version'));
    expect(backfill).toContain('UPDATE lead');
    await sql.query(backfill);
    expect(await derived()).toEqual(written);
  });

  it('a record counts for the leads known when it is written: a lead entered later with an earlier time counts from then on', async () => {
    const sql = sqlPoolOf(sys.db);
    const customer = randomUUID();
    const journey = `journey-${customer}`;
    await sys.db.customer.create({ data: { id: customer, emailNormalized: `late.${customer}@example.com` } });
    await sys.db.journey.create({ data: { id: journey, customerId: customer, stage: 'QUALIFYING', owner: 'OEM', startedAt: at('2024-01-01T00:00'), stageChangedAt: at('2024-01-01T00:00') } });
    try {
      const first = await sys.db.lead.create({ data: { customerId: customer, source: 'WEB_FORM', receivedAt: at('2024-01-01T00:00') } });
      const stage = (key: string, when: string) => sys.db.journeyStageChange.create({
        data: { key: `${key}-${customer}`, journeyId: journey, customerId: customer, fromStage: 'QUALIFYING', toStage: 'HANDED_OFF', at: at(when) },
      });
      const before = await stage('late-1', '2024-02-01T00:00');
      // A fair file entered after that stage change, with the fair's date of 15 January.
      const fair = await sys.db.lead.create({ data: { customerId: customer, source: 'FAIR', receivedAt: at('2024-01-15T00:00') } });
      const after = await stage('late-2', '2024-02-02T00:00');
      expect([first.merged, fair.merged]).toEqual([false, true]);
      expect([before.leadId, after.leadId]).toEqual([first.id, fair.id]);
      await sys.db.handoffEvent.create({ data: { key: `late-3-${customer}`, journeyId: journey, dealerId: A, kind: 'ACCEPTED', at: at('2024-02-03T00:00') } });
      const unanswered = await sql.query('SELECT lead_id, offered_at FROM handoff_event WHERE key = $1', [`late-3-${customer}`]);
      expect(unanswered.rows).toEqual([{ lead_id: fair.id, offered_at: null }]); // no offer before it: no time to accept
    } finally {
      await sql.query('DELETE FROM journey_stage_change WHERE customer_id = $1', [customer]);
      await sql.query('DELETE FROM handoff_event WHERE journey_id = $1', [journey]);
      await sql.query('DELETE FROM lead WHERE customer_id = $1', [customer]);
      await sql.query('DELETE FROM journey WHERE id = $1', [journey]);
      await sql.query('DELETE FROM customer WHERE id = $1', [customer]);
    }
  });
});

describe('daily roll-ups (migration 0032): the figures of the records, read from a few rows per dealer and day', () => {
  const sql = () => sqlPoolOf(sys.db);
  // The tests above wrote (and removed) records of 2024: the job's next run takes their marks.
  beforeAll(() => rollUpScorecard(sql()));
  const windows = [
    { name: 'March', from: at('03-01T00:00'), to: at('04-01T00:00') },
    { name: 'six weeks', from: at('02-23T00:00'), to: at('04-06T00:00') },
    { name: 'two years to come', from: at('2025-01-01T00:00'), to: at('2027-01-01T00:00') },
    { name: 'to an hour', from: at('03-01T00:00'), to: at('03-20T10:30') },
  ];
  const requests = [
    ...windows.flatMap((w) => (['dealer', 'region', 'source'] as const).flatMap((groupBy) =>
      [undefined, A, B, C].map((dealerId) => ({ ...w, groupBy, ...(dealerId ? { dealerId } : {}) })))),
    // By week (the KPI trends): the fixture's weeks, and eight weeks to come (today's records, the future).
    ...[{ name: 'six weeks by week', from: at('02-23T00:00'), to: at('04-06T00:00') }, { name: 'eight weeks by week', from: at('11-02T00:00'), to: at('12-28T00:00') }]
      .flatMap((w) => [{}, { dealerId: A }, { dealerId: B }, { dealerId: C }, { region: 'NORTH' }, { region: 'SOUTH' }]
        .map((scope) => ({ ...w, groupBy: 'week' as const, ...scope }))),
  ];
  /** Every request read both ways; returns how many were compared. */
  const compareAll = async () => {
    for (const { name, ...request } of requests) {
      const [rolled, scanned] = await Promise.all([scorecard(sql(), request), scorecard(sql(), { ...request, rollups: false })]);
      expect(rolled, `${name} by ${request.groupBy} for ${JSON.stringify(request)}`).toEqual(scanned);
    }
    return requests.length;
  };
  const accepted = async (from: Date, to: Date, rollups = true) =>
    (await scorecard(sql(), { from, to, rollups })).processes.find((p) => p.process === 'engagement')!.network as { offered: number; accepted: number; timeToAcceptMinutes: unknown };

  it('the scorecard reads the rolled days, and gives what the records give for every window, grouping and key', async () => {
    expect(await rolledDays(sql(), windows[0]!.from, windows[0]!.to)).toEqual({ from: '2026-03-01', to: '2026-04-01' });
    expect(await rolledDays(sql(), windows[3]!.from, windows[3]!.to)).toEqual({ from: '2026-03-01', to: '2026-03-20' }); // the rest from the records
    expect(await rolledDays(sql(), at('03-01T06:00'), windows[0]!.to)).toBeNull(); // not from a midnight: the records
    expect(await compareAll()).toBe(60);
    // The roll-ups are what is read: a figure changed in them shows (and is put back).
    const day = "day = '2026-03-03' AND accepted > 0";
    await sql().query(`UPDATE scorecard_day SET accepted = accepted + 100 WHERE ${day}`);
    try {
      expect((await accepted(windows[0]!.from, windows[0]!.to)).accepted).toBe((await accepted(windows[0]!.from, windows[0]!.to, false)).accepted + 100);
    } finally {
      await sql().query(`UPDATE scorecard_day SET accepted = accepted - 100 WHERE ${day}`);
    }
  });

  it("a record arriving for a rolled day is read from the records until the Schedule's run rolls that day again; today's always are", async () => {
    const journeyId = (await sql().query<{ id: string }>('SELECT id FROM journey ORDER BY id LIMIT 1')).rows[0]!.id;
    const june = { from: at('2025-06-01T00:00'), to: at('2025-07-01T00:00') };
    const before = await accepted(june.from, june.to);
    // Entered now, for a day long rolled (a sale entered afterwards, a fair file of last year).
    await sys.db.handoffEvent.createMany({ data: [
      { key: `late-offer-${journeyId}`, journeyId, dealerId: C, kind: 'OFFERED', at: at('2025-06-10T09:00') },
      { key: `late-accept-${journeyId}`, journeyId, dealerId: C, kind: 'ACCEPTED', at: at('2025-06-10T09:42') },
    ] });
    expect((await sql().query('SELECT day::text FROM scorecard_stale')).rows).toEqual([{ day: '2025-06-10' }]); // once for the two
    expect(await rolledDays(sql(), june.from, june.to)).toEqual({ from: '2025-06-01', to: '2025-06-10' });
    expect(before).toMatchObject({ offered: 0, accepted: 0, timeToAcceptMinutes: { median: null, p90: null } });
    expect(await accepted(june.from, june.to)).toEqual({ ...before, offered: 1, accepted: 1, acceptRate: 1, timeToAcceptMinutes: { median: 42, p90: 42 } });
    // One of today: read from the records, no mark.
    await sys.db.handoffEvent.create({ data: { key: `today-offer-${journeyId}`, journeyId, dealerId: C, kind: 'OFFERED', at: new Date() } });
    expect((await sql().query('SELECT count(*)::int AS n FROM scorecard_stale')).rows[0].n).toBe(1);
    expect(await compareAll()).toBe(60);

    // The Schedule (one per namespace; this file's own, on its queue): made once, run by a trigger as the hour would.
    const scheduleId = `scorecard-rollup-${sys.taskQueue}`;
    await ensureScorecardRollupSchedule(sys.temporal, sys.taskQueue, scheduleId);
    await ensureScorecardRollupSchedule(sys.temporal, sys.taskQueue, scheduleId); // again: nothing changes, no error
    const schedule = sys.temporal.schedule.getHandle(scheduleId);
    try {
      const described = await schedule.describe();
      expect(described.spec.intervals).toEqual([{ every: 3_600_000, offset: 1_200_000 }]);
      await schedule.trigger();
      const run = await eventually(async () => (await schedule.describe()).info.recentActions[0]?.action.workflow);
      const result = await sys.temporal.workflow.getHandle(run!.workflowId, run!.firstExecutionRunId).result();
      expect(result).toMatch(/^days 2025-06-10\.\.\d{4}-\d{2}-\d{2} \(\d+ rows, 1 marks\)$/);
    } finally {
      await schedule.delete();
    }
    expect((await sql().query('SELECT count(*)::int AS n FROM scorecard_stale')).rows[0].n).toBe(0);
    expect(await rolledDays(sql(), june.from, june.to)).toEqual({ from: '2025-06-01', to: '2025-07-01' });
    expect((await sql().query("SELECT accepted, minutes_values::text FROM scorecard_day WHERE day = '2025-06-10' AND dealer_id = $1", [C])).rows)
      .toEqual([{ accepted: 1, minutes_values: '{42}' }]);
    expect(await compareAll()).toBe(60);
  });
});
