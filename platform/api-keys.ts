// API keys: `l2l_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of the
// secret is stored. A plain hash (not scrypt/argon2) is enough because the secret is
// 256 random bits, not a password: there is nothing to guess from a dictionary.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal, Role } from '../domain/access.js';
import type { PrismaClient } from './db.js';

const KEY_FORMAT = /^l2l_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is informative; writing it on every request would double the writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface NewApiKey {
  name: string;
  role: Role;
  dealerId?: string | null;
  expiresAt?: Date | null;
  createdBy?: string | null;
}

export interface ApiKeyView {
  id: string;
  prefix: string;
  name: string;
  role: Role;
  dealerId: string | null;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

/** The public part of a well-formed key (no database needed), else null. */
export function keyPrefixOf(presented: string): string | null {
  return KEY_FORMAT.exec(presented)?.[1] ?? null;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

function view(row: { id: string; prefix: string; name: string; role: string; dealerId: string | null; createdBy: string | null; expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null; createdAt: Date }): ApiKeyView {
  return {
    id: row.id, prefix: row.prefix, name: row.name, role: row.role as Role, dealerId: row.dealerId, createdBy: row.createdBy,
    expiresAt: row.expiresAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null, createdAt: row.createdAt.toISOString(),
  };
}

export type ApiKeyStore = ReturnType<typeof createApiKeyStore>;

/**
 * Authentication is cached per process for `cacheTtlMs` (default 5 s): a key's row is read
 * once per TTL, not on every request. A key revoked through this store stops at once; one
 * revoked elsewhere (another API process, the CLI) stops within the TTL.
 */
export function createApiKeyStore(db: PrismaClient, { cacheTtlMs = 5_000 }: { cacheTtlMs?: number } = {}) {
  type Cached = { principal: Principal | null; keyExpiresAt: number | null; until: number };
  const cache = new Map<string, Cached>();
  /** Bounded: a flood of made-up keys must not grow memory (they are cached as refusals). */
  const MAX_CACHED = 10_000;
  /** Keys that authenticated in the last ten minutes (hashes): they pass the per-address budget of strangers. */
  const recentlyValid = new Map<string, number>();
  const RECENTLY_VALID_MS = 10 * 60_000;

  async function lookUp(presented: string, now: Date): Promise<Cached> {
    const never: Cached = { principal: null, keyExpiresAt: null, until: now.getTime() + cacheTtlMs };
    const match = KEY_FORMAT.exec(presented);
    if (!match) return never;
    const row = await db.apiKey.findUnique({ where: { prefix: match[1] } });
    if (!row) return never;
    const expected = Buffer.from(row.secretHash, 'hex');
    const actual = Buffer.from(hashOf(match[2]!), 'hex');
    if (!timingSafeEqual(expected, actual)) return never;
    if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return never;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    }
    return {
      principal: { keyId: row.id, name: row.name, role: row.role as Role, dealerId: row.dealerId },
      keyExpiresAt: row.expiresAt?.getTime() ?? null,
      until: now.getTime() + cacheTtlMs,
    };
  }

  return {
    /** Creates a key; the returned `key` is the only time the secret exists in clear. */
    async create(input: NewApiKey): Promise<ApiKeyView & { key: string }> {
      if ((input.role === 'DEALER') !== Boolean(input.dealerId)) {
        throw new Error('a DEALER key needs a dealer id, and only a DEALER key has one');
      }
      const prefix = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const row = await db.apiKey.create({
        data: {
          prefix, secretHash: hashOf(secret), name: input.name, role: input.role, dealerId: input.dealerId ?? null,
          expiresAt: input.expiresAt ?? null, createdBy: input.createdBy ?? null,
        },
      });
      return { ...view(row), key: `l2l_${prefix}_${secret}` };
    },

    /** The principal behind a presented key, or null when it is unknown, wrong, revoked or expired. */
    async authenticate(presented: string, now = new Date()): Promise<Principal | null> {
      // Keyed by a hash of the whole presented key: the cache never holds a secret in clear.
      const cacheKey = hashOf(presented);
      let entry = cache.get(cacheKey);
      if (!entry || entry.until <= now.getTime()) {
        entry = await lookUp(presented, now);
        if (cache.size >= MAX_CACHED) cache.clear();
        cache.set(cacheKey, entry);
      }
      if (entry.keyExpiresAt !== null && entry.keyExpiresAt <= now.getTime()) return null;
      if (entry.principal) {
        if (recentlyValid.size >= MAX_CACHED) recentlyValid.clear();
        recentlyValid.set(cacheKey, now.getTime() + RECENTLY_VALID_MS);
      }
      return entry.principal;
    },

    /**
     * Whether this key authenticated lately (no look-up): a client with a good key is not held to
     * the per-address budget of requests without valid credentials (api/access.ts).
     */
    wasRecentlyValid(presented: string, now = Date.now()): boolean {
      return (recentlyValid.get(hashOf(presented)) ?? 0) > now;
    },

    async list(): Promise<ApiKeyView[]> {
      return (await db.apiKey.findMany({ orderBy: { createdAt: 'asc' } })).map(view);
    },

    /**
     * Revokes a key (idempotent); null when there is no such key. With `keepLastOemKey`
     * (the API) the last active OEM key stays: without one nobody could manage keys
     * through the API any more. The active OEM keys are locked while counted, so two
     * revocations racing for the last two cannot both win.
     */
    async revoke(id: string, options: { keepLastOemKey?: boolean; now?: Date } = {}): Promise<ApiKeyView | 'LAST_OEM_KEY' | null> {
      const now = options.now ?? new Date();
      return db.$transaction(async (tx) => {
        const activeOem = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text FROM api_key WHERE role = 'OEM' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now}) FOR UPDATE`;
        const row = await tx.apiKey.findUnique({ where: { id } });
        if (!row) return null;
        if (row.revokedAt) return view(row);
        if (options.keepLastOemKey && activeOem.length === 1 && activeOem[0]!.id === id) return 'LAST_OEM_KEY';
        return view(await tx.apiKey.update({ where: { id }, data: { revokedAt: now } }));
      }).then((result) => {
        // Revoked here: this process refuses the key from now on, not after the TTL.
        if (result && result !== 'LAST_OEM_KEY') {
          for (const [k, v] of cache) {
            if (v.principal?.keyId === id) {
              cache.delete(k);
              recentlyValid.delete(k);
            }
          }
        }
        return result;
      });
    },
  };
}
