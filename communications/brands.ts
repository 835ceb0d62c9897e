// The brands as the senders read them (domain/brands.ts decides which and what words): every brand
// in one query, kept for half a minute — brands change seldom, messages go out by the thousand; a
// change reaches the process that saved it at once, the others within that half minute.
import { brandOf, type Brand, type BrandTexts } from '../domain/brands.js';
import type { PrismaClient } from '../platform/db.js';

const CACHE_MS = 30_000;
/** Bumped by saveBrand: this process's catalogs read again at once (others within CACHE_MS). */
let generation = 0;

export const brandFromRow = (row: { id: string; name: string; defaultLanguage: string; senderName: string; senderAddress: string; isDefault: boolean; texts: unknown }): Brand => ({
  brandId: row.id, name: row.name, defaultLanguage: row.defaultLanguage, senderName: row.senderName, senderAddress: row.senderAddress,
  isDefault: row.isDefault, texts: (row.texts ?? {}) as Record<string, BrandTexts>,
});

export function brandCatalog(db: PrismaClient, cacheMs = CACHE_MS) {
  let cached: { at: number; generation: number; brands: Brand[] } | null = null;
  async function all(): Promise<Brand[]> {
    if (cached && cached.generation === generation && Date.now() - cached.at < cacheMs) return cached.brands;
    const seen = generation;
    const brands = (await db.brand.findMany({ orderBy: { id: 'asc' } })).map(brandFromRow);
    cached = { at: Date.now(), generation: seen, brands };
    return brands;
  }
  return {
    all,
    /** The brand of a dealer's customers (its first brand with a record, else the default). */
    async forDealer(dealerId: string | null): Promise<Brand | null> {
      const dealer = dealerId ? await db.dealer.findUnique({ where: { id: dealerId }, select: { brands: true } }) : null;
      return brandOf(await all(), dealer?.brands);
    },
    /** The brand that speaks to a customer now: their dealer's, else the default. */
    async forCustomer(customerId: string): Promise<Brand | null> {
      const journey = await db.journey.findUnique({ where: { customerId }, select: { dealerId: true } });
      return this.forDealer(journey?.dealerId ?? null);
    },
  };
}
export type BrandCatalog = ReturnType<typeof brandCatalog>;

/** What the OEM sets for a brand (PUT /v1/brands/:id, the workspace's brands page), checked already. */
export type BrandSettings = Omit<Brand, 'brandId'>;

/** Saves the brand as given (a repeat changes nothing); making it the default takes that from any other. */
export async function saveBrand(db: PrismaClient, brandId: string, settings: BrandSettings): Promise<Brand> {
  const data = { ...settings, texts: settings.texts as object };
  const row = await db.$transaction(async (tx) => {
    if (settings.isDefault) await tx.brand.updateMany({ where: { isDefault: true, id: { not: brandId } }, data: { isDefault: false } });
    return tx.brand.upsert({ where: { id: brandId }, create: { id: brandId, ...data }, update: data });
  });
  generation++;
  return brandFromRow(row);
}
