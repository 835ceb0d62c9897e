// Workspace accounts: passwords hashed with argon2id (the argon2 package, its defaults), checked
// against a list of passwords known from breaches (@zxcvbn-ts/language-common's), a TOTP second
// factor (otpauth) for the people who act for the whole network, and the login pauses of
// domain/users.ts kept per bucket in login_throttle, under a row lock so parallel attempts count
// once each. The rules are domain/users.ts's; this reads and writes.
import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { createHash } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Principal } from '../domain/access.js';
import {
  afterFailure, DEALER_USER_ROLES, isPaused, passwordProblem, principalRoleOf, SECOND_FACTOR_ROLES, SESSION_ABSOLUTE_HOURS,
  type LoginBucket, type LoginBucketKind, type UserRole,
} from '../domain/users.js';
import { clientAddressKey } from './client-address.js';
import type { PrismaClient } from './db.js';

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  dealerId?: string | null;
  password: string;
  createdBy?: string | null;
  /** The person chooses their own password at first login (true unless they set this one themselves). */
  mustChangePassword?: boolean;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  dealerId: string | null;
  active: boolean;
  /** Sign-in is paused for this login name (after failed attempts) until then. */
  lockedUntil: string | null;
  mustChangePassword: boolean;
  secondFactor: 'REQUIRED_NOT_SET_UP' | 'ACTIVE' | 'NOT_REQUIRED';
  createdAt: string;
}

/**
 * A login attempt's result. The caller shows one answer for every refusal; `next` says what
 * the person must do before the session is theirs (a password of their own, the second factor).
 */
export type LoginResult = { ok: true; user: UserView; next: 'DONE' | 'CHANGE_PASSWORD' | 'SET_UP_SECOND_FACTOR' | 'SECOND_FACTOR' } | { ok: false };

type Row = {
  id: string; email: string; name: string; role: string; dealerId: string | null; active: boolean; createdAt: Date;
  mustChangePassword: boolean; totpSecret: string | null; totpConfirmedAt: Date | null;
};

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The passwords known from breaches, lower-cased (≈49,000, from the package's list). */
export const BREACHED_PASSWORDS: ReadonlySet<string> = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/** A login name's bucket key: hashed, so the table holds no typed-in addresses. */
const nameKey = (email: string) => createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 32);
const bucketsOf = (email: string, address: string): Record<LoginBucketKind, string> => {
  const name = nameKey(email);
  const from = clientAddressKey(address);
  return { accountAtAddress: `name-at:${name}:${from}`, account: `name:${name}`, address: `from:${from}` };
};

export type UserStore = ReturnType<typeof createUserStore>;

/** The TOTP of a secret (30 s steps, 6 digits, SHA-1: what authenticator apps expect). */
export const totpOf = (secret: string, email: string) => new TOTP({ issuer: 'Lead-to-loyalty', label: email, secret: Secret.fromBase32(secret) });

