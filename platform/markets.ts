// The ownership model per market, owned by the OEM: a versioned record per market in the
// database. Intake reads it for every lead (cached a few seconds per process); a change is a
// new version, sent to the market's running journeys by the market roll-out.
import { DEFAULT_MODEL, type MarketModel, type OwnershipModel } from '../domain/markets.js';
import { isUniqueViolation, type PrismaClient } from './db.js';

export interface MarketModelVersion extends MarketModel {
  reason: string;
  changedBy: string;
  createdAt: string;
}

/** How long a process trusts what it read (the roll-out's second pass waits longer than this). */
export const MARKET_CACHE_MS = 5_000;

export function createMarketStore(db: PrismaClient) {
  const cache = new Map<string, { at: number; model: MarketModel }>();
  const toView = (row: { market: string; version: number; model: string; reason: string; changedBy: string; createdAt: Date }): MarketModelVersion => ({
    market: row.market, version: row.version, model: row.model as OwnershipModel, reason: row.reason, changedBy: row.changedBy, createdAt: row.createdAt.toISOString(),
  });
  const latest = async (market: string) => {
    const row = await db.marketOwnershipModel.findFirst({ where: { market }, orderBy: { version: 'desc' } });
    return row ? toView(row) : null;
  };

  return {
    /** The model a new lead of `market` carries: the newest version, or the shared model (version 0). */
    async modelOf(market: string): Promise<MarketModel> {
      const hit = cache.get(market);
      if (hit && Date.now() - hit.at < MARKET_CACHE_MS) return hit.model;
      const row = await latest(market);
      const model: MarketModel = row ? { market, model: row.model, version: row.version } : { market, model: DEFAULT_MODEL, version: 0 };
      cache.set(market, { at: Date.now(), model });
      return model;
    },

    /** Every market's model in force, by market. */
    async current(): Promise<MarketModelVersion[]> {
      const rows = await db.marketOwnershipModel.findMany({ distinct: ['market'], orderBy: [{ market: 'asc' }, { version: 'desc' }] });
      return rows.map(toView);
    },

    async history(market: string): Promise<MarketModelVersion[]> {
      return (await db.marketOwnershipModel.findMany({ where: { market }, orderBy: { version: 'desc' } })).map(toView);
    },

    /**
     * Sets the model: a new version, unless it is the model in force already (then that
     * version, `changed: false`). Two changes racing: the loser tries again on top of the winner.
     */
    async set(input: { market: string; model: OwnershipModel; reason: string; changedBy: string }): Promise<{ version: MarketModelVersion; changed: boolean }> {
      for (let attempt = 1; ; attempt++) {
        const base = await latest(input.market);
        if (base && base.model === input.model) return { version: base, changed: false };
        try {
          const row = await db.marketOwnershipModel.create({ data: { ...input, version: (base?.version ?? 0) + 1 } });
          cache.delete(input.market);
          return { version: toView(row), changed: true };
        } catch (error) {
          if (!isUniqueViolation(error) || attempt >= 5) throw error;
        }
      }
    },
  };
}

export type MarketStore = ReturnType<typeof createMarketStore>;
