// Process captains as people (issue 35) on the real stack: targets set by the OEM and the
// scorecard's figures against them for a hand-computed week of records (three dealers in two
// regions); captains named (who may captain what), their digest schedules in Temporal, paused
// and resumed; a digest triggered and read from a real SMTP receiver; the weekly trend; a dealer's
// monthly statement (JSON and CSV, its own only); a company's counterparts.
import { AxeBuilder } from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpTransport, logTransport } from '../../communications/transports.js';
import { digestWeekOf } from '../../domain/kpis.js';
import { captainDigestScheduleIdOf } from '../../workflows/definitions.js';
import { startSmtpServer } from '../support/smtp.js';
import { createTestKey, eventually, silentLog, startSystem, type System } from '../support/system.js';
import { FIRST_PASSWORD, logIn } from '../support/workspace-login.js';

const tag = randomUUID().slice(0, 6).toUpperCase();
const [X, Y, Z] = ['X', 'Y', 'Z'].map((d) => `DLR-CP-${d}-${tag}`) as [string, string, string];
const NORTH = `NORTH-${tag}`;
const SOUTH = `SOUTH-${tag}`;

let sys: System;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
const keys = { ops: '', x: '', y: '' };
const people = { desk: '', managerX: '', sellerY: '', gone: '' };
const emails = new Map<string, string>();
/** The fleet company whose counterparts are named (the browser's care page shows them). */
let fleetCompany = '';
let fleetDriver = '';
let browser: Browser;
let baseUrl = '';
/** Serious and critical findings of axe-core on the page as it is now. */
async function accessibilityProblems(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
/** The week before this one (UTC): the digest triggered today covers it, and the records are in it. */
const week = digestWeekOf(new Date(), 'UTC');
const at = (day: number, minutes: number) => new Date(week.from.getTime() + day * 86_400_000 + 9 * 3_600_000 + minutes * 60_000);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const lastDay = dayOf(new Date(week.to.getTime() - 86_400_000));
/** The year holding most of the week (its Thursday's): the targets' period. */
const year = String(new Date(week.from.getTime() + 3 * 86_400_000).getUTCFullYear());
const month = dayOf(week.from).slice(0, 7);

async function person(role: string, dealerId?: string): Promise<string> {
  const res = await sys.api({ method: 'POST', url: '/v1/users', payload: { email: `${role.toLowerCase()}.${randomUUID().slice(0, 8)}@captains.example`, name: `${role} ${tag}`, role, ...(dealerId ? { dealerId } : {}), password: FIRST_PASSWORD } });
  expect(res.statusCode, res.body).toBe(201);
  emails.set(res.json().id, res.json().email);
  return res.json().id;
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  sys = await startSystem({ kinds: ['journeys', 'bulk'], transports: { email: smtpTransport(smtp.url, silentLog), other: logTransport(silentLog) } });
  await sys.db.dealer.createMany({ data: [[X, NORTH], [Y, NORTH], [Z, SOUTH]].map(([id, region]) => ({ id: id!, region, name: `Autohaus ${id}`, territory: ['98'], brands: ['VW'] })) });
  baseUrl = await sys.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
  keys.ops = await createTestKey(sys.db, 'OPS');
  keys.x = await createTestKey(sys.db, 'DEALER', X);
  keys.y = await createTestKey(sys.db, 'DEALER', Y);
  people.desk = await person('OEM_LEAD_DESK');
  people.managerX = await person('SALES_MANAGER', X);
  people.sellerY = await person('SALESPERSON', Y);
  people.gone = await person('OPS');
  await sys.db.userAccount.update({ where: { id: people.gone }, data: { active: false } });

  // The week's hand-offs, by dealer (minutes from offer to answer):
  // X: 10 offers — 3 accepted within 10 min, 3 after 60 min, 4 lapsed; 2 of its 6 sold.
  // Y: 4 offers, all accepted within 5 min; 2 sold.  Z: 2 offers — 1 accepted after 20 min, 1 lapsed; none sold.
  type Planned = [dealerId: string, answer: 'ACCEPTED' | 'TIMED_OUT', minutes: number, sold: boolean];
  const plan: Planned[] = [
    ...[10, 10, 10].map((m): Planned => [X, 'ACCEPTED', m, false]), ...[60, 60, 60].map((m, i): Planned => [X, 'ACCEPTED', m, i < 2]),
    ...[1, 2, 3, 4].map((): Planned => [X, 'TIMED_OUT', 240, false]),
    ...[5, 5, 5, 5].map((m, i): Planned => [Y, 'ACCEPTED', m, i < 2]),
    [Z, 'ACCEPTED', 20, false], [Z, 'TIMED_OUT', 240, false],
  ];
  const customers = plan.map(() => randomUUID());
  const journeys = customers.map((c) => `journey-${c}`);
  await sys.db.customer.createMany({ data: customers.map((id, i) => ({ id, emailNormalized: `cp.${i}.${id}@example.com` })) });
  await sys.db.journey.createMany({ data: customers.map((customerId, i) => ({ id: journeys[i]!, customerId, stage: 'IN_SALES', owner: 'DEALER_SALES', dealerId: plan[i]![0], startedAt: at(0, 0), stageChangedAt: at(0, 0) })) });
  let n = 0;
  await sys.db.handoffEvent.createMany({
    data: plan.flatMap(([dealerId, kind, minutes], i) => [
      { key: `cp-${tag}-${n++}`, journeyId: journeys[i]!, dealerId, kind: 'OFFERED', at: at(i % 5, 0) },
      { key: `cp-${tag}-${n++}`, journeyId: journeys[i]!, dealerId, kind, at: at(i % 5, minutes) },
    ]),
  });
  await sys.db.sale.createMany({
    data: plan.flatMap(([dealerId, , , sold], i) => (sold ? [{ key: `cp-${tag}-${n++}`, journeyId: journeys[i]!, customerId: customers[i]!, dealerId, vin: `WVWZZZ1JZCP${String(i).padStart(6, '0')}`, model: 'ID.7', soldOn: at(5, 0), at: at(5, 0) }] : [])),
  });
  // Waiting on people: a journey escalated after X let it lapse (the week before), and a detractor's restitution case with Z still open.
  const escalated = randomUUID();
  await sys.db.customer.create({ data: { id: escalated, emailNormalized: `cp.esc.${escalated}@example.com` } });
  await sys.db.journey.create({ data: { id: `journey-${escalated}`, customerId: escalated, stage: 'ESCALATED', owner: 'OEM', startedAt: at(1, 0), stageChangedAt: at(2, 0) } });
  await sys.db.handoffEvent.createMany({ data: [{ key: `cp-${tag}-${n++}`, journeyId: `journey-${escalated}`, dealerId: X, kind: 'OFFERED', at: at(-3, 0) }, { key: `cp-${tag}-${n++}`, journeyId: `journey-${escalated}`, dealerId: X, kind: 'TIMED_OUT', at: at(-3, 240) }] });
  await sys.db.journeyTask.create({ data: { key: `restitution:${tag}`, journeyId: journeys[15]!, assignee: 'OEM', kind: 'RESTITUTION', dueAt: at(6, 0) } });
  const surveyId = randomUUID();
  await sys.db.communication.create({
    data: {
      id: surveyId, customerId: customers[15]!, journeyId: journeys[15]!, senderKind: 'DEALER', senderDealerId: Z, requestedBy: 'journey',
      purpose: 'SURVEY', channel: 'EMAIL', templateId: 'satisfaction-survey', variables: {}, status: 'SENT', sentAt: at(2, 0),
    },
  });
  await sys.db.surveyAnswer.create({ data: { communicationId: surveyId, customerId: customers[15]!, journeyId: journeys[15]!, dealerId: Z, score: 2, caseId: `restitution:${tag}`, answeredAt: at(3, 0) } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const c of await sys?.db.processCaptain.findMany() ?? []) await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(c.id)).delete().catch(() => {});
  await sys?.stop();
  await smtp?.stop();
});

