import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, Prisma } from '../generated/prisma/client.js';

/** The pg pool under each client made here, for the few hot paths that speak SQL directly. */
const sqlPools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * One PrismaClient per process, created at the edge and passed to whoever needs it. It runs
 * on a pg pool of `poolSize` connections (DATABASE_POOL_SIZE, default 10) that `sqlPoolOf`
 * hands to code that needs plain SQL; `$disconnect()` ends it.
 */
export function createDb(databaseUrl: string, { poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 10) }: { poolSize?: number } = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle connection the server dropped (a restart, a dropped test database) is replaced on next use.
  pool.on('error', () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  sqlPools.set(db, pool);
  return db;
}

/** The pg pool the client runs on (same connections, same limits). */
export function sqlPoolOf(db: PrismaClient): pg.Pool {
  const pool = sqlPools.get(db);
  if (!pool) throw new Error('this PrismaClient was not made by createDb(); it has no pg pool to share');
  return pool;
}

/**
 * One transaction on a connection of the pool: committed when `work` resolves, rolled back
 * when it throws (and that connection dropped, in case it is what failed).
 */
export async function inTransaction<T>(pool: pg.Pool, work: (sql: pg.PoolClient) => Promise<T>): Promise<T> {
  const sql = await pool.connect();
  try {
    await sql.query('BEGIN');
    const result = await work(sql);
    await sql.query('COMMIT');
    sql.release();
    return result;
  } catch (error) {
    await sql.query('ROLLBACK').catch(() => {});
    sql.release(true);
    throw error;
  }
}

/** True when a write lost a race on a unique constraint (optionally on a given column). */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code !== 'P2002') return false;
    return !column || JSON.stringify(error.meta ?? {}).includes(column);
  }
  // pg's own error (plain SQL): SQLSTATE 23505, the constraint and "Key (column)=…" in detail.
  if (error instanceof pg.DatabaseError) {
    if (error.code !== '23505') return false;
    return !column || `${error.constraint ?? ''} ${error.detail ?? ''}`.includes(column);
  }
  return false;
}

export type { PrismaClient };

/** Prisma error codes for "the database cannot be reached or is overloaded right now". */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** PostgreSQL SQLSTATEs of the same meaning: connection exceptions (08…), shutting down, starting up, too many clients. */
const UNAVAILABLE_SQLSTATE = /^(08\w{3}|57P0[1-3]|53300)$/;
const UNAVAILABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|terminating connection|database system is (starting up|shutting down|in recovery mode)|Can't reach database|server closed the connection|connection (timeout|is closed)|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * True when a failure means the database is down or unreachable (a restart, a network
 * cut), not that the request was wrong: the caller should retry later. Walks the cause
 * chain, since the driver adapter wraps pg's errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, originalCode } = e as { code?: unknown; message?: unknown; originalCode?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (typeof originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(originalCode)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  }
  return false;
}
