// The campaign workflow's work (bulk task queue): a page of targets decided at a time, each
// treated customer's message asked of their journey (contact arbitration decides as for any
// message) with a bounded number of Updates in flight; a recall's undelivered messages followed
// up on the next channel, then by letter.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { campaignMessageId, inHoldout } from '../campaigns/ids.js';
import { campaignTemplateId } from '../campaigns/templates.js';
import { storeCommunicationRequest } from '../communications/requests.js';
import {
  channelAfter, templateLanguageFor, tryNextChannel, withinDealerShare,
  type CampaignPurpose, type CampaignStatus, type TargetOutcome,
} from '../domain/campaigns.js';
import type { Channel, CommunicationDecision, DeferralReason, Sender, SuppressionReason } from '../domain/messages.js';
import type { BulkPace } from '../platform/bulk-pace.js';
import { sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { isNotFound } from '../platform/temporal-errors.js';
import { requestCommunicationUpdate } from '../workflows/definitions.js';

export interface CampaignDeps {
  db: PrismaClient;
  /** Asks each journey; needed by the campaign activities only. */
  temporal?: Client;
  /** Journeys' Updates a campaign keeps in flight at once (the sliding window). */
  campaignWindow?: number;
  /** The pace of this process's bulk work towards the journeys (shared with imports and onboarding). */
  bulkPace?: BulkPace;
}

interface Campaign {
  id: string;
  kind: 'CAMPAIGN' | 'RECALL';
  purpose: CampaignPurpose;
  channels: Channel[];
  languages: string[];
  defaultLanguage: string;
  sender: 'OEM' | 'OWNING_DEALER';
  recallCode: string | null;
  holdoutPercent: number;
  perDealerPerHour: number | null;
  windowEndsAt: Date | null;
}

interface Target {
  customerId: string;
  journeyId: string;
  dealerId: string | null;
  country: string | null;
  language: string | null;
}

/** What became of one target. */
interface Decided {
  customerId: string;
  grp: 'TREATMENT' | 'CONTROL';
  outcome: TargetOutcome;
  reason: string | null;
  channel: Channel | null;
  communicationId: string | null;
}

export interface CampaignPlan {
  kind: 'CAMPAIGN' | 'RECALL';
  status: CampaignStatus | 'STARTING';
  perHour: number;
  windowStartsAt: string | null;
}

export interface PageDone {
  decided: number;
  /** Targets not decided yet. */
  remaining: number;
  /** The campaign is no longer running (paused or cancelled while the page ran). */
  stopped: boolean;
  /** Targets wait only for their dealers' hourly share: look again after this long. */
  retryInMs: number;
}

/**
 * A campaign's message takes two units of the process's bulk pace: the journey decides it and then
 * sends it (two workflow tasks and an activity), about twice a new journey's work. Measured on 2 cores
 * running everything (bench:campaign): a dealer's accept 1.32–1.42× idle at 10 messages a second,
 * 7.3× at 20.
 */
const CAMPAIGN_MESSAGE_UNITS = 2;

/** Statuses a message's row holds after the journey's decision, as the decision. */
const DECIDED_STATUS: Record<string, CommunicationDecision['decision']> = { ALLOWED: 'ALLOWED', SENT: 'ALLOWED', FAILED: 'ALLOWED', DEFERRED: 'DEFERRED', SUPPRESSED: 'SUPPRESSED' };

export function createCampaignActivities({ db, temporal, campaignWindow = 16, bulkPace }: CampaignDeps) {
  const pool = sqlPoolOf(db);

  async function load(campaignId: string): Promise<Campaign & { status: string }> {
    const c = await db.campaign.findUniqueOrThrow({ where: { id: campaignId }, omit: { vins: true } });
    return {
      id: c.id, kind: c.kind as Campaign['kind'], purpose: c.purpose as CampaignPurpose, channels: c.channels as Channel[],
      languages: Object.keys(c.templates as object), defaultLanguage: c.defaultLanguage, sender: c.sender as Campaign['sender'],
      recallCode: c.recallCode, holdoutPercent: c.holdoutPercent, perDealerPerHour: c.perDealerPerHour, windowEndsAt: c.windowEndsAt, status: c.status,
    };
  }

  /**
   * The journey's decision on the campaign's message on one channel. The message's id comes from
   * the campaign, customer and channel: asked again (a retried page, a resumed campaign) it is the
   * same message, answered from its row or by the journey with its first decision — never sent twice.
   */
  async function ask(c: Campaign, t: Target, channel: Channel, sender: Sender): Promise<{ communicationId: string; decision: CommunicationDecision }> {
    const communicationId = campaignMessageId(c.id, t.customerId, channel);
    const language = templateLanguageFor(t, c.languages, c.defaultLanguage);
    const request = { communicationId, sender, purpose: c.purpose, channel, templateId: campaignTemplateId(c.id, language), notBefore: null };
    const stored = await storeCommunicationRequest(db, { ...request, customerId: t.customerId, journeyId: t.journeyId, requestedBy: `campaign:${c.id}`, variables: {} });
    if (!stored.created) {
      // Asked before (a page that runs again): its row knows the answer once the journey gave it.
      const earlier = await db.communication.findUniqueOrThrow({ where: { id: communicationId }, select: { status: true, reason: true, deferredUntil: true } });
      const known = DECIDED_STATUS[earlier.status];
      if (known === 'SUPPRESSED') return { communicationId, decision: { decision: 'SUPPRESSED', reason: earlier.reason as SuppressionReason } };
      if (known === 'DEFERRED') return { communicationId, decision: { decision: 'DEFERRED', reason: earlier.reason as DeferralReason, until: earlier.deferredUntil!.toISOString() } };
      if (known === 'ALLOWED') return { communicationId, decision: { decision: 'ALLOWED' } };
    }
    await bulkPace?.(CAMPAIGN_MESSAGE_UNITS);
    try {
      const answer = await temporal!.workflow.getHandle(t.journeyId).executeUpdate(requestCommunicationUpdate, { args: [request], updateId: communicationId });
      return { communicationId, decision: answer };
    } catch (error) {
      // The journey ended since the audience was frozen (erased): nobody to ask.
      if (isNotFound(error) || (error as Error).name === 'WorkflowUpdateFailedError' || /already completed/i.test(String(error))) {
        return { communicationId, decision: { decision: 'SUPPRESSED', reason: 'ERASED' } };
      }
      throw error;
    }
  }

  /** Asks on each channel in the campaign's order while the one before is suppressed for a reason another channel may overcome. */
  async function askInTurn(c: Campaign, t: Target, sender: Sender, channels: readonly Channel[]): Promise<Decided> {
    let last: Decided | null = null;
    for (const channel of channels) {
      const { communicationId, decision } = await ask(c, t, channel, sender);
      last = {
        customerId: t.customerId, grp: 'TREATMENT', outcome: decision.decision, channel, communicationId,
        reason: decision.decision === 'ALLOWED' ? null : decision.reason,
      };
      if (decision.decision !== 'SUPPRESSED' || !tryNextChannel(decision.reason)) return last;
    }
    // A recall reaches every owner: no channel could carry it, so the OEM writes a letter.
    if (c.kind === 'RECALL' && last && tryNextChannel(last.reason as SuppressionReason)) return letterFor(c, t, last);
    return last!;
  }

  async function letterFor(c: Campaign, t: Target, last: Decided): Promise<Decided> {
    await db.journeyTask.createMany({
      data: [{ key: `recall-letter:${c.id}:${t.customerId}`, journeyId: t.journeyId, assignee: 'OEM', kind: 'RECALL_LETTER', detail: `recall ${c.recallCode}: no channel reached the owner (${last.reason})`, dueAt: new Date() }],
      skipDuplicates: true,
    });
    return { ...last, outcome: 'LETTER' };
  }

  async function decide(c: Campaign, t: Target): Promise<Decided> {
    // A recall reaches every owner: nobody is held out of it.
    if (c.kind === 'CAMPAIGN' && inHoldout(c.id, t.customerId, c.holdoutPercent)) {
      return { customerId: t.customerId, grp: 'CONTROL', outcome: 'HELD_OUT', reason: null, channel: null, communicationId: null };
    }
    const sender: Sender | null = c.sender === 'OEM' ? { kind: 'OEM' } : t.dealerId ? { kind: 'DEALER', dealerId: t.dealerId } : null;
    if (!sender) return { customerId: t.customerId, grp: 'TREATMENT', outcome: 'SUPPRESSED', reason: 'NOT_OWNER', channel: null, communicationId: null };
    return askInTurn(c, t, sender, c.channels);
  }

  async function record(campaignId: string, decided: Decided[]): Promise<void> {
    if (decided.length === 0) return;
    await pool.query(
      `UPDATE campaign_target t SET grp = v.grp, outcome = v.outcome, reason = v.reason, channel = v.channel, communication_id = v.communication_id::uuid, decided_at = now()
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS v(customer_id, grp, outcome, reason, channel, communication_id)
       WHERE t.campaign_id = $1 AND t.customer_id = v.customer_id AND t.outcome IS NULL`,
      [campaignId, decided.map((d) => d.customerId), decided.map((d) => d.grp), decided.map((d) => d.outcome), decided.map((d) => d.reason),
        decided.map((d) => d.channel), decided.map((d) => d.communicationId)],
    );
  }

  const remainingOf = async (campaignId: string) =>
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM campaign_target WHERE campaign_id = $1 AND outcome IS NULL', [campaignId])).rows[0]!.n;

  return {
    async campaignPlan({ campaignId }: { campaignId: string }): Promise<CampaignPlan> {
      const c = await db.campaign.findUniqueOrThrow({ where: { id: campaignId }, omit: { vins: true } });
      return { kind: c.kind as CampaignPlan['kind'], status: c.status as CampaignPlan['status'], perHour: c.perHour, windowStartsAt: c.windowStartsAt?.toISOString() ?? null };
    },

    /** The campaign's status as the workflow has it (a finished campaign keeps its end). */
    async setCampaignStatus({ campaignId, status }: { campaignId: string; status: CampaignStatus }): Promise<void> {
      const done = status === 'COMPLETED' || status === 'CANCELLED';
      await db.campaign.updateMany({
        where: { id: campaignId, status: { notIn: ['COMPLETED', 'CANCELLED'] } },
        data: { status, ...(done ? { completedAt: new Date() } : {}) },
      });
    },

    /**
     * Decides up to `limit` targets not decided yet, in customer order, within each dealer's hourly
     * share; `campaignWindow` journeys asked at once. Stops early when the campaign is paused or
     * cancelled meanwhile. Past the send window (not a recall's: it never expires) the rest is closed.
     */
    async decideCampaignPage({ campaignId, limit }: { campaignId: string; limit: number }): Promise<PageDone> {
      const c = await load(campaignId);
      if (c.status !== 'RUNNING') return { decided: 0, remaining: await remainingOf(campaignId), stopped: true, retryInMs: 0 };
      if (c.kind === 'CAMPAIGN' && c.windowEndsAt && c.windowEndsAt.getTime() <= Date.now()) {
        const { rowCount } = await pool.query(
          `UPDATE campaign_target SET outcome = 'WINDOW_CLOSED', decided_at = now() WHERE campaign_id = $1 AND outcome IS NULL`, [campaignId]);
        return { decided: rowCount ?? 0, remaining: 0, stopped: false, retryInMs: 0 };
      }
      const used = new Map<string, number>();
      if (c.perDealerPerHour) {
        const { rows } = await pool.query<{ dealer_id: string; n: number }>(
          `SELECT dealer_id, count(*)::int AS n FROM campaign_target WHERE campaign_id = $1 AND grp = 'TREATMENT' AND dealer_id IS NOT NULL
           AND decided_at > now() - interval '1 hour' GROUP BY 1`, [campaignId]);
        for (const r of rows) used.set(r.dealer_id, r.n);
      }
      const full = [...used].filter(([, n]) => n >= c.perDealerPerHour!).map(([d]) => d);
      const { rows } = await pool.query<{ customer_id: string; journey_id: string; dealer_id: string | null; country: string | null; language: string | null }>(
        `SELECT customer_id, journey_id, dealer_id, country, language FROM campaign_target
         WHERE campaign_id = $1 AND outcome IS NULL AND (dealer_id IS NULL OR NOT (dealer_id = ANY($2::text[])))
         ORDER BY customer_id LIMIT $3`, [campaignId, full, limit]);
      const targets = withinDealerShare(rows.map((r) => ({ customerId: r.customer_id, journeyId: r.journey_id, dealerId: r.dealer_id, country: r.country, language: r.language })), used, c.perDealerPerHour);
      if (targets.length === 0) {
        const remaining = await remainingOf(campaignId);
        return { decided: 0, remaining, stopped: false, retryInMs: remaining > 0 ? 60_000 : 0 };
      }

      const inFlight = pLimit(campaignWindow);
      let pending: Decided[] = [];
      let decided = 0;
      let stopped = false;
      let sinceCheck = 0;
      const flush = async () => {
        const batch = pending;
        pending = [];
        await record(campaignId, batch);
        decided += batch.length;
        Context.current().heartbeat({ decided });
      };
      await Promise.all(targets.map((t) => inFlight(async () => {
        if (stopped) return;
        pending.push(await decide(c, t));
        Context.current().heartbeat({ decided: decided + pending.length }); // the SDK sends at most one per few seconds
        if (pending.length >= 50) await flush();
        // Paused or cancelled meanwhile: the page ends here; the rest waits for a resume.
        if (++sinceCheck >= 50) {
          sinceCheck = 0;
          const now = await db.campaign.findUniqueOrThrow({ where: { id: campaignId }, select: { status: true } });
          if (now.status !== 'RUNNING') stopped = true;
        }
      })));
      await flush();
      return { decided, remaining: await remainingOf(campaignId), stopped, retryInMs: 0 };
    },

    /**
     * A recall's messages after their decisions: one that failed is tried on the next channel (then
     * a letter); one the journey suppressed when it came due (deferred first) is recorded so. Returns
     * how many are still on their way (allowed or deferred, not sent yet).
     */
    async followUpRecall({ campaignId }: { campaignId: string }): Promise<{ pending: number; rerouted: number }> {
      const c = await load(campaignId);
      const { rows } = await pool.query<{ customer_id: string; journey_id: string; dealer_id: string | null; country: string | null; language: string | null; channel: Channel; status: string; reason: string | null }>(
        `SELECT t.customer_id, t.journey_id, t.dealer_id, t.country, t.language, t.channel, m.status, m.reason
         FROM campaign_target t JOIN communication m ON m.id = t.communication_id
         WHERE t.campaign_id = $1 AND t.outcome IN ('ALLOWED', 'DEFERRED') AND m.status NOT IN ('SENT')`, [campaignId]);
      let pending = 0;
      let rerouted = 0;
      const inFlight = pLimit(campaignWindow);
      await Promise.all(rows.map((r) => inFlight(async () => {
        const t: Target = { customerId: r.customer_id, journeyId: r.journey_id, dealerId: r.dealer_id, country: r.country, language: r.language };
        if (r.status !== 'FAILED' && r.status !== 'SUPPRESSED') {
          pending++;
          return;
        }
        const next = channelAfter(c.channels, r.channel);
        const last: Decided = { customerId: t.customerId, grp: 'TREATMENT', outcome: 'SUPPRESSED', reason: r.reason ?? 'TRANSPORT_FAILED', channel: r.channel, communicationId: null };
        const decided = r.status === 'SUPPRESSED' && !tryNextChannel(r.reason as SuppressionReason)
          ? last
          : next ? await askInTurn(c, t, { kind: 'OEM' }, c.channels.slice(c.channels.indexOf(next))) : await letterFor(c, t, last);
        rerouted++;
        if (decided.outcome === 'ALLOWED' || decided.outcome === 'DEFERRED') pending++;
        await pool.query(
          `UPDATE campaign_target SET outcome = $3, reason = $4, channel = $5, communication_id = COALESCE($6::uuid, communication_id) WHERE campaign_id = $1 AND customer_id = $2`,
          [campaignId, t.customerId, decided.outcome, decided.reason, decided.channel, decided.communicationId]);
      })));
      Context.current().heartbeat({ pending });
      return { pending, rerouted };
    },
  };
}