export function createUserStore(db: PrismaClient) {
  // Verified when the e-mail is unknown, so an unknown address takes as long as a wrong password.
  const unknownUserHash = argon2.hash('no such user');

  async function view(r: Row): Promise<UserView> {
    const paused = await db.loginThrottle.findMany({
      where: { OR: [{ bucket: `name:${nameKey(r.email)}` }, { bucket: { startsWith: `name-at:${nameKey(r.email)}:` } }], pausedUntil: { gt: new Date() } },
      orderBy: { pausedUntil: 'desc' }, take: 1,
    });
    const needsSecondFactor = SECOND_FACTOR_ROLES.includes(r.role as UserRole);
    return {
      id: r.id, email: r.email, name: r.name, role: r.role as UserRole, dealerId: r.dealerId, active: r.active,
      lockedUntil: paused[0]?.pausedUntil?.toISOString() ?? null, mustChangePassword: r.mustChangePassword,
      secondFactor: !needsSecondFactor ? 'NOT_REQUIRED' : r.totpConfirmedAt ? 'ACTIVE' : 'REQUIRED_NOT_SET_UP',
      createdAt: r.createdAt.toISOString(),
    };
  }

  /** Counts one failure in each bucket (locked rows: parallel attempts count once each). */
  async function countFailure(buckets: Record<LoginBucketKind, string>, now: Date) {
    await db.$transaction(async (tx) => {
      const keys = Object.values(buckets);
      await tx.loginThrottle.createMany({ data: keys.map((bucket) => ({ bucket, failures: 0, windowStartedAt: now })), skipDuplicates: true });
      const rows = await tx.$queryRaw<{ bucket: string; failures: number; window_started_at: Date; paused_until: Date | null }[]>`
        SELECT bucket, failures, window_started_at, paused_until FROM login_throttle WHERE bucket = ANY(${keys}::text[]) ORDER BY bucket FOR UPDATE`;
      for (const [kind, bucket] of Object.entries(buckets) as [LoginBucketKind, string][]) {
        const row = rows.find((r) => r.bucket === bucket)!;
        const before: LoginBucket | null = row.failures === 0 && !row.paused_until ? null : { failures: row.failures, windowStartedAt: row.window_started_at, pausedUntil: row.paused_until };
        const next = afterFailure(before, kind, now);
        await tx.loginThrottle.update({ where: { bucket }, data: { failures: next.failures, windowStartedAt: next.windowStartedAt, pausedUntil: next.pausedUntil } });
      }
    });
  }

  async function findRow(id: string): Promise<Row | null> {
    return db.userAccount.findUnique({ where: { id } });
  }

  return {
    /** Refuses a password on the breach list or too short (InvalidPassword, naming why). */
    async create(user: NewUser): Promise<UserView> {
      const problem = passwordProblem(user.password, { email: user.email, breached: BREACHED_PASSWORDS });
      if (problem) throw new InvalidPassword(problem);
      const dealerId = DEALER_USER_ROLES.includes(user.role) ? user.dealerId ?? null : null;
      const row = await db.userAccount.create({
        data: {
          email: normalizeEmail(user.email), name: user.name, role: user.role, dealerId,
          passwordHash: await argon2.hash(user.password), createdBy: user.createdBy ?? null,
          mustChangePassword: user.mustChangePassword ?? true,
        },
      });
      return view(row);
    },

    async list(filter: { dealerId?: string }): Promise<UserView[]> {
      const rows = await db.userAccount.findMany({ where: filter.dealerId ? { dealerId: filter.dealerId } : {}, orderBy: { email: 'asc' } });
      return Promise.all(rows.map(view));
    },

    async find(id: string): Promise<UserView | null> {
      const row = await findRow(id);
      return row ? view(row) : null;
    },

    /** Deactivates or re-activates an account, or lifts the pause of its sign-in (from every address). */
    async change(id: string, change: { active?: boolean; unlock?: boolean }): Promise<UserView> {
      const row = await db.userAccount.update({ where: { id }, data: change.active === undefined ? {} : { active: change.active } });
      if (change.unlock) {
        const name = nameKey(row.email);
        await db.loginThrottle.deleteMany({ where: { OR: [{ bucket: `name:${name}` }, { bucket: { startsWith: `name-at:${name}:` } }] } });
      }
      return view(row);
    },

    /**
     * The password step of a login, from a client address. Every refusal looks the same to the
     * caller; a paused bucket refuses before the password is hashed.
     */
    async login(email: string, password: string, address: string, now = new Date()): Promise<LoginResult> {
      const buckets = bucketsOf(email, address);
      const rows = await db.loginThrottle.findMany({ where: { bucket: { in: Object.values(buckets) } } });
      if (rows.some((r) => isPaused(r, now))) return { ok: false };
      const found = await db.userAccount.findUnique({ where: { email: normalizeEmail(email) } });
      const matches = await argon2.verify(found?.passwordHash ?? (await unknownUserHash), password);
      if (!found || !found.active || !matches) {
        await countFailure(buckets, now);
        return { ok: false };
      }
      // The right password from here: this address's count for the name starts again.
      await db.loginThrottle.deleteMany({ where: { bucket: buckets.accountAtAddress } });
      const user = await view(found);
      const next = found.mustChangePassword ? 'CHANGE_PASSWORD'
        : user.secondFactor === 'REQUIRED_NOT_SET_UP' ? 'SET_UP_SECOND_FACTOR'
          : user.secondFactor === 'ACTIVE' ? 'SECOND_FACTOR' : 'DONE';
      return { ok: true, user, next };
    },

    /** A new password of the person's own: checked, hashed, and no longer one set by someone else. */
    async changePassword(id: string, password: string, current?: string): Promise<{ ok: true; user: UserView } | { ok: false; field: 'password' | 'currentPassword'; message: string }> {
      const row = await db.userAccount.findUniqueOrThrow({ where: { id } });
      const same = await argon2.verify(row.passwordHash, password);
      // The same change sent twice (a double click): the first took it, the second gets the same answer.
      if (same && !row.mustChangePassword && current !== undefined && current !== password) return { ok: true, user: await view(row) };
      if (current !== undefined && !(await argon2.verify(row.passwordHash, current))) return { ok: false, field: 'currentPassword', message: 'not your current password' };
      const problem = passwordProblem(password, { email: row.email, breached: BREACHED_PASSWORDS, current: same });
      if (problem) return { ok: false, field: 'password', message: problem };
      const updated = await db.userAccount.update({ where: { id }, data: { passwordHash: await argon2.hash(password), mustChangePassword: false, passwordChangedAt: new Date() } });
      return { ok: true, user: await view(updated) };
    },

    /** A TOTP secret to set up (kept unconfirmed until the person proves it with a code). */
    async beginSecondFactor(id: string): Promise<{ secret: string; uri: string }> {
      const row = await db.userAccount.findUniqueOrThrow({ where: { id } });
      if (row.totpConfirmedAt) throw new Error('the second factor is set up already');
      const secret = row.totpSecret ?? new Secret({ size: 20 }).base32;
      if (!row.totpSecret) await db.userAccount.update({ where: { id }, data: { totpSecret: secret } });
      return { secret, uri: totpOf(secret, row.email).toString() };
    },

    /**
     * A code from the person's authenticator: right now (one step either side for clock drift),
     * and never the same step twice (a code seen over a shoulder cannot be replayed).
     */
    async verifySecondFactor(id: string, code: string, now = Date.now()): Promise<boolean> {
      const row = await db.userAccount.findUniqueOrThrow({ where: { id } });
      if (!row.totpSecret || !/^\d{6}$/.test(code)) return false;
      const delta = totpOf(row.totpSecret, row.email).validate({ token: code, timestamp: now, window: 1 });
      if (delta === null) return false;
      const step = Math.floor(now / 30_000) + delta;
      // One statement: the step must be newer than the last one used.
      const used = await db.userAccount.updateMany({
        where: { id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
        data: { totpLastStep: step, ...(row.totpConfirmedAt ? {} : { totpConfirmedAt: new Date(now) }) },
      });
      return used.count === 1;
    },

    /** The person as the access rules see them, while the account is active and the login recent; else null. */
    async principalOf(userId: string, loggedInAt?: number): Promise<Principal | null> {
      if (!loggedInAt || Date.now() - loggedInAt > SESSION_ABSOLUTE_HOURS * 3_600_000) return null;
      const row = await db.userAccount.findUnique({ where: { id: userId } });
      if (!row || !row.active) return null;
      return { keyId: `user:${row.id}`, name: row.email, role: principalRoleOf(row.role as UserRole), dealerId: row.dealerId, userRole: row.role as UserRole };
    },
  };
}

/** A password we do not take, and why (for a 400 naming `password`). */
export class InvalidPassword extends Error {}
