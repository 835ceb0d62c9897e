// Segments: a typed filter (domain/campaigns.ts) as one parameterised query over the read model,
// its preview (count and a sample), and saving it by name with versions.
import { randomUUID } from 'node:crypto';
import type { SegmentFilter } from '../domain/campaigns.js';
import { isUniqueViolation, sqlPoolOf, type PrismaClient } from '../platform/db.js';

/**
 * The journeys a filter selects, as SQL over `journey j JOIN customer c` (never erased ones) with
 * its values; every value is a parameter. The campaign's start and the preview share it.
 */
export function segmentQuery(filter: SegmentFilter, firstParameter = 1): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const p = (value: unknown, cast = '') => {
    values.push(value);
    return `$${firstParameter + values.length - 1}${cast}`;
  };
  const clauses = [`j.stage <> 'ERASED'`];
  if (filter.markets?.length) clauses.push(`c.country = ANY(${p(filter.markets.map((m) => m.toUpperCase()), '::text[]')})`);
  if (filter.stages?.length) clauses.push(`j.stage = ANY(${p(filter.stages, '::text[]')})`);
  if (filter.customerKind) clauses.push(`c.kind = ${p(filter.customerKind)}`);
  if (filter.dealerIds?.length) clauses.push(`j.dealer_id = ANY(${p(filter.dealerIds, '::text[]')}) AND j.owner <> 'OEM'`);
  // Model and purchase range: the same car.
  const car: string[] = [];
  if (filter.models?.length) car.push(`s.model = ANY(${p(filter.models, '::text[]')})`);
  if (filter.purchasedFrom) car.push(`s.sold_on >= ${p(filter.purchasedFrom, '::date')}`);
  if (filter.purchasedTo) car.push(`s.sold_on <= ${p(filter.purchasedTo, '::date')}`);
  if (car.length) clauses.push(`EXISTS (SELECT 1 FROM sale s WHERE s.customer_id = j.customer_id AND ${car.join(' AND ')})`);
  if (filter.lastServiceBefore) {
    const day = p(filter.lastServiceBefore, '::date');
    clauses.push(`EXISTS (SELECT 1 FROM sale s WHERE s.customer_id = j.customer_id AND s.sold_on < ${day})`
      + ` AND NOT EXISTS (SELECT 1 FROM aftersales_event a WHERE a.customer_id = j.customer_id AND a.kind = 'SERVICE_VISIT' AND a.at >= ${day})`);
  }
  if (filter.consent) {
    clauses.push(`(SELECT r.granted FROM consent_record r WHERE r.customer_id = j.customer_id AND r.channel = ${p(filter.consent.channel)}`
      + ` AND r.purpose = ${p(filter.consent.purpose)} ORDER BY r.captured_at DESC, r.recorded_at DESC LIMIT 1) IS TRUE`);
  }
  const lead: string[] = [];
  if (filter.leadSources?.length) lead.push(`l.source::text = ANY(${p(filter.leadSources, '::text[]')})`);
  if (filter.leadCampaigns?.length) lead.push(`l.campaign = ANY(${p(filter.leadCampaigns, '::text[]')})`);
  if (lead.length) clauses.push(`EXISTS (SELECT 1 FROM lead l WHERE l.customer_id = j.customer_id AND ${lead.join(' AND ')})`);
  return { where: clauses.join('\n  AND '), values };
}

export interface SegmentPreview {
  count: number;
  /** Up to 20 of the journeys, for a look in the Temporal UI or the lead desk. */
  sampleJourneyIds: string[];
}

export interface SavedSegment {
  segmentId: string;
  name: string;
  version: number;
  filter: SegmentFilter;
  createdBy: string | null;
  createdAt: string;
}

const SAMPLE = 20;

export function createSegments(db: PrismaClient) {
  const pool = sqlPoolOf(db);
  const view = (s: { id: string; name: string; version: number; filter: unknown; createdBy: string | null; createdAt: Date }): SavedSegment => ({
    segmentId: s.id, name: s.name, version: s.version, filter: s.filter as SegmentFilter, createdBy: s.createdBy, createdAt: s.createdAt.toISOString(),
  });

  return {
    async preview(filter: SegmentFilter): Promise<SegmentPreview> {
      const { where, values } = segmentQuery(filter);
      const from = `FROM journey j JOIN customer c ON c.id = j.customer_id WHERE ${where}`;
      const [count, sample] = await Promise.all([
        pool.query<{ n: string }>(`SELECT count(*) AS n ${from}`, values),
        pool.query<{ id: string }>(`SELECT j.id ${from} ORDER BY j.customer_id LIMIT ${SAMPLE}`, values),
      ]);
      return { count: Number(count.rows[0]!.n), sampleJourneyIds: sample.rows.map((r) => r.id) };
    },

    /**
     * Saves the filter under the name: the name's next version, or (the same filter as its latest
     * version: a retry, a double click) that version again, `created: false`.
     */
    async save(name: string, filter: SegmentFilter, createdBy: string): Promise<{ created: boolean; segment: SavedSegment }> {
      for (let attempt = 0; ; attempt++) {
        const latest = await db.segment.findFirst({ where: { name }, orderBy: { version: 'desc' } });
        if (latest && sameFilter(latest.filter as SegmentFilter, filter)) return { created: false, segment: view(latest) };
        try {
          const saved = await db.segment.create({ data: { id: randomUUID(), name, version: (latest?.version ?? 0) + 1, filter: filter as object, createdBy } });
          return { created: true, segment: view(saved) };
        } catch (error) {
          // Two saves of the name at once: the unique (name, version) lets one win; look again.
          if (!isUniqueViolation(error) || attempt > 3) throw error;
        }
      }
    },

    async find(segmentId: string): Promise<SavedSegment | null> {
      const s = await db.segment.findUnique({ where: { id: segmentId } });
      return s ? view(s) : null;
    },

    /** Every name's versions, newest first. */
    async list(): Promise<SavedSegment[]> {
      return (await db.segment.findMany({ orderBy: [{ name: 'asc' }, { version: 'desc' }], take: 500 })).map(view);
    },
  };
}
export type Segments = ReturnType<typeof createSegments>;

/** The same filter whatever the order of its keys. */
function sameFilter(a: SegmentFilter, b: SegmentFilter): boolean {
  return canonical(a) === canonical(b);
}
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
