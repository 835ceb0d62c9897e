// Campaigns and recalls as the OEM handles them: created as drafts, started (the audience frozen
// into campaign_target, a recall's vehicles and their dealers' repair tasks into recall_vehicle,
// then the campaign workflow on the bulk queue), paused, resumed and cancelled through the
// workflow, and read back with their progress and results.
import { createHash } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { isNotFound } from '../platform/temporal-errors.js';
import type { Logger } from 'pino';
import { liftOf, type CampaignControl, type CampaignPurpose, type CampaignSender, type CampaignStatus, type GroupCount, type Lift, type SegmentFilter } from '../domain/campaigns.js';
import type { Channel } from '../domain/messages.js';
import { inTransaction, sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { writeCsv } from '../platform/csv.js';
import { startFileWorkflow, startStrandedFiles } from '../intake/start-file-workflow.js';
import { campaignControlUpdate, campaignWorkflowIdFor, CAMPAIGN_WORKFLOW_TYPE } from '../workflows/definitions.js';
import { canonical, segmentQuery } from './segments.js';
import type { CampaignTemplate } from './templates.js';

export interface CampaignSpec {
  kind: 'CAMPAIGN' | 'RECALL';
  name: string;
  purpose: CampaignPurpose;
  channels: Channel[];
  templates: Record<string, CampaignTemplate>;
  defaultLanguage: string;
  variables: Record<string, string>;
  sender: CampaignSender;
  segmentId?: string;
  recallCode?: string;
  vins?: string[];
  windowStartsAt?: string;
  windowEndsAt?: string;
  perHour: number;
  perDealerPerHour?: number;
  holdoutPercent: number;
  attributionDays: number;
}

/** Counts of one group's targets by what became of them. */
export interface CampaignResults {
  targeted: number;
  decided: number;
  heldOut: number;
  /** The journeys' decisions on the treatment group, and the rest. */
  allowed: number;
  deferred: number;
  suppressed: number;
  letters: number;
  windowClosed: number;
  /** By reason (suppressed and deferred ones; NOT_OWNER etc.). */
  byReason: Record<string, number>;
  /** The messages themselves: handed to the transport, failed, still waiting. */
  sent: number;
  failed: number;
  waiting: number;
  unsubscribed: number;
  conversions: { attributionDays: number; treatment: Conversions; control: Conversions; lift: Lift };
}
export interface Conversions extends GroupCount {
  leads: number;
  handoffsAccepted: number;
  sales: number;
  serviceVisits: number;
}

export interface CampaignView {
  campaignId: string;
  kind: 'CAMPAIGN' | 'RECALL';
  name: string;
  status: CampaignStatus | 'STARTING';
  purpose: CampaignPurpose;
  channels: Channel[];
  languages: string[];
  defaultLanguage: string;
  sender: CampaignSender;
  segmentId: string | null;
  recallCode: string | null;
  windowStartsAt: string | null;
  windowEndsAt: string | null;
  perHour: number;
  perDealerPerHour: number | null;
  holdoutPercent: number;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  results: CampaignResults | null;
  /** A recall's vehicles: open repair tasks, repaired, owner unknown. */
  vehicles: { open: number; repaired: number; ownerUnknown: number } | null;
}

export class CampaignConflict extends Error {}
export class CampaignNotFound extends Error {}
/** Temporal could not be reached: the campaign is stored, its start can be asked again. */
export class CampaignNotStarted extends Error {}

const hashOf = (spec: CampaignSpec) => createHash('sha256').update(canonical(spec)).digest('hex');
const iso = (d: Date | null) => d?.toISOString() ?? null;

export function createCampaigns(deps: { db: PrismaClient; temporal: Client; bulkTaskQueue: string; log: Logger }) {
  const { db, temporal, log } = deps;
  const pool = sqlPoolOf(db);

  async function view(campaignId: string): Promise<CampaignView | null> {
    const c = await db.campaign.findUnique({ where: { id: campaignId }, omit: { vins: true } }) // a recall's VINs: up to 100,000;
    if (!c) return null;
    const started = c.targeted !== null;
    return {
      campaignId: c.id, kind: c.kind as CampaignView['kind'], name: c.name, status: c.status as CampaignView['status'], purpose: c.purpose as CampaignPurpose,
      channels: c.channels as Channel[], languages: Object.keys(c.templates as object), defaultLanguage: c.defaultLanguage, sender: c.sender as CampaignSender,
      segmentId: c.segmentId, recallCode: c.recallCode, windowStartsAt: iso(c.windowStartsAt), windowEndsAt: iso(c.windowEndsAt),
      perHour: c.perHour, perDealerPerHour: c.perDealerPerHour, holdoutPercent: c.holdoutPercent, createdBy: c.createdBy,
      createdAt: c.createdAt.toISOString(), startedAt: iso(c.startedAt), completedAt: iso(c.completedAt),
      results: started ? await resultsOf(c.id, c.targeted!, c.attributionDays) : null,
      vehicles: c.kind === 'RECALL' && started ? await vehiclesOf(c.id) : null,
    };
  }

  async function vehiclesOf(campaignId: string) {
    const rows = await db.recallVehicle.groupBy({ by: ['status'], where: { campaignId }, _count: { _all: true } });
    const n = (s: string) => rows.find((r) => r.status === s)?._count._all ?? 0;
    return { open: n('OPEN'), repaired: n('REPAIRED'), ownerUnknown: n('OWNER_UNKNOWN') };
  }

  async function resultsOf(campaignId: string, targeted: number, attributionDays: number): Promise<CampaignResults> {
    const [outcomes, messages, unsubscribed, conversions] = await Promise.all([
      pool.query<{ outcome: string | null; reason: string | null; n: number }>(
        'SELECT outcome, reason, count(*)::int AS n FROM campaign_target WHERE campaign_id = $1 GROUP BY 1, 2', [campaignId]),
      pool.query<{ status: string; n: number }>(
        `SELECT m.status, count(*)::int AS n FROM campaign_target t JOIN communication m ON m.id = t.communication_id
         WHERE t.campaign_id = $1 AND t.outcome IN ('ALLOWED', 'DEFERRED') GROUP BY 1`, [campaignId]),
      pool.query<{ n: number }>(
        `SELECT count(DISTINCT r.customer_id)::int AS n FROM campaign_target t JOIN consent_record r ON r.communication_id = t.communication_id
         WHERE t.campaign_id = $1 AND NOT r.granted`, [campaignId]),
      // Intent to treat: every decided target of a group counts, whatever the journey decided for it.
      pool.query<{ grp: string } & Record<'customers' | 'converted' | 'leads' | 'accepted' | 'sales' | 'visits', number>>(
        `SELECT t.grp, count(*)::int AS customers,
                count(*) FILTER (WHERE x.lead OR x.accepted OR x.sale OR x.visit)::int AS converted,
                count(*) FILTER (WHERE x.lead)::int AS leads, count(*) FILTER (WHERE x.accepted)::int AS accepted,
                count(*) FILTER (WHERE x.sale)::int AS sales, count(*) FILTER (WHERE x.visit)::int AS visits
         FROM campaign_target t CROSS JOIN LATERAL (SELECT
           EXISTS (SELECT 1 FROM lead l WHERE l.customer_id = t.customer_id AND l.source <> 'CUSTOMER_IMPORT'
                   AND l.received_at >= t.decided_at AND l.received_at < t.decided_at + make_interval(days => $2)) AS lead,
           EXISTS (SELECT 1 FROM handoff_event h WHERE h.journey_id = t.journey_id AND h.kind = 'ACCEPTED'
                   AND h.at >= t.decided_at AND h.at < t.decided_at + make_interval(days => $2)) AS accepted,
           EXISTS (SELECT 1 FROM sale s WHERE s.customer_id = t.customer_id AND NOT s.imported
                   AND s.at >= t.decided_at AND s.at < t.decided_at + make_interval(days => $2)) AS sale,
           EXISTS (SELECT 1 FROM aftersales_event a WHERE a.journey_id = t.journey_id AND a.kind = 'SERVICE_VISIT'
                   AND a.at >= t.decided_at AND a.at < t.decided_at + make_interval(days => $2)) AS visit) x
         WHERE t.campaign_id = $1 AND t.grp IS NOT NULL GROUP BY t.grp`, [campaignId, attributionDays]),
    ]);
    const count = (outcome: string) => outcomes.rows.filter((r) => r.outcome === outcome).reduce((a, r) => a + r.n, 0);
    const byReason: Record<string, number> = {};
    for (const r of outcomes.rows) if (r.reason) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.n;
    const sends = (status: string) => messages.rows.find((r) => r.status === status)?.n ?? 0;
    const group = (grp: 'TREATMENT' | 'CONTROL'): Conversions => {
      const r = conversions.rows.find((row) => row.grp === grp);
      return {
        customers: r?.customers ?? 0, converted: r?.converted ?? 0, leads: r?.leads ?? 0, handoffsAccepted: r?.accepted ?? 0,
        sales: r?.sales ?? 0, serviceVisits: r?.visits ?? 0,
      };
    };
    const treatment = group('TREATMENT');
    const control = group('CONTROL');
    return {
      targeted, decided: outcomes.rows.filter((r) => r.outcome !== null).reduce((a, r) => a + r.n, 0),
      heldOut: count('HELD_OUT'), allowed: count('ALLOWED'), deferred: count('DEFERRED'), suppressed: count('SUPPRESSED'),
      letters: count('LETTER'), windowClosed: count('WINDOW_CLOSED'), byReason,
      sent: sends('SENT'), failed: sends('FAILED'), waiting: sends('ALLOWED') + sends('DEFERRED') + sends('REQUESTED'),
      unsubscribed: unsubscribed.rows[0]!.n,
      conversions: { attributionDays, treatment, control, lift: liftOf(treatment, control) },
    };
  }

  /** Freezes the audience: a segment's journeys, or the owners of a recall's VINs (and their dealers' tasks). */
  async function snapshot(campaignId: string): Promise<number> {
    return inTransaction(pool, async (sql) => {
      const { rows: [c] } = await sql.query<{ kind: string; segment_id: string | null; vins: string[] | null; recall_code: string | null; status: string; targeted: number | null }>(
        'SELECT kind, segment_id, vins, recall_code, status, targeted FROM campaign WHERE id = $1 FOR UPDATE', [campaignId]);
      if (!c) throw new CampaignNotFound(campaignId);
      if (c.targeted !== null) return c.targeted; // started before (a retried start)
      if (c.kind === 'CAMPAIGN') {
        const { rows: [segment] } = await sql.query<{ filter: SegmentFilter }>('SELECT filter FROM segment WHERE id = $1', [c.segment_id]);
        const { where, values } = segmentQuery(segment!.filter, 2);
        await sql.query(
          `INSERT INTO campaign_target (campaign_id, customer_id, journey_id, dealer_id, country, language)
           SELECT $1, j.customer_id, j.id, CASE WHEN j.owner <> 'OEM' THEN j.dealer_id END, c.country, c.language
           FROM journey j JOIN customer c ON c.id = j.customer_id WHERE ${where} ON CONFLICT DO NOTHING`, [campaignId, ...values]);
      } else {
        // Each VIN's owner is the customer of its latest sale; the task goes to the dealer the customer
        // is with, else the one who sold the car. No sale, or an erased owner: listed for the OEM.
        await sql.query(
          `WITH affected AS (SELECT DISTINCT unnest($2::text[]) AS vin),
                owners AS (SELECT DISTINCT ON (s.vin) s.vin, s.customer_id, s.journey_id, s.dealer_id, s.model
                           FROM sale s JOIN affected USING (vin) ORDER BY s.vin, s.at DESC)
           INSERT INTO recall_vehicle (campaign_id, vin, customer_id, journey_id, dealer_id, model, status)
           SELECT $1, a.vin, o.customer_id, o.journey_id,
                  CASE WHEN j.stage = 'ERASED' OR j.id IS NULL THEN NULL ELSE COALESCE(CASE WHEN j.owner <> 'OEM' THEN j.dealer_id END, o.dealer_id) END,
                  o.model, CASE WHEN j.id IS NULL OR j.stage = 'ERASED' THEN 'OWNER_UNKNOWN' ELSE 'OPEN' END
           FROM affected a LEFT JOIN owners o USING (vin) LEFT JOIN journey j ON j.id = o.journey_id
           ON CONFLICT DO NOTHING`, [campaignId, c.vins]);
        await sql.query(
          `INSERT INTO campaign_target (campaign_id, customer_id, journey_id, dealer_id, country, language)
           SELECT DISTINCT ON (v.customer_id) $1::uuid, v.customer_id, v.journey_id, v.dealer_id, cu.country, cu.language
           FROM recall_vehicle v JOIN customer cu ON cu.id = v.customer_id
           WHERE v.campaign_id = $1 AND v.status = 'OPEN' ORDER BY v.customer_id ON CONFLICT DO NOTHING`, [campaignId]);
        // The owning dealer's service task per vehicle (also in the customer's timeline).
        await sql.query(
          `INSERT INTO journey_task (key, journey_id, assignee, kind, detail, due_at)
           SELECT 'recall:' || $1::text || ':' || v.vin, v.journey_id, v.dealer_id, 'RECALL_REPAIR', 'recall ' || $2::text || ' ' || v.vin, now()
           FROM recall_vehicle v WHERE v.campaign_id = $1::uuid AND v.status = 'OPEN' AND v.dealer_id IS NOT NULL
           ON CONFLICT (key) DO NOTHING`, [campaignId, c.recall_code]);
      }
      const { rows: [n] } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM campaign_target WHERE campaign_id = $1', [campaignId]);
      await sql.query(`UPDATE campaign SET targeted = $2, status = 'STARTING', started_at = now() WHERE id = $1`, [campaignId, n!.n]);
      return n!.n;
    });
  }

  const startWorkflow = (campaignId: string) => startFileWorkflow(temporal, log, {
    workflowType: CAMPAIGN_WORKFLOW_TYPE, workflowId: campaignWorkflowIdFor(campaignId), taskQueue: deps.bulkTaskQueue, args: [{ campaignId }],
  });

  return {
    view,

    /**
     * Campaigns whose audience was frozen but whose workflow could not be started (Temporal was
     * down when the OEM started them): started now, by the worker's relay; how many were.
     */
    startStranded: (minAgeMs: number, now = new Date()) =>
      startStrandedFiles(minAgeMs, now, (where, take) => db.campaign.findMany({
        where: { status: 'STARTING', startedAt: where.createdAt }, take, select: { id: true },
      }), ({ id }) => startWorkflow(id)),

    /**
     * A new draft under the caller's id; the same id with the same content again is the same
     * campaign (`created: false`), with other content a conflict.
     */
    async create(campaignId: string, spec: CampaignSpec, createdBy: string): Promise<{ created: boolean; campaign: CampaignView }> {
      const requestHash = hashOf(spec);
      const { count } = await db.campaign.createMany({
        data: [{
          id: campaignId, kind: spec.kind, name: spec.name, purpose: spec.purpose, channels: spec.channels, templates: spec.templates as object,
          defaultLanguage: spec.defaultLanguage, variables: spec.variables, sender: spec.sender, segmentId: spec.segmentId ?? null,
          recallCode: spec.recallCode ?? null, vins: spec.vins ?? [], windowStartsAt: spec.windowStartsAt ? new Date(spec.windowStartsAt) : null,
          windowEndsAt: spec.windowEndsAt ? new Date(spec.windowEndsAt) : null, perHour: spec.perHour, perDealerPerHour: spec.perDealerPerHour ?? null,
          holdoutPercent: spec.holdoutPercent, attributionDays: spec.attributionDays, requestHash, createdBy,
        }],
        skipDuplicates: true,
      });
      const stored = await db.campaign.findUniqueOrThrow({ where: { id: campaignId }, select: { requestHash: true } });
      if (count === 0 && stored.requestHash !== requestHash) throw new CampaignConflict('campaignId: already used for another campaign');
      return { created: count === 1, campaign: (await view(campaignId))! };
    },

    /** Freezes the audience and starts the workflow (a repeat finds both done). */
    async start(campaignId: string): Promise<CampaignView> {
      const c = await db.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
      if (!c) throw new CampaignNotFound(campaignId);
      if (c.status === 'CANCELLED' || c.status === 'COMPLETED') return (await view(campaignId))!;
      await snapshot(campaignId);
      // Temporal out of reach: a 503 (start it again), and the worker's relay starts it meanwhile.
      if (!(await startWorkflow(campaignId))) throw new CampaignNotStarted(campaignId);
      return (await view(campaignId))!;
    },

    /** Pause, resume or cancel: asked of the campaign's workflow, which answers with the status. */
    async control(campaignId: string, action: CampaignControl): Promise<CampaignView> {
      const c = await db.campaign.findUnique({ where: { id: campaignId }, select: { status: true } });
      if (!c) throw new CampaignNotFound(campaignId);
      if (c.status === 'DRAFT') {
        if (action !== 'CANCEL') throw new CampaignConflict(`a draft is started, not ${action.toLowerCase()}d`);
        await db.campaign.updateMany({ where: { id: campaignId, status: 'DRAFT' }, data: { status: 'CANCELLED', completedAt: new Date() } });
        return (await view(campaignId))!;
      }
      if (c.status === 'COMPLETED' || (c.status === 'CANCELLED' && action !== 'CANCEL')) throw new CampaignConflict(`the campaign is ${c.status.toLowerCase()}`);
      if (c.status !== 'CANCELLED') {
        try {
          await temporal.withDeadline(Date.now() + 10_000, () =>
            temporal.workflow.getHandle(campaignWorkflowIdFor(campaignId)).executeUpdate(campaignControlUpdate, { args: [{ action }] }));
        } catch (error) {
          // It ended meanwhile (its validator refuses, or the run is closed): say so, as for an ended one.
          if (error instanceof WorkflowUpdateFailedError || isNotFound(error)) throw new CampaignConflict('the campaign is over');
          throw error;
        }
      }
      return (await view(campaignId))!;
    },

    async list(): Promise<CampaignView[]> {
      const rows = await db.campaign.findMany({ orderBy: { createdAt: 'desc' }, take: 100, select: { id: true } });
      return (await Promise.all(rows.map((r) => view(r.id)))).filter((v): v is CampaignView => v !== null);
    },

    /** Each target and what became of it, as CSV (journey ids only: no personal data leaves in it). */
    async targetsCsv(campaignId: string): Promise<string> {
      const { rows } = await pool.query<{ journey_id: string; dealer_id: string | null; grp: string | null; outcome: string | null; reason: string | null; channel: string | null; status: string | null; decided_at: Date | null; sent_at: Date | null }>(
        `SELECT t.journey_id, t.dealer_id, t.grp, t.outcome, t.reason, t.channel, m.status, t.decided_at, m.sent_at
         FROM campaign_target t LEFT JOIN communication m ON m.id = t.communication_id WHERE t.campaign_id = $1 ORDER BY t.customer_id`, [campaignId]);
      return writeCsv(rows.map((r) => [r.journey_id, r.dealer_id, r.grp, r.outcome, r.reason, r.channel, r.status, iso(r.decided_at), iso(r.sent_at)]),
        ['journeyId', 'dealerId', 'group', 'outcome', 'reason', 'channel', 'messageStatus', 'decidedAt', 'sentAt']);
    },

    /** A recall's vehicles by VIN, a page after `after` (all, or those of one status: OWNER_UNKNOWN is the OEM's list to chase). */
    async vehicles(campaignId: string, status?: string, page: { after?: string; limit?: number } = {}) {
      return db.recallVehicle.findMany({
        where: { campaignId, ...(status ? { status } : {}), ...(page.after ? { vin: { gt: page.after } } : {}) }, orderBy: { vin: 'asc' }, take: page.limit ?? 1_000,
      });
    },

    /** Recall repair tasks: one dealer's, or all (the OEM); open ones unless `all`. */
    async recallTasks(dealerId: string | null, all = false) {
      return db.recallVehicle.findMany({
        where: { ...(dealerId ? { dealerId } : { dealerId: { not: null } }), ...(all ? { status: { in: ['OPEN', 'REPAIRED'] } } : { status: 'OPEN' }) },
        include: { campaign: { select: { recallCode: true, name: true } } }, orderBy: [{ campaignId: 'asc' }, { vin: 'asc' }], take: 1_000,
      });
    },
  };
}
export type Campaigns = ReturnType<typeof createCampaigns>;