type Kpi = { kpi: string; value: number | null; target: number | null; status: string | null; targetScope: { kind: string; id: string } | null };
const kpisOf = (row: { kpis: Kpi[] }) => Object.fromEntries(row.kpis.map((k) => [k.kpi, [k.value, k.target, k.status]]));

describe('process captains', () => {
  it('targets: set by the OEM (the same again changes nothing), refused naming the problem, read by ops', async () => {
    const set = (payload: object, key?: string) => sys.api({ method: 'PUT', url: '/v1/kpi-targets', payload }, key);
    const targets: object[] = [
      { kpi: 'acceptedWithin15Minutes', scope: { kind: 'NETWORK' }, period: year, target: 0.45 },
      { kpi: 'slaBreachRate', scope: { kind: 'NETWORK' }, period: year, target: 0.1 },
      { kpi: 'acceptRate', scope: { kind: 'NETWORK' }, period: year, target: 0.7 },
      { kpi: 'salesConversion', scope: { kind: 'NETWORK' }, period: year, target: 0.35 },
      // Y's own, higher bar: its figures answer to it, the others' to the network's.
      { kpi: 'acceptRate', scope: { kind: 'DEALER', id: Y }, period: year, target: 0.95 },
      // Another year's target never applies to this week.
      { kpi: 'acceptRate', scope: { kind: 'NETWORK' }, period: String(Number(year) - 1), target: 0.1 },
    ];
    const first = await set(targets[0]!);
    expect(first.statusCode, first.body).toBe(200);
    const again = await set(targets[0]!);
    expect(again.json()).toEqual(first.json());
    for (const t of targets.slice(1)) expect((await set(t)).statusCode).toBe(200);

    const refused = [
      [{ kpi: 'acceptRate', scope: { kind: 'NETWORK' }, period: `${year}-13`, target: 0.5 }, 'period'],
      [{ kpi: 'acceptRate', scope: { kind: 'NETWORK' }, period: year, target: 1.5 }, 'target'],
      [{ kpi: 'acceptRate', scope: { kind: 'DEALER', id: 'DLR-NOBODY' }, period: year, target: 0.5 }, 'scope.id'],
      [{ kpi: 'acceptRate', scope: { kind: 'REGION', id: 'NOWHERE' }, period: year, target: 0.5 }, 'scope.id'],
      [{ kpi: 'speed', scope: { kind: 'NETWORK' }, period: year, target: 0.5 }, 'kpi'],
    ] as const;
    for (const [payload, field] of refused) {
      const res = await set(payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().errors)).toContain(field);
    }
    expect((await set(targets[0]!, keys.x)).statusCode).toBe(403);
    expect((await set(targets[0]!, keys.ops)).statusCode).toBe(403);
    const listed = await sys.api({ method: 'GET', url: '/v1/kpi-targets' }, keys.ops);
    expect(listed.json().items).toHaveLength(6);
    expect((await sys.api({ method: 'GET', url: '/v1/kpi-targets' }, keys.x)).statusCode).toBe(403);
    expect(await sys.db.kpiTarget.count()).toBe(6);
  });

  it('the scorecard shows each figure against its target: met, close, missed (hand-computed)', async () => {
    const res = await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${dayOf(week.from)}&to=${lastDay}` });
    expect(res.statusCode, res.body).toBe(200);
    const engagement = res.json().processes.find((p: { process: string }) => p.process === 'engagement');
    const row = (g: string) => engagement.rows.find((r: { group: string }) => r.group === g);
    // Network: 16 offers, 11 accepted (7 within 15 min), 5 lapsed; 4 of the 11 sold.
    expect(kpisOf(engagement.network)).toEqual({
      acceptedWithin15Minutes: [0.438, 0.45, 'CLOSE'], slaBreachRate: [0.313, 0.1, 'MISSED'], acceptRate: [0.688, 0.7, 'CLOSE'], salesConversion: [0.364, 0.35, 'MET'],
    });
    expect(kpisOf(row(X))).toEqual({ acceptedWithin15Minutes: [0.3, 0.45, 'MISSED'], slaBreachRate: [0.4, 0.1, 'MISSED'], acceptRate: [0.6, 0.7, 'MISSED'], salesConversion: [0.333, 0.35, 'CLOSE'] });
    expect(kpisOf(row(Y))).toEqual({ acceptedWithin15Minutes: [1, 0.45, 'MET'], slaBreachRate: [0, 0.1, 'MET'], acceptRate: [1, 0.95, 'MET'], salesConversion: [0.5, 0.35, 'MET'] });
    expect(row(Y).kpis.find((k: Kpi) => k.kpi === 'acceptRate').targetScope).toEqual({ kind: 'DEALER', id: Y });
    expect(kpisOf(row(Z))).toEqual({ acceptedWithin15Minutes: [0, 0.45, 'MISSED'], slaBreachRate: [0.5, 0.1, 'MISSED'], acceptRate: [0.5, 0.7, 'MISSED'], salesConversion: [0, 0.35, 'MISSED'] });
    // No target for service visits: its figure without a verdict.
    const maintenance = res.json().processes.find((p: { process: string }) => p.process === 'maintenance');
    expect(maintenance.network.kpis.find((k: Kpi) => k.kpi === 'serviceVisitsPerOwnerYear')).toMatchObject({ target: null, status: null });
    // By region: NORTH (X and Y) answers to the network's targets: 7 of 14 within 15 minutes.
    const byRegion = (await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${dayOf(week.from)}&to=${lastDay}&groupBy=region` })).json();
    const north = byRegion.processes.find((p: { process: string }) => p.process === 'engagement').rows.find((r: { group: string }) => r.group === NORTH);
    expect(kpisOf(north).acceptedWithin15Minutes).toEqual([0.5, 0.45, 'MET']);
    // The CSV carries them too.
    const csv = await sys.api({ method: 'GET', url: `/v1/reports/scorecard.csv?from=${dayOf(week.from)}&to=${lastDay}` });
    expect(csv.body).toContain(`engagement,DEALER_SALES_MANAGER,${X},kpi.acceptRate.status,MISSED`);
  });

  it('captains: named per process and scope (who may captain what), their digests scheduled in Temporal, paused and resumed', async () => {
    const set = (payload: object, key?: string) => sys.api({ method: 'PUT', url: '/v1/captains', payload }, key);
    const network = await set({ process: 'engagement', scope: { kind: 'NETWORK' }, userId: people.desk, timeZone: 'UTC' });
    expect(network.statusCode, network.body).toBe(200);
    expect(network.json()).toMatchObject({ process: 'engagement', scope: { kind: 'NETWORK', id: '' }, person: { userId: people.desk, role: 'OEM_LEAD_DESK' }, timeZone: 'UTC', digestPaused: false });
    const again = await set({ process: 'engagement', scope: { kind: 'NETWORK' }, userId: people.desk, timeZone: 'UTC' });
    expect(again.json()).toEqual(network.json());
    const captainId = network.json().captainId as string;
    const schedule = await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captainId)).describe();
    expect(schedule.spec.timezone).toBe('UTC');
    expect(schedule.spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }], hour: [{ start: 7, end: 7, step: 1 }] });
    expect(schedule.state.paused).toBe(false);

    // X's sales manager captains X's engagement, in X's zone.
    const dealer = await set({ process: 'engagement', scope: { kind: 'DEALER', id: X }, userId: people.managerX });
    expect(dealer.statusCode, dealer.body).toBe(200);
    expect(dealer.json().timeZone).toBe('Europe/Berlin');
    const refused = [
      [{ process: 'engagement', scope: { kind: 'DEALER', id: X }, userId: people.sellerY }, 'userId', /its own people/],
      [{ process: 'engagement', scope: { kind: 'REGION', id: NORTH }, userId: people.managerX }, 'userId', /OEM's people/],
      [{ process: 'feedback', scope: { kind: 'NETWORK' }, userId: people.gone }, 'userId', /deactivated/],
      [{ process: 'feedback', scope: { kind: 'NETWORK' }, userId: randomUUID() }, 'userId', /no workspace person/],
      [{ process: 'feedback', scope: { kind: 'NETWORK' }, userId: people.desk, timeZone: 'Mars/Olympus' }, 'timeZone', /not a time zone/],
      [{ process: 'feedback', scope: { kind: 'REGION', id: 'NOWHERE' }, userId: people.desk }, 'scope.id', /no dealer is in region/],
    ] as const;
    for (const [payload, field, why] of refused) {
      const res = await set(payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0]).toMatchObject({ field });
      expect(res.json().errors[0].message).toMatch(why);
    }
    expect(await sys.db.processCaptain.count()).toBe(2);
    expect((await set({ process: 'engagement', scope: { kind: 'NETWORK' }, userId: people.desk }, keys.x)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: '/v1/captains' }, keys.x)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: '/v1/captains' }, keys.ops)).json().items).toHaveLength(2);

    // The scorecard names them: the network's captain for the OEM; X's key sees its own dealer's too, Y's not X's.
    const card = async (key?: string) => (await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${dayOf(week.from)}&to=${lastDay}` }, key)).json()
      .processes.find((p: { process: string }) => p.process === 'engagement');
    expect((await card()).captain).toBe(`OEM_LEAD_DESK ${tag}`);
    expect((await card(keys.x)).captains.map((c: { name: string }) => c.name)).toEqual([`OEM_LEAD_DESK ${tag}`, `SALES_MANAGER ${tag}`]);
    expect((await card(keys.y)).captains.map((c: { name: string }) => c.name)).toEqual([`OEM_LEAD_DESK ${tag}`]);

    // Paused and resumed: the schedule follows; a repeat answers the same.
    const pause = () => sys.api({ method: 'PATCH', url: `/v1/captains/${captainId}`, payload: { digestPaused: true } });
    expect((await pause()).json().digestPaused).toBe(true);
    expect((await pause()).json().digestPaused).toBe(true);
    expect((await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captainId)).describe()).state.paused).toBe(true);
    expect((await sys.api({ method: 'PATCH', url: `/v1/captains/${captainId}`, payload: { digestPaused: false } })).json().digestPaused).toBe(false);
    expect((await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captainId)).describe()).state.paused).toBe(false);

    // Removed: the schedule goes with it; again, the same answer.
    const dealerCaptain = dealer.json().captainId as string;
    const removed = await sys.api({ method: 'DELETE', url: `/v1/captains/${dealerCaptain}` });
    expect(removed.json()).toEqual({ captainId: dealerCaptain, removed: true });
    const removedAgain = await sys.api({ method: 'DELETE', url: `/v1/captains/${dealerCaptain}` });
    expect([removedAgain.statusCode, removedAgain.json()]).toEqual([200, removed.json()]);
    expect(await sys.db.processCaptain.count({ where: { id: dealerCaptain } })).toBe(0);
    await expect(sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(dealerCaptain)).describe()).rejects.toThrow(/not found/i);
  });

  it("a captain's weekly digest: triggered from the schedule, read from the SMTP receiver, once per week", async () => {
    const captain = (await sys.db.processCaptain.findFirstOrThrow({ where: { process: 'engagement', scopeKind: 'NETWORK' }, include: { user: true } }));
    const res = await sys.api({ method: 'POST', url: `/v1/captains/${captain.id}/digest` }, keys.ops);
    expect(res.statusCode, res.body).toBe(202);
    const mail = await eventually(async () => smtp.inbox.find((m) => m.to === captain.user.email), 30_000);
    expect(mail.subject).toBe(`Engagement, network: week of ${dayOf(week.from)} — 1 target missed`);
    expect(mail.text).toContain(`Hello OEM_LEAD_DESK ${tag},`);
    expect(mail.text).toContain(`${dayOf(week.from)} to ${lastDay} (UTC days)`);
    expect(mail.text).toContain('Offers accepted within 15 minutes: 43.8 % (target ≥ 45 %: close)');
    expect(mail.text).toContain('Offers that lapsed unanswered (SLA breaches): 31.3 % (target ≤ 10 %: MISSED)');
    expect(mail.text).toContain('Sold per accepted hand-off: 36.4 % (target ≥ 35 %: met)');
    // The dealers that missed: X (three KPIs) and Z (all four); Y none.
    expect(mail.text).toContain(`- dealer ${X}: Offers accepted within 15 minutes 30 % (target 45 %); Offers that lapsed unanswered (SLA breaches) 40 % (target 10 %); Offers accepted 60 % (target 70 %)`);
    expect(mail.text).toMatch(new RegExp(`- dealer ${Z}: .*Sold per accepted hand-off 0 % \\(target 35 %\\)`));
    expect(mail.text).not.toContain(`dealer ${Y}:`);
    expect(mail.text).toContain(`Open escalations (no dealer took the customer): 1, the oldest since ${dayOf(at(2, 0))}`);
    expect(mail.text).toContain("Open restitution cases (detractors' surveys): 1");
    expect(mail.text).toContain(`/workspace/scorecard?from=${dayOf(week.from)}&to=${lastDay}&groupBy=dealer#process-engagement`);
    await eventually(async () => ((await sys.db.captainDigest.findFirst({ where: { captainId: captain.id } }))?.status === 'SENT' ? true : undefined));

    // Triggered again the same week: the digest is not sent twice. A schedule names the run it starts
    // by the second it was taken; a trigger within the same second as the last is dropped by the
    // server (a double click sends one digest), so this one waits for the next second.
    const schedule = sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captain.id));
    const [first] = (await schedule.describe()).info.recentActions;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(first!.takenAt.getTime() / 1000) * 1000 + 1_100 - Date.now())));
    expect((await sys.api({ method: 'POST', url: `/v1/captains/${captain.id}/digest` })).statusCode).toBe(202);
    // Both runs, as the schedule records them; each must complete.
    const actions = await eventually(async () => {
      const { recentActions } = (await schedule.describe()).info;
      return recentActions.length >= 2 ? recentActions : undefined;
    }, 30_000);
    for (const { action } of actions) await sys.temporal.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).result();
    expect(smtp.inbox.filter((m) => m.to === captain.user.email)).toHaveLength(1);
    expect((await sys.api({ method: 'POST', url: `/v1/captains/${randomUUID()}/digest` })).statusCode).toBe(404);

    // A region's captain: the region's figures, its own dealers that missed (X, not Z of the other region),
    // the escalation after X's lapse, and no restitution case (Z's is the other region's).
    const north = await sys.api({ method: 'PUT', url: '/v1/captains', payload: { process: 'engagement', scope: { kind: 'REGION', id: NORTH }, userId: people.desk, timeZone: 'UTC' } });
    expect(north.statusCode, north.body).toBe(200);
    expect((await sys.api({ method: 'POST', url: `/v1/captains/${north.json().captainId}/digest` })).statusCode).toBe(202);
    const regional = await eventually(async () => smtp.inbox.find((m) => m.to === captain.user.email && m.subject.includes(`region ${NORTH}`)), 30_000);
    // NORTH: X and Y, 14 offers, 10 accepted (7 within 15 minutes), 4 lapsed; 4 of the 10 sold.
    expect(regional.subject).toBe(`Engagement, region ${NORTH}: week of ${dayOf(week.from)} — 1 target missed`);
    expect(regional.text).toContain('Offers accepted within 15 minutes: 50 % (target ≥ 45 %: met)');
    expect(regional.text).toContain('Offers that lapsed unanswered (SLA breaches): 28.6 % (target ≤ 10 %: MISSED)');
    expect(regional.text).toContain(`- dealer ${X}:`);
    expect(regional.text).not.toContain(`dealer ${Z}`);
    expect(regional.text).toContain('Open escalations (no dealer took the customer): 1');
    expect(regional.text).toContain("Open restitution cases (detractors' surveys): 0");
  });

  it('the weekly trend of a scope, each week with its target; a dealer sees its own and the network only', async () => {
    const res = await sys.api({ method: 'GET', url: `/v1/reports/kpi-trend?scopeKind=DEALER&scopeId=${X}&weeks=3&at=${dayOf(week.to)}` }, keys.x);
    expect(res.statusCode, res.body).toBe(200);
    const trend = res.json();
    expect(trend.weeks).toEqual([-2, -1, 0].map((w) => dayOf(new Date(week.from.getTime() + w * 7 * 86_400_000))));
    const accept = trend.kpis.find((k: { kpi: string }) => k.kpi === 'acceptRate');
    // The week before: only the escalated journey's lapsed offer (0 of 1); before that, no offer at all.
    expect(accept.values).toEqual([null, 0, 0.6]);
    expect(accept.targets.at(-1)).toBe(0.7);
    expect((await sys.api({ method: 'GET', url: `/v1/reports/kpi-trend?scopeKind=DEALER&scopeId=${Y}` }, keys.x)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/reports/kpi-trend?scopeKind=REGION&scopeId=${NORTH}` }, keys.x)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: '/v1/reports/kpi-trend?scopeKind=REGION' })).statusCode).toBe(400);
    const network = (await sys.api({ method: 'GET', url: `/v1/reports/kpi-trend?weeks=1&at=${dayOf(week.to)}` }, keys.x)).json();
    expect(network.kpis.find((k: { kpi: string }) => k.kpi === 'slaBreachRate').values).toEqual([0.313]);
  });

  it("a dealer's monthly statement: the scorecard's figures and KPIs for that dealer, JSON and CSV, its own only", async () => {
    const res = await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/${month}` }, keys.x);
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({ dealerId: X, dealerName: `Autohaus ${X}`, month });
    const line = (figure: string) => s.lines.find((l: { figure: string }) => l.figure === figure);
    // The whole month holds at least the week's records of X (the week may reach into the next month: then fewer).
    const card = (await sys.api({ method: 'GET', url: `/v1/reports/scorecard?from=${month}-01&to=${dayOf(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)))}` })).json();
    const xRow = card.processes.find((p: { process: string }) => p.process === 'engagement').rows.find((r: { group: string }) => r.group === X);
    expect(line('offered').value).toBe(xRow.offered);
    expect(line('kpi.acceptRate')).toMatchObject({ value: xRow.acceptRate, target: month.startsWith(year) ? 0.7 : null });
    expect(line('timeToAcceptMinutes.median').value).toBe(xRow.timeToAcceptMinutes.median);
    const csv = await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/${month}.csv` }, keys.x);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('dealer,month,process,figure,value,target,status');
    expect(csv.body).toContain(`${X},${month},engagement,offered,${xRow.offered},,`);
    // Another dealer's: as if it did not exist. Ops and the OEM read every dealer's.
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/${month}` }, keys.y)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/${month}.csv` }, keys.y)).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/${month}` }, keys.ops)).statusCode).toBe(200);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/DLR-NOBODY/statements/${month}` })).statusCode).toBe(404);
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/2026-13` })).statusCode).toBe(400);
    // Year 0 (the fuzzer's find: JavaScript reads years below 100 as 19xx) is refused, not a 500.
    expect((await sys.api({ method: 'GET', url: `/v1/dealers/${X}/statements/0000-01` })).json().errors[0].field).toContain('month');
  });

  it("a company's own counterpart per process: one of its contacts, named by the OEM or its current dealer", async () => {
    const company = randomUUID();
    fleetCompany = company;
    const [carl, dora, stranger] = [randomUUID(), randomUUID(), randomUUID()];
    fleetDriver = dora;
    await sys.db.customer.createMany({
      data: [
        { id: company, kind: 'COMPANY', companyName: `Fleet ${tag} GmbH` },
        ...[carl, dora, stranger].map((id, i) => ({ id, emailNormalized: `cp.contact.${i}.${id}@example.com` })),
      ],
    });
    await sys.db.companyContact.createMany({ data: [{ companyId: company, contactId: carl, role: 'DECISION_MAKER' }, { companyId: company, contactId: dora, role: 'DRIVER' }] });
    await sys.db.journey.create({ data: { id: `journey-${company}`, customerId: company, stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: X, startedAt: at(0, 0), stageChangedAt: at(0, 0) } });
    const put = (process: string, contactId: string, key?: string) => sys.api({ method: 'PUT', url: `/v1/customers/${company}/counterparts/${process}`, payload: { contactId } }, key);
    const first = await put('maintenance', carl);
    expect(first.statusCode, first.body).toBe(200);
    expect((await put('maintenance', carl)).json()).toEqual(first.json());
    expect((await put('feedback', dora, keys.x)).json().counterparts).toEqual([{ process: 'feedback', contactId: dora }, { process: 'maintenance', contactId: carl }]);
    const notTheirs = await put('engagement', stranger);
    expect(notTheirs.statusCode).toBe(400);
    expect(notTheirs.json().errors[0].field).toBe('contactId');
    expect((await sys.api({ method: 'PUT', url: `/v1/customers/${carl}/counterparts/engagement`, payload: { contactId: dora } })).json().errors[0].field).toBe('id');
    // Y never had the company: as if it did not exist.
    expect((await put('engagement', carl, keys.y)).statusCode).toBe(404);
    const people = (await sys.api({ method: 'GET', url: `/v1/customers/${company}/people` }, keys.x)).json();
    expect(people.counterparts).toEqual([{ process: 'feedback', contactId: dora }, { process: 'maintenance', contactId: carl }]);
    expect((await sys.api({ method: 'DELETE', url: `/v1/customers/${company}/counterparts/feedback` })).json().counterparts).toEqual([{ process: 'maintenance', contactId: carl }]);
  });

  it('in Chromium: the lead desk names a captain and sets a target; the scorecard shows verdicts and weekly trends; a dealer prints its own statement; axe finds nothing serious', async () => {
    const desk = await person('OEM_LEAD_DESK');
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, baseUrl, emails.get(desk)!);
    await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Captains', exact: true }).click();
    await page.waitForURL(`${baseUrl}/workspace/captains`);
    expect(await accessibilityProblems(page)).toEqual([]);
    const form = page.locator('form[action="/workspace/captains"]');
    await form.getByLabel('Process').selectOption('feedback');
    await form.getByLabel('For', { exact: true }).selectOption('REGION');
    await form.getByLabel(/Region or dealer/).fill(SOUTH);
    await form.getByLabel('Person').selectOption(desk);
    await Promise.all([page.waitForNavigation(), form.getByRole('button', { name: 'Name the captain' }).click()]);
    expect(await page.getByRole('status').textContent()).toContain(`captains feedback for the region ${SOUTH}`);
    const captain = await sys.db.processCaptain.findFirstOrThrow({ where: { process: 'feedback', scopeKind: 'REGION', scopeId: SOUTH } });
    expect(captain.userId).toBe(desk);
    expect((await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captain.id)).describe()).spec.timezone).toBe('Europe/Berlin');
    // Pausing from the page pauses the schedule.
    await Promise.all([page.waitForNavigation(), page.locator(`form[action="/workspace/captains/${captain.id}/pause"] button`).click()]);
    expect((await sys.temporal.schedule.getHandle(captainDigestScheduleIdOf(captain.id)).describe()).state.paused).toBe(true);

    // A target typed in percent, as shares are shown; a wrong period is a 400 page naming it.
    const target = page.locator('form[action="/workspace/targets"]');
    await target.getByLabel('KPI').selectOption('recallCompletion');
    await target.getByLabel(/^Period/).fill(year);
    await target.getByLabel(/^Target/).fill('80');
    await Promise.all([page.waitForNavigation(), target.getByRole('button', { name: 'Set the target' }).click()]);
    expect(await page.getByRole('status').textContent()).toContain(`Recall repairs per recall task ≥ 80 % for the network in ${year}`);
    expect((await sys.db.kpiTarget.findFirstOrThrow({ where: { kpi: 'recallCompletion' } })).target).toBe(0.8);
    expect(await accessibilityProblems(page)).toEqual([]);

    // The company's counterpart shows on its care page, beside the person.
    await page.goto(`${baseUrl}/workspace/care/${fleetCompany}`);
    expect(await page.locator('li', { hasText: "the company's counterpart for maintenance" }).count()).toBe(1);
    // … and is named there: the driver becomes the company's counterpart for engagement.
    const counterpart = page.locator(`form[action="/workspace/care/${fleetCompany}/counterparts"]`);
    await counterpart.getByLabel('Their counterpart for').selectOption('engagement');
    await counterpart.getByLabel('Person').selectOption(fleetDriver);
    await Promise.all([page.waitForNavigation(), counterpart.getByRole('button', { name: 'Set the counterpart' }).click()]);
    expect(await page.getByRole('status').first().textContent()).toContain('Counterpart for engagement named.');
    expect(await sys.db.customerCounterpart.findUnique({ where: { companyId_process: { companyId: fleetCompany, process: 'engagement' } } })).toMatchObject({ contactId: fleetDriver });
    expect(await page.locator('li', { hasText: "the company's counterpart for engagement" }).count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.goto(`${baseUrl}/workspace/scorecard?from=${dayOf(week.from)}&to=${lastDay}`);
    const engagement = page.locator('#process-engagement');
    await expect.poll(() => engagement.locator('tr', { hasText: X }).locator('td.status-missed').count()).toBeGreaterThanOrEqual(3);
    expect(await engagement.locator('table.kpis tr.network').textContent()).toContain('31.3 % (≤ 10 %: missed)');
    expect(await engagement.locator('h2').textContent()).toContain(`captained by OEM_LEAD_DESK ${tag}`);
    await page.waitForSelector('#process-engagement .trends canvas[data-drawn="true"]');
    expect(await engagement.locator('.trends canvas').count()).toBe(4);
    expect(await accessibilityProblems(page)).toEqual([]);

    // X's sales manager: the scorecard links its own statement, which it can print; Y's is not for it.
    const dealerContext = await browser.newContext();
    const dealerPage = await dealerContext.newPage();
    await logIn(dealerPage, baseUrl, emails.get(people.managerX)!);
    await dealerPage.goto(`${baseUrl}/workspace/scorecard?from=${dayOf(week.from)}&to=${lastDay}`);
    await Promise.all([dealerPage.waitForNavigation(), dealerPage.getByRole('link', { name: /Your monthly statement/ }).click()]);
    expect(new URL(dealerPage.url()).pathname).toBe(`/workspace/statements/${X}/${month}`);
    expect(await dealerPage.locator('h1').textContent()).toContain(`Autohaus ${X}`);
    expect(await dealerPage.locator('section[aria-labelledby="statement-engagement"]').textContent()).toContain('Offers accepted');
    expect(await accessibilityProblems(dealerPage)).toEqual([]);
    const other = await dealerPage.goto(`${baseUrl}/workspace/statements/${Y}/${month}`);
    expect(other?.status()).toBe(404);
    const captainsPage = await dealerPage.goto(`${baseUrl}/workspace/captains`);
    expect(captainsPage?.status()).toBe(403);
    await context.close();
    await dealerContext.close();
  }, 90_000);
});
