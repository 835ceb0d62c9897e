// Browser sessions for the workspace: @fastify/session with its cookie scoped to /workspace
// (HttpOnly, SameSite=Strict, Secure unless the dev stack serves plain HTTP), kept in PostgreSQL so a
// logout ends the session everywhere and any API process can serve it. The store is the
// three calls @fastify/session asks of one (written here: a table and three queries).
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../../platform/db.js';

/** An idle session ends after this; every page request extends it. */
export const SESSION_IDLE_MS = 8 * 60 * 60_000;

declare module 'fastify' {
  interface Session {
    /** Set once the login is complete (password, own password chosen, second factor). */
    userId?: string;
    /** When that login was completed (ms): the session ends SESSION_ABSOLUTE_HOURS after it. */
    loggedInAt?: number;
    /** A login under way: the password was right, a step is left (a password of their own, the second factor). */
    pendingLogin?: { userId: string; step: 'CHANGE_PASSWORD' | 'SET_UP_SECOND_FACTOR' | 'SECOND_FACTOR'; since: number; next: string };
  }
}

type Done = (error?: unknown) => void;

/** Sessions saved between two sweeps of the expired ones (an indexed delete). */
const PRUNE_EVERY = 200;

function sessionStore(db: PrismaClient) {
  let saves = 0;
  return {
    set(sid: string, session: { cookie?: { expires?: Date | null } } & Record<string, unknown>, done: Done) {
      const expiresAt = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + SESSION_IDLE_MS);
      const data = JSON.parse(JSON.stringify(session)) as object;
      const prune = ++saves % PRUNE_EVERY === 0 ? db.webSession.deleteMany({ where: { expiresAt: { lt: new Date() } } }) : Promise.resolve();
      Promise.all([db.webSession.upsert({ where: { sid }, create: { sid, data, expiresAt }, update: { data, expiresAt } }), prune]).then(() => done(), done);
    },
    get(sid: string, done: (error: unknown, session?: unknown) => void) {
      db.webSession.findUnique({ where: { sid } }).then(
        (row) => done(null, row && row.expiresAt > new Date() ? row.data : null),
        (error) => done(error),
      );
    },
    destroy(sid: string, done: Done) {
      db.webSession.deleteMany({ where: { sid } }).then(() => done(), done);
    },
  };
}

export async function registerWorkspaceSessions(app: FastifyInstance, { db, secret, secure }: { db: PrismaClient; secret: string; secure: boolean }) {
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret,
    cookieName: 'l2l_session',
    saveUninitialized: false,
    rolling: true,
    cookie: { path: '/workspace', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_IDLE_MS },
    store: sessionStore(db) as never,
  });
}
