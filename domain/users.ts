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

/**
 * How failed logins pause further attempts, per bucket. Every failure counts in all three,
 * for addresses that have no account as for those that have one (the answer never tells them
 * apart), and a paused bucket refuses without checking the password (no CPU for a guesser).
 * - accountAtAddress: one login name from one client address (IPv6 by /64): someone forgot the
 *   password, or guesses from there. A guesser elsewhere cannot lock the person out with it.
 * - account: one login name from anywhere: guessing spread over many addresses.
 * - address: one client address, any login names: password spraying.
 */
export const LOGIN_LIMITS = {
  accountAtAddress: { failures: 5, windowMinutes: 15, pauseMinutes: 15 },
  account: { failures: 50, windowMinutes: 60, pauseMinutes: 30 },
  address: { failures: 30, windowMinutes: 15, pauseMinutes: 15 },
} as const;
export type LoginBucketKind = keyof typeof LOGIN_LIMITS;

/** Failures counted in one bucket since its window started, and the pause they caused. */
export interface LoginBucket {
  failures: number;
  windowStartedAt: Date;
  pausedUntil: Date | null;
}

export const isPaused = (bucket: LoginBucket | null | undefined, now: Date) => Boolean(bucket?.pausedUntil && bucket.pausedUntil > now);

/** A bucket after one more failure: a new window when the last one is over; paused at the limit. */
export function afterFailure(bucket: LoginBucket | null, kind: LoginBucketKind, now: Date): LoginBucket {
  const limit = LOGIN_LIMITS[kind];
  const windowOver = !bucket || now.getTime() - bucket.windowStartedAt.getTime() >= limit.windowMinutes * 60_000 || (bucket.pausedUntil !== null && bucket.pausedUntil <= now);
  const failures = windowOver ? 1 : bucket.failures + 1;
  const windowStartedAt = windowOver ? now : bucket.windowStartedAt;
  if (failures >= limit.failures) return { failures: 0, windowStartedAt: now, pausedUntil: new Date(now.getTime() + limit.pauseMinutes * 60_000) };
  return { failures, windowStartedAt, pausedUntil: windowOver ? null : bucket.pausedUntil };
}

/** The one answer to every failed login: it never says whether the address has an account, is locked or inactive. */
export const LOGIN_REFUSED = 'E-mail or password not accepted. After several attempts sign-in pauses for a while: wait 15 minutes and try again, or ask your manager.';

/** People who act for the whole network prove a second factor (TOTP) at every login. */
export const SECOND_FACTOR_ROLES: readonly UserRole[] = ['OEM_LEAD_DESK', 'OPS'];

/** A session ends this long after the login, however active it is. */
export const SESSION_ABSOLUTE_HOURS = 12;

/** The shortest password we take. */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * What is wrong with a new password, or null: long enough, not one of the passwords known
 * from breaches (`breached` holds them lower-cased), not the login name, not the old one.
 */
export function passwordProblem(password: string, context: { email: string; breached: ReadonlySet<string>; current?: boolean }): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 200) return 'at most 200 characters';
  const lower = password.toLowerCase();
  if (context.breached.has(lower) || context.breached.has(lower.replace(/[\d!?.]+$/, ''))) return 'this password is on a list of passwords known from data breaches; choose another';
  const name = context.email.toLowerCase().split('@')[0]!;
  if (name.length >= 4 && lower.includes(name)) return 'the password must not contain your login name';
  if (context.current) return 'the new password must differ from the current one';
  return null;
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
