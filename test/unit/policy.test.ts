import { describe, expect, it } from 'vitest';
import { DAY, DEFAULT_POLICY, HOUR, InvalidPolicy, MINUTE, policyFromEnv, resolvePolicy, settingProblem } from '../../domain/policy.js';

describe('journey policy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      handoffAcceptanceSlaMs: HOUR,
      salesWindowMs: 30 * DAY,
      postPurchasePromotionCoolDownMs: 90 * DAY,
      saleSurveyDelayMs: 7 * DAY,
      serviceReminderIntervalMs: 365 * DAY,
      ownershipCycleMs: 4 * 365 * DAY,
    });
  });

  it('overlays overrides on the defaults', () => {
    const policy = resolvePolicy({ salesWindowMs: 5 * DAY });
    expect(policy.salesWindowMs).toBe(5 * DAY);
    expect(policy.handoffAcceptanceSlaMs).toBe(DEFAULT_POLICY.handoffAcceptanceSlaMs);
  });

  it('the defaults fit every bound', () => {
    for (const [key, value] of Object.entries(DEFAULT_POLICY)) expect(settingProblem(key, value), key).toBeNull();
  });

  // Issue 29, finding 10: what an API fuzzer left as the newest policy, and what the review tried.
  it.each([
    [{ salesWindow: 5 }, /unknown policy setting "salesWindow"/, undefined],
    [{ salesWindowMs: 0 }, /whole minutes.*from 1 day/, 'salesWindowMs'],
    [{ salesWindowMs: '30 days' }, /whole minutes/, 'salesWindowMs'],
    [{ qualifyThreshold: 101 }, /from 1 to 100/, 'qualifyThreshold'],
    [{ qualifyThreshold: 96.83 }, /whole number/, 'qualifyThreshold'],
    [{ handoffAcceptanceSlaMs: 0.5 }, /from 5 minutes/, 'handoffAcceptanceSlaMs'],
    [{ handoffAcceptanceSlaMs: 0.00006 }, /from 5 minutes/, 'handoffAcceptanceSlaMs'],
    [{ handoffAcceptanceSlaMs: 8 * DAY }, /to 7 days/, 'handoffAcceptanceSlaMs'],
    [{ handoffAcceptanceSlaMs: 10 * MINUTE + 1 }, /whole minutes/, 'handoffAcceptanceSlaMs'],
    [{ postPurchasePromotionCoolDownMs: 1e-300 }, /from 1 hour/, 'postPurchasePromotionCoolDownMs'],
    [{ complaintBackstopMs: 325 }, /from 1 hour/, 'complaintBackstopMs'],
    [{ contactCapMax: 0 }, /from 1 to 100/, 'contactCapMax'],
    [{ quietHoursStartMinute: 1440 }, /0–1439/, 'quietHoursStartMinute'],
    [{ outcomeChaseGraceMs: 20 * DAY, salesWindowMs: 10 * DAY }, /chase grace must be shorter than the sales window/, 'outcomeChaseGraceMs'],
    [{ salesWindowMs: 2 * DAY }, /chase grace must be shorter/, 'salesWindowMs'],
  ])('rejects %j naming the setting', (overrides, message, setting) => {
    let error: unknown;
    try {
      resolvePolicy(overrides);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPolicy);
    expect((error as InvalidPolicy).message).toMatch(message);
    expect((error as InvalidPolicy).setting).toBe(setting);
  });

  it('reads overrides from JOURNEY_POLICY', () => {
    expect(policyFromEnv({})).toBe(DEFAULT_POLICY);
    expect(policyFromEnv({ JOURNEY_POLICY: '{"handoffAcceptanceSlaMs":600000}' }).handoffAcceptanceSlaMs).toBe(600_000);
    expect(() => policyFromEnv({ JOURNEY_POLICY: '{"handoffAcceptanceSlaMs":1000}' })).toThrow(/from 5 minutes/);
    expect(() => policyFromEnv({ JOURNEY_POLICY: 'nope' })).toThrow(InvalidPolicy);
    expect(() => policyFromEnv({ JOURNEY_POLICY: '[1]' })).toThrow(/JSON object/);
  });
});
