// Workspace accounts: passwords hashed with argon2id (the argon2 package, its defaults), the
// login rules of domain/users.ts applied under a row lock so parallel attempts count once each.
import argon2 from 'argon2';
import type { Principal } from '../domain/access.js';
import { decideLogin, DEALER_USER_ROLES, principalRoleOf, type UserRole } from '../domain/users.js';
import type { PrismaClient } from './db.js';

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  dealerId?: string | null;
  password: string;
  createdBy?: string | null;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  dealerId: string | null;
  active: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

export type LoginResult = { ok: true; user: UserView } | { ok: false; why: 'wrong' | 'locked' | 'inactive' };

type Row = { id: string; email: string; name: string; role: string; dealerId: string | null; active: boolean; lockedUntil: Date | null; createdAt: Date };
const view = (r: Row): UserView => ({
  id: r.id, email: r.email, name: r.name, role: r.role as UserRole, dealerId: r.dealerId, active: r.active,
  lockedUntil: r.lockedUntil?.toISOString() ?? null, createdAt: r.createdAt.toISOString(),
});

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export type UserStore = ReturnType<typeof createUserStore>;

export function createUserStore(db: PrismaClient) {
  // Verified when the e-mail is unknown, so an unknown address takes as long as a wrong password.
  const unknownUserHash = argon2.hash('no such user');

  return {
    async create(user: NewUser): Promise<UserView> {
      const dealerId = DEALER_USER_ROLES.includes(user.role) ? user.dealerId ?? null : null;
      const row = await db.userAccount.create({
        data: {
          email: normalizeEmail(user.email), name: user.name, role: user.role, dealerId,
          passwordHash: await argon2.hash(user.password), createdBy: user.createdBy ?? null,
        },
      });
      return view(row);
    },

    async list(filter: { dealerId?: string }): Promise<UserView[]> {
      return (await db.userAccount.findMany({ where: filter.dealerId ? { dealerId: filter.dealerId } : {}, orderBy: { email: 'asc' } })).map(view);
    },

    async find(id: string): Promise<UserView | null> {
      const row = await db.userAccount.findUnique({ where: { id } });
      return row ? view(row) : null;
    },

    /** Deactivates or re-activates an account, or lifts its lock (the count of wrong passwords starts again). */
    async change(id: string, change: { active?: boolean; unlock?: boolean }): Promise<UserView> {
      const row = await db.userAccount.update({
        where: { id },
        data: { ...(change.active === undefined ? {} : { active: change.active }), ...(change.unlock ? { lockedUntil: null, failedLogins: 0 } : {}) },
      });
      return view(row);
    },

    async login(email: string, password: string, now = new Date()): Promise<LoginResult> {
      const found = await db.userAccount.findUnique({ where: { email: normalizeEmail(email) } });
      if (!found) {
        await argon2.verify(await unknownUserHash, password);
        return { ok: false, why: 'wrong' };
      }
      const matches = await argon2.verify(found.passwordHash, password);
      // The count is read again under a lock: two wrong attempts at once are two.
      return db.$transaction(async (tx) => {
        const [state] = await tx.$queryRaw<{ failed_logins: number; locked_until: Date | null; active: boolean }[]>`
          SELECT failed_logins, locked_until, active FROM user_account WHERE id = ${found.id}::uuid FOR UPDATE`;
        const outcome = decideLogin({ failedLogins: state!.failed_logins, lockedUntil: state!.locked_until, active: state!.active }, matches, now);
        const row = await tx.userAccount.update({
          where: { id: found.id }, data: { failedLogins: outcome.next.failedLogins, lockedUntil: outcome.next.lockedUntil },
        });
        return outcome.ok ? { ok: true as const, user: view(row) } : { ok: false as const, why: outcome.why };
      });
    },

    /** The person as the access rules see them, while the account is active; else null. */
    async principalOf(userId: string): Promise<Principal | null> {
      const row = await db.userAccount.findUnique({ where: { id: userId } });
      if (!row || !row.active) return null;
      return { keyId: `user:${row.id}`, name: row.email, role: principalRoleOf(row.role as UserRole), dealerId: row.dealerId, userRole: row.role as UserRole };
    },
  };
}
