import { describe, expect, it } from 'vitest';
import { decideAccountManagement, decideLogin, LOCK_AFTER_FAILURES, LOCK_MINUTES, principalRoleOf, USER_ROLES, type LoginState } from '../../domain/users.js';

const now = new Date('2026-12-02T10:00:00Z');
const fresh: LoginState = { failedLogins: 0, lockedUntil: null, active: true };
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

describe('decideLogin', () => {
  it('the right password lets in and clears earlier failures', () => {
    expect(decideLogin({ ...fresh, failedLogins: 3 }, true, now)).toEqual({ ok: true, next: fresh });
  });

  it('wrong passwords count up; the fifth in a row locks for 15 minutes', () => {
    let state = fresh;
    for (let attempt = 1; attempt < LOCK_AFTER_FAILURES; attempt++) {
      const outcome = decideLogin(state, false, now);
      expect(outcome).toEqual({ ok: false, why: 'wrong', next: { ...fresh, failedLogins: attempt } });
      state = outcome.next;
    }
    expect(decideLogin(state, false, now)).toEqual({ ok: false, why: 'locked', next: { ...fresh, lockedUntil: minutes(LOCK_MINUTES) } });
  });

  it('a locked account refuses even the right password until the lock ends, then counts afresh', () => {
    const locked = { ...fresh, lockedUntil: minutes(LOCK_MINUTES) };
    expect(decideLogin(locked, true, now)).toEqual({ ok: false, why: 'locked', next: locked });
    expect(decideLogin(locked, true, minutes(LOCK_MINUTES))).toEqual({ ok: true, next: fresh });
    expect(decideLogin(locked, false, minutes(LOCK_MINUTES + 1))).toMatchObject({ ok: false, why: 'wrong', next: { failedLogins: 1 } });
  });

  it('an inactive account is refused and its state left alone', () => {
    const inactive = { ...fresh, active: false, failedLogins: 2 };
    expect(decideLogin(inactive, true, now)).toEqual({ ok: false, why: 'inactive', next: inactive });
    expect(decideLogin(inactive, false, now)).toEqual({ ok: false, why: 'inactive', next: inactive });
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
