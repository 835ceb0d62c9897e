import { describe, expect, it } from 'vitest';
import { DAY, DEFAULT_POLICY, HOUR, InvalidPolicy, policyFromEnv, resolvePolicy } from '../../domain/policy.js';

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
    const policy = resolvePolicy({ salesWindowMs: 5_000 });
    expect(policy.salesWindowMs).toBe(5_000);
    expect(policy.handoffAcceptanceSlaMs).toBe(DEFAULT_POLICY.handoffAcceptanceSlaMs);
  });

  it.each([
    [{ salesWindow: 5 }, /unknown policy setting "salesWindow"/],
    [{ salesWindowMs: 0 }, /must be a positive number/],
    [{ salesWindowMs: '30 days' }, /must be a positive number/],
    [{ qualifyThreshold: 101 }, /0 to 100/],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolvePolicy(overrides)).toThrow(message);
  });

  it('reads overrides from JOURNEY_POLICY', () => {
    expect(policyFromEnv({})).toBe(DEFAULT_POLICY);
    expect(policyFromEnv({ JOURNEY_POLICY: '{"handoffAcceptanceSlaMs":1000}' }).handoffAcceptanceSlaMs).toBe(1000);
    expect(() => policyFromEnv({ JOURNEY_POLICY: 'nope' })).toThrow(InvalidPolicy);
    expect(() => policyFromEnv({ JOURNEY_POLICY: '[1]' })).toThrow(/JSON object/);
  });
});
