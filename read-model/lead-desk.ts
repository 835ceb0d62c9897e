// What the OEM lead desk works from: today's leads, the journeys escalated to it, and the
// fair files being imported. Reads only; the desk acts through the journeys' Updates.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

/** The lead desk's day runs in the OEM's time zone, not the server's. */
export const LEAD_DESK_TIME_ZONE = 'Europe/Berlin';

export interface LeadsToday {
  /** The day, YYYY-MM-DD in LEAD_DESK_TIME_ZONE. */
  day: string;
  bySource: { source: string; leads: number; merged: number }[];
  latest: { leadId: string; customerId: string; source: string; campaign: string | null; event: string | null; model: string | null; receivedAt: Date; name: string; stage: string | null }[];
}

export interface Escalation {
  journeyId: string;
  customerId: string;
  name: string;
  postalCode: string | null;
  /** The journey's reason (no dealer in the territory, every dealer let the offer lapse, …). */
  reason: string | null;
  escalatedAt: Date;
}

export interface ImportSummary {
  importId: string;
  status: string;
  eventName: string;
  eventDate: string;
  fileName: string | null;
  totalRows: number;
  ok: number;
  rejected: number;
  duplicates: number;
  createdAt: Date;
  completedAt: Date | null;
}

const nameOf = (first: string | null, last: string | null) => [first, last].filter(Boolean).join(' ') || '(no name)';

export function createLeadDeskReadModel(db: PrismaClient) {
  async function escalated(where: Prisma.Sql, limit: number): Promise<Escalation[]> {
    const rows = await db.$queryRaw<{ id: string; customer_id: string; first_name: string | null; last_name: string | null; postal_code: string | null; reason: string | null; stage_changed_at: Date }[]>`
      SELECT j.id, j.customer_id::text, c.first_name, c.last_name, c.postal_code, j.stage_changed_at,
             (SELECT t.detail FROM journey_task t WHERE t.journey_id = j.id AND t.kind = 'ESCALATION' ORDER BY t.due_at DESC LIMIT 1) AS reason
      FROM journey j JOIN customer c ON c.id = j.customer_id
      WHERE j.stage = 'ESCALATED' ${where} ORDER BY j.stage_changed_at, j.id LIMIT ${limit}`;
    return rows.map((r) => ({
      journeyId: r.id, customerId: r.customer_id, name: nameOf(r.first_name, r.last_name), postalCode: r.postal_code, reason: r.reason, escalatedAt: r.stage_changed_at,
    }));
  }

  return {
    /** Leads received since midnight in the desk's time zone, by source, and the latest of them. */
    async leadsToday(now = new Date(), latest = 25): Promise<LeadsToday> {
      const [today] = await db.$queryRaw<{ day: string; since: Date }[]>`
        SELECT to_char(${now}::timestamptz AT TIME ZONE ${LEAD_DESK_TIME_ZONE}, 'YYYY-MM-DD') AS day,
               date_trunc('day', ${now}::timestamptz AT TIME ZONE ${LEAD_DESK_TIME_ZONE}) AT TIME ZONE ${LEAD_DESK_TIME_ZONE} AS since`;
      const { day, since } = today!;
      const [bySource, rows] = await Promise.all([
        db.$queryRaw<{ source: string; leads: bigint; merged: bigint }[]>`
          SELECT source::text, count(*) AS leads, count(*) FILTER (WHERE merged) AS merged
          FROM lead WHERE received_at >= ${since} AND received_at <= ${now}::timestamptz GROUP BY source ORDER BY count(*) DESC, source`,
        db.$queryRaw<{ id: string; customer_id: string; source: string; campaign: string | null; event: string | null; interest_model: string | null; received_at: Date; first_name: string | null; last_name: string | null; stage: string | null }[]>`
          SELECT l.id::text, l.customer_id::text, l.source::text, l.campaign, l.event, l.interest_model, l.received_at, c.first_name, c.last_name, j.stage
          FROM lead l JOIN customer c ON c.id = l.customer_id LEFT JOIN journey j ON j.customer_id = l.customer_id
          WHERE l.received_at >= ${since} AND l.received_at <= ${now}::timestamptz
          ORDER BY l.received_at DESC, l.id LIMIT ${latest}`,
      ]);
      return {
        day,
        bySource: bySource.map((r) => ({ source: r.source, leads: Number(r.leads), merged: Number(r.merged) })),
        latest: rows.map((r) => ({
          leadId: r.id, customerId: r.customer_id, source: r.source, campaign: r.campaign, event: r.event, model: r.interest_model,
          receivedAt: r.received_at, name: nameOf(r.first_name, r.last_name), stage: r.stage,
        })),
      };
    },

    /** Journeys no dealer took, waiting on the desk, oldest first; with the journey's reason. */
    escalations: (limit = 100) => escalated(Prisma.empty, limit),

    /** One escalated journey, or null when it is not (or no longer) escalated. */
    async escalation(journeyId: string): Promise<Escalation | null> {
      return (await escalated(Prisma.sql`AND j.id = ${journeyId}`, 1))[0] ?? null;
    },

    /** The latest imports with their outcome counts so far. */
    async recentImports(limit = 20): Promise<ImportSummary[]> {
      // The counts kept on each import (not its rows counted: the page refreshes itself while one runs).
      const rows = await db.$queryRaw<{ id: string; status: string; event_name: string; event_date: string; file_name: string | null; total_rows: number; ok: number; rejected: number; duplicates: number; created_at: Date; completed_at: Date | null }[]>`
        SELECT id::text, status, event_name, to_char(event_date, 'YYYY-MM-DD') AS event_date, file_name, total_rows, created_at, completed_at,
               ok_rows AS ok, rejected_rows AS rejected, duplicate_rows AS duplicates
        FROM lead_import ORDER BY created_at DESC, id LIMIT ${limit}`;
      return rows.map((r) => ({
        importId: r.id, status: r.status, eventName: r.event_name, eventDate: r.event_date, fileName: r.file_name, totalRows: r.total_rows,
        ok: Number(r.ok), rejected: Number(r.rejected), duplicates: Number(r.duplicates), createdAt: r.created_at, completedAt: r.completed_at,
      }));
    },
  };
}

export type LeadDeskReadModel = ReturnType<typeof createLeadDeskReadModel>;
