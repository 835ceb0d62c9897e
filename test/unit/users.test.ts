import { describe, expect, it } from 'vitest';
import { afterFailure, decideAccountManagement, isPaused, LOGIN_LIMITS, passwordProblem, principalRoleOf, USER_ROLES, type LoginBucket } from '../../domain/users.js';

const now = new Date('2026-12-02T10:00:00Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

describe('login pauses (issue 29, finding 8)', () => {
  it('failures count up per bucket; the limit pauses that bucket and starts it afresh', () => {
    let bucket: LoginBucket | null = null;
    for (let n = 1; n < LOGIN_LIMITS.accountAtAddress.failures; n++) {
      bucket = afterFailure(bucket, 'accountAtAddress', now);
      expect(bucket).toEqual({ failures: n, windowStartedAt: now, pausedUntil: null });
      expect(isPaused(bucket, now)).toBe(false);
    }
    bucket = afterFailure(bucket, 'accountAtAddress', now);
    expect(bucket).toEqual({ failures: 0, windowStartedAt: now, pausedUntil: minutes(LOGIN_LIMITS.accountAtAddress.pauseMinutes) });
    expect(isPaused(bucket, minutes(1))).toBe(true);
    expect(isPaused(bucket, minutes(LOGIN_LIMITS.accountAtAddress.pauseMinutes))).toBe(false);
    // After the pause a failure starts a new window.
    expect(afterFailure(bucket, 'accountAtAddress', minutes(16))).toEqual({ failures: 1, windowStartedAt: minutes(16), pausedUntil: null });
  });

  it('a window that is over starts again at one', () => {
    const old = { failures: 4, windowStartedAt: minutes(-LOGIN_LIMITS.accountAtAddress.windowMinutes), pausedUntil: null };
    expect(afterFailure(old, 'accountAtAddress', now)).toEqual({ failures: 1, windowStartedAt: now, pausedUntil: null });
  });

  it('the spread buckets take more: a login name from anywhere, an address for any names', () => {
    expect(LOGIN_LIMITS.account.failures).toBeGreaterThan(LOGIN_LIMITS.accountAtAddress.failures);
    expect(LOGIN_LIMITS.address.failures).toBeGreaterThan(LOGIN_LIMITS.accountAtAddress.failures);
  });
});

describe('passwordProblem', () => {
  const breached = new Set(['password', 'qwertyuiop', 'iloveyou']);
  it('takes a long one that is on no list', () => {
    expect(passwordProblem('plum orchard telescope', { email: 'ada@example.com', breached })).toBeNull();
  });
  it.each([
    ['short', 'at least 12 characters'],
    ['qwertyuiop', 'at least 12 characters'],
    ['QWERTYUIOP12', 'known from data breaches'],
    ['passwordpassword'.slice(0, 8) + '2026!!!!', 'known from data breaches'],
    ['ada.lovelace-1815', 'login name'],
  ])('%s: %s', (password, why) => {
    expect(passwordProblem(password, { email: 'ada.lovelace@example.com', breached })).toContain(why);
  });
  it('the new one must differ from the current one', () => {
    expect(passwordProblem('plum orchard telescope', { email: 'a@example.com', breached, current: true })).toContain('differ');
  });
});

describe('principalRoleOf', () => {
  it("a person acts with their role's API rules: dealer roles as DEALER, the lead desk as OEM, ops as OPS", () => {
    expect(Object.fromEntries(USER_ROLES.map((r) => [r, principalRoleOf(r)]))).toEqual({
      SALESPERSON: 'DEALER', SALES_MANAGER: 'DEALER', OEM_LEAD_DESK: 'OEM', OPS: 'OPS',
    });
  });
});

describe('decideAccountManagement', () => {
  const salesA = { role: 'SALESPERSON', dealerId: 'A' } as const;
  const managerA = { role: 'SALES_MANAGER', dealerId: 'A' } as const;
  const desk = { role: 'OEM_LEAD_DESK', dealerId: null } as const;
  const cases: [string, Parameters<typeof decideAccountManagement>[0], { role: (typeof USER_ROLES)[number]; dealerId: string | null }, boolean, number | 'allow'][] = [
    ['the OEM, any account', { role: 'OEM', dealerId: null }, desk, true, 'allow'],
    ['the lead desk, a dealer manager', { role: 'OEM', dealerId: null, userRole: 'OEM_LEAD_DESK' }, managerA, true, 'allow'],
    ['ops, nobody', { role: 'OPS', dealerId: null, userRole: 'OPS' }, salesA, true, 403],
    ["a dealer's key, its own manager", { role: 'DEALER', dealerId: 'A' }, managerA, true, 'allow'],
    ["a dealer's key, an OEM account", { role: 'DEALER', dealerId: 'A' }, { ...desk, dealerId: 'A' }, false, 403],
    ['a sales manager, its own salesperson', { role: 'DEALER', dealerId: 'A', userRole: 'SALES_MANAGER' }, salesA, true, 'allow'],
    ['a sales manager, another manager of its own', { role: 'DEALER', dealerId: 'A', userRole: 'SALES_MANAGER' }, managerA, true, 403],
    ["a sales manager, another dealership's salesperson", { role: 'DEALER', dealerId: 'B', userRole: 'SALES_MANAGER' }, salesA, true, 404],
    ["a sales manager, creating in another dealership", { role: 'DEALER', dealerId: 'B', userRole: 'SALES_MANAGER' }, salesA, false, 403],
    ["a dealer's key, an OEM account that exists", { role: 'DEALER', dealerId: 'A' }, desk, true, 404],
    ['a salesperson, a colleague', { role: 'DEALER', dealerId: 'A', userRole: 'SALESPERSON' }, salesA, true, 403],
  ];
  it.each(cases)('%s', (_name, manager, target, existing, expected) => {
    const decision = decideAccountManagement(manager, target, existing);
    if (expected === 'allow') expect(decision).toEqual({ allow: true });
    else expect(decision).toMatchObject({ allow: false, status: expected });
  });
});
