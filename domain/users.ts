/**
 * People who use the workspace in a browser, and the rules of logging in. Pure: the
 * store (platform/users.ts) reads and writes the account, these decide.
 */
export const USER_ROLES = ['SALESPERSON', 'SALES_MANAGER', 'OEM_LEAD_DESK', 'OPS'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Dealer roles belong to one dealership; the others to the OEM. */
export const DEALER_USER_ROLES: readonly UserRole[] = ['SALESPERSON', 'SALES_MANAGER'];

/**
 * The API role a person acts with: the same access decisions as that role's keys
 * (domain/access.ts), so a page can never show or do more than the API allows.
 */
export function principalRoleOf(role: UserRole): 'OEM' | 'OPS' | 'DEALER' {
  return role === 'OEM_LEAD_DESK' ? 'OEM' : role === 'OPS' ? 'OPS' : 'DEALER';
}

/** Wrong passwords in a row that lock an account, and for how long. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MINUTES = 15;

export interface LoginState {
  failedLogins: number;
  lockedUntil: Date | null;
  active: boolean;
}

export type LoginOutcome =
  | { ok: true; next: LoginState }
  /** `locked`: refused without looking at the password (the same answer as a wrong one would leak it). */
  | { ok: false; why: 'wrong' | 'locked' | 'inactive'; next: LoginState };

/**
 * One login attempt against an account's state. A locked account refuses even the right
 * password until the lock ends; the attempt that makes LOCK_AFTER_FAILURES wrong ones in a
 * row locks it; a right password resets the count.
 */
export function decideLogin(state: LoginState, passwordMatches: boolean, now: Date): LoginOutcome {
  if (!state.active) return { ok: false, why: 'inactive', next: state };
  if (state.lockedUntil && state.lockedUntil > now) return { ok: false, why: 'locked', next: state };
  if (passwordMatches) return { ok: true, next: { ...state, failedLogins: 0, lockedUntil: null } };
  const failedLogins = state.failedLogins + 1;
  const lockedUntil = failedLogins >= LOCK_AFTER_FAILURES ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null;
  return { ok: false, why: lockedUntil ? 'locked' : 'wrong', next: { ...state, failedLogins: lockedUntil ? 0 : failedLogins, lockedUntil } };
}

/** Who asks to create or change an account: a key (no userRole) or a person. */
export interface AccountManager {
  role: 'OEM' | 'OPS' | 'DEALER';
  dealerId: string | null;
  userRole?: UserRole;
}

export type AccountDecision = { allow: true } | { allow: false; status: 403 | 404; reason: string };

/**
 * Who manages whose account. The OEM (its keys, its lead desk) manages everyone; a dealer's
 * key the people of its own dealership; a sales manager its own dealership's salespeople;
 * ops and salespeople nobody. Another dealership's accounts do not exist for a dealer (404);
 * creating one there is refused (403).
 */
export function decideAccountManagement(manager: AccountManager, target: { role: UserRole; dealerId: string | null }, existing: boolean): AccountDecision {
  if (manager.role === 'OEM') return { allow: true };
  if (manager.role === 'OPS') return { allow: false, status: 403, reason: 'ops read the accounts; the OEM manages them' };
  if (target.dealerId !== manager.dealerId) {
    return existing ? { allow: false, status: 404, reason: 'not found' } : { allow: false, status: 403, reason: 'only accounts of your own dealership' };
  }
  if (manager.userRole === 'SALESPERSON') return { allow: false, status: 403, reason: 'a sales manager manages the salespeople' };
  const manages: readonly UserRole[] = manager.userRole === 'SALES_MANAGER' ? ['SALESPERSON'] : DEALER_USER_ROLES;
  if (!manages.includes(target.role)) return { allow: false, status: 403, reason: `only ${manages.join(', ')} accounts` };
  return { allow: true };
}
