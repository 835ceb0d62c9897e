// The journey policy has one owner (issue 17): a versioned record the OEM changes through
// the API, with who and why kept; new journeys start with the newest version; running
// journeys follow a version when the OEM says so (a Temporal batch signal), and their
// task log says when their rules changed. Real API, Temporal dev server and database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyState } from '../../domain/journey.js';
import { DEFAULT_POLICY, MINUTE } from '../../domain/policy.js';
import { createJourneyPolicyStore } from '../../platform/journey-policy.js';
import { defaultPayloadConverter } from '@temporalio/common';
import { journeyStateQuery, policyChangedSignal, policyRolloutsIdOf, policyRolloutsQuery } from '../../workflows/definitions.js';
import { createTestKey, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
// The file's own database (startSystem): the policy it changes is what every journey started afterwards reads.
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `QP${tag}`;
const dealers = [`DLR-P1-${tag}`, `DLR-P2-${tag}`];
let dealerKey = '';

beforeAll(async () => {
  sys = await startSystem();
  await sys.db.dealer.createMany({ data: dealers.map((id) => ({ id, name: `Autohaus ${id}`, territory: [territory], brands: ['VW'] })) });
  dealerKey = await createTestKey(sys.db, 'DEALER', dealers[0]!);
});
afterAll(async () => {
  await sys?.stop();
});

async function hotJourney(preferredDealerId = dealers[0]!) {
  const res = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', preferredDealerId, interest: { model: 'ID.7', timeframe: 'NOW' }, contact: { email: `p.${randomUUID().slice(0, 8)}@example.com`, postalCode: `${territory}1` } } });
  expect(res.statusCode, res.body).toBe(202);
  const handle = sys.temporal.workflow.getHandle(res.json().journeyId);
  const offered = await eventually(async () => {
    const s: JourneyState = await handle.query(journeyStateQuery);
    return s.handoff?.dealerId ? s : undefined;
  });
  return { journeyId: res.json().journeyId as string, handle, offered };
}
const slaOf = (s: JourneyState) => Date.parse(s.handoff!.expiresAt!) - Date.parse(s.handoff!.offeredAt!);
const change = (payload: object, key?: string) => sys.api({ method: 'POST', url: '/v1/journey-policy/versions', payload }, key);

describe('the journey policy, owned by the OEM', () => {
  it('starts as the defaults; bad changes are refused naming the setting, and only the OEM may change it', async () => {
    const read = (await sys.api({ method: 'GET', url: '/v1/journey-policy' })).json();
    expect(read.current).toMatchObject({ version: 0, policy: DEFAULT_POLICY, changedBy: 'defaults' });
    expect(read.history).toEqual([]);

    const cases: [object, string][] = [
      [{ changes: { handoffAcceptanceSlaMs: -5 }, reason: 'x' }, 'changes.handoffAcceptanceSlaMs'],
      [{ changes: { qualifyThreshold: 150 }, reason: 'x' }, 'changes.qualifyThreshold'],
      [{ changes: { quietHoursStartMinute: 1440 }, reason: 'x' }, 'changes.quietHoursStartMinute'],
      [{ changes: { noSuchSetting: 1 }, reason: 'x' }, 'changes'],
      [{ changes: {}, reason: 'x' }, 'changes'],
      [{ changes: { salesWindowMs: 1000 } }, 'reason'],
    ];
    for (const [payload, field] of cases) {
      const res = await change(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field), JSON.stringify(payload)).toContain(field);
    }
    expect((await change({ changes: { salesWindowMs: 1000 }, reason: 'x' }, dealerKey)).statusCode).toBe(403);
    const ops = await createTestKey(sys.db, 'OPS');
    expect((await change({ changes: { salesWindowMs: 1000 }, reason: 'x' }, ops)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: '/v1/journey-policy' }, ops)).statusCode).toBe(200);
    expect(await sys.db.journeyPolicyVersion.count()).toBe(0);
  });

  it('a new version reaches new journeys; running ones follow only when the OEM says so, and their task log says when', async () => {
    const before = await hotJourney();
    expect(slaOf(before.offered)).toBe(DEFAULT_POLICY.handoffAcceptanceSlaMs);

    const v1 = await change({ changes: { handoffAcceptanceSlaMs: 20 * MINUTE }, reason: 'pilot: faster hand-offs' });
    expect(v1.statusCode, v1.body).toBe(201);
    expect(v1.json()).toMatchObject({ version: 1, changes: { handoffAcceptanceSlaMs: 20 * MINUTE }, changedBy: 'test OEM', reason: 'pilot: faster hand-offs', appliedToRunning: false, rollout: null });
    const after = await hotJourney();
    expect(slaOf(after.offered)).toBe(20 * MINUTE);

    const v2 = await change({ changes: { handoffAcceptanceSlaMs: 30 * MINUTE }, reason: 'network-wide', applyToRunningJourneys: true });
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.json()).toMatchObject({ version: 2, policy: { handoffAcceptanceSlaMs: 30 * MINUTE, salesWindowMs: DEFAULT_POLICY.salesWindowMs }, rollout: { jobId: expect.any(String) } });

    // Both running journeys hear of version 2 and say so in their task log.
    for (const { journeyId } of [before, after]) {
      const task = await eventually(() => sys.db.journeyTask.findFirst({ where: { journeyId, kind: 'POLICY_CHANGED' } }).then((t) => t ?? undefined), 30_000);
      expect(task).toMatchObject({ assignee: 'OEM', detail: 'journey policy version 2' });
    }
    // The journey decides by it from now on: the next offer gets the new SLA.
    const declined = await sys.api({ method: 'POST', url: `/v1/journeys/${before.journeyId}/decline`, payload: { reason: 'no capacity' } }, dealerKey);
    expect(declined.statusCode, declined.body).toBe(200);
    const next = await eventually(async () => {
      const s: JourneyState = await before.handle.query(journeyStateQuery);
      return s.handoff?.dealerId === dealers[1] ? s : undefined;
    });
    expect(slaOf(next)).toBe(30 * MINUTE);

    // Rolling the same version out again changes nothing.
    const again = await sys.api({ method: 'POST', url: '/v1/journey-policy/versions/2/rollout' });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json().jobId).toBe(v2.json().rollout.jobId);
    expect(await sys.db.journeyTask.count({ where: { journeyId: before.journeyId, kind: 'POLICY_CHANGED' } })).toBe(1);
    expect((await sys.api({ method: 'POST', url: '/v1/journey-policy/versions/99/rollout' })).statusCode).toBe(404);

    const history = (await sys.api({ method: 'GET', url: '/v1/journey-policy' })).json().history;
    expect(history.map((v: { version: number; reason: string; appliedToRunning: boolean }) => [v.version, v.reason, v.appliedToRunning])).toEqual([
      [2, 'network-wide', true], [1, 'pilot: faster hand-offs', false],
    ]);
  });

  it('five roll-outs asked at once: five prompt answers, queued one after another; each running journey hears a version at most once, never an older after a newer, and the newest', async () => {
    const running = [await hotJourney(), await hotJourney(dealers[1])];
    const versions: number[] = [];
    for (const minutes of [21, 22, 23, 24, 25]) {
      const v = await change({ changes: { handoffAcceptanceSlaMs: minutes * MINUTE }, reason: `step ${minutes}` });
      expect(v.statusCode, v.body).toBe(201);
      versions.push(v.json().version);
    }
    // Before the queue, the third request waited behind the server's running batch operation (30 s and more).
    const answers = await Promise.all(versions.map((v) => sys.api({ method: 'POST', url: `/v1/journey-policy/versions/${v}/rollout` })));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202, 202, 202]);
    const queue = sys.temporal.workflow.getHandle(policyRolloutsIdOf(sys.taskQueue));
    await eventually(async () => {
      const { queued, done } = await queue.query(policyRolloutsQuery);
      return queued.length === 0 && versions.every((v) => done.includes(v)) ? true : undefined;
    }, 300_000); // five batch operations one after another on the suite's one dev server, whose batcher the other files' roll-outs use too (the fuzzing's): 5–10 s alone, past 120 s in three full runs on 2026-12-05
    for (const { journeyId, handle } of running) {
      // The journey follows the newest it has heard of (versions that arrive together: the newest).
      await eventually(() => sys.db.journeyTask.findFirst({ where: { journeyId, kind: 'POLICY_CHANGED', detail: `journey policy version ${versions.at(-1)}` } }).then((t) => t ?? undefined), 30_000);
      const signalled = (await handle.fetchHistory()).events!
        .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === policyChangedSignal.name)
        .map((e) => defaultPayloadConverter.fromPayload<{ version: number }>(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!).version);
      // Never one twice, never an older after a newer (the one running when the others queued up
      // went first; older ones queued behind it are not sent), and the newest always.
      expect(signalled.length).toBeGreaterThan(0);
      expect(signalled.every((v, i) => i === 0 || v > signalled[i - 1]!), String(signalled)).toBe(true);
      expect(signalled.at(-1)).toBe(versions.at(-1));
    }
    // Asked again after it was sent: answered, not sent twice.
    expect((await sys.api({ method: 'POST', url: `/v1/journey-policy/versions/${versions[0]}/rollout` })).statusCode).toBe(202);
    expect((await queue.query(policyRolloutsQuery)).queued).toEqual([]);
  }, 400_000);

  it('JOURNEY_POLICY at start-up becomes a version when it differs from the newest, once', async () => {
    const store = createJourneyPolicyStore(sys.db);
    const current = await store.current();
    const adopted = await store.adopt({ ...current.policy, contactCapMax: 2 }, 'JOURNEY_POLICY');
    expect(adopted).toMatchObject({ version: current.version + 1, changes: { contactCapMax: 2 }, changedBy: 'JOURNEY_POLICY' });
    expect((await store.adopt({ ...adopted.policy }, 'JOURNEY_POLICY')).version).toBe(adopted.version);
  });
});
