import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { legalRegimeOf, type ConsentGiven, type ConsentStatement } from '../domain/consent.js';
import { journeyIdFor } from '../domain/journey.js';
import type { LeadCaptured, LeadSource, PurchaseTimeframe } from '../domain/lead.js';
import { normalizeEmail, normalizePhone } from '../domain/identity.js';
import type { JourneyPolicy } from '../domain/policy.js';
import { isUniqueViolation, type PrismaClient } from '../platform/db.js';
import type { JourneyPolicyStore } from '../platform/journey-policy.js';
import { JOURNEY_TASK_QUEUE, JOURNEY_WORKFLOW_TYPE, leadCapturedSignal } from '../workflows/definitions.js';
import { CustomerOwnerKey, JourneyStageKey, LeadSourceKey } from '../workflows/search-attributes.js';
// Type only: arguments are checked against the workflow's own signature (JourneyInput).
import type { journey } from '../workflows/journey.js';

/** How long a request waits for Temporal before leaving the lead to the outbox relay. */
const DELIVERY_TIMEOUT_MS = 3_000;

/** A lead as the intake receives it, already validated for shape. */
export interface IncomingLead {
  source: LeadSource;
  campaign?: string;
  event?: string;
  interest?: { model?: string; timeframe?: PurchaseTimeframe; message?: string };
  contact: {
    firstName?: string;
    lastName?: string;
    email?: string;
    phone?: string;
    postalCode?: string;
    country?: string;
  };
  receivedAt?: string;
  preferredDealerId?: string;
  /** Consents given with this lead; stored with their proof in the consent records. */
  consents?: ConsentGiven[];
  /** For web forms: where the consents were given from (kept with them as proof). */
  consentProof?: { ip: string; userAgent: string | null };
}

export interface IntakeResult {
  journeyId: string;
  customerId: string;
  leadId: string;
  /** False when the journey could not be reached now; the outbox relay delivers it later. */
  delivered: boolean;
  /** True when this answer replays an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** A request that cannot be taken as it is; `field` names the culprit (dot path). */
export class IntakeRejected extends Error {
  constructor(readonly field: string, message: string, readonly status: 400 | 422 = 400) {
    super(message);
  }
}

export interface LeadIntakeDeps {
  db: PrismaClient;
  temporal: Client;
  taskQueue?: string;
  defaultCountry: string;
  log: Logger;
  /** Policy new journeys start with; the workflow's defaults when absent. */
  journeyPolicy?: JourneyPolicy;
  /** Where new journeys' policy comes from when none is given above: the OEM's newest version. */
  policies?: JourneyPolicyStore;
  /** Extra start options for new journeys (the time-skipping test server caps executions at 10 years unless told). */
  journeyStartOptions?: { workflowExecutionTimeout?: number };
}

/**
 * Takes a lead in: resolves who the person is, stores the lead, and hands it to
 * the customer's journey. The lead is durable in the database before the journey
 * hears of it (an outbox), so a Temporal outage delays the lead but never loses it.
 */
export function createLeadIntake({ db, temporal, taskQueue = JOURNEY_TASK_QUEUE, defaultCountry, log, journeyPolicy, policies, journeyStartOptions }: LeadIntakeDeps) {
  /** The policy a journey starts with, if it starts now: given explicitly, else the OEM's newest version. */
  async function startingPolicy(): Promise<{ policy?: JourneyPolicy; policyVersion?: number }> {
    if (journeyPolicy) return { policy: journeyPolicy };
    if (!policies) return {};
    const { version, policy } = await policies.current();
    return { policy, policyVersion: version };
  }

  /** Checks a lead without writing anything; throws IntakeRejected naming the field. */
  async function validate(lead: IncomingLead): Promise<Identity> {
    const identity = normalizeIdentity(lead, defaultCountry);
    if (lead.preferredDealerId && !(await db.dealer.findFirst({ where: { id: lead.preferredDealerId, active: true }, select: { id: true } }))) {
      throw new IntakeRejected('preferredDealerId', `no active dealer "${lead.preferredDealerId}"`);
    }
    return identity;
  }

  async function accept(lead: IncomingLead, idempotencyKey?: string): Promise<IntakeResult> {
    const identity = await validate(lead);
    const requestHash = idempotencyKey ? hashRequest(lead) : undefined;
    if (idempotencyKey) {
      const earlier = await replay(idempotencyKey, requestHash!);
      if (earlier) return earlier;
    }

    let stored: { customerId: string; leadId: string; receivedAt: Date };
    try {
      stored = await storeLead(lead, identity, idempotencyKey, requestHash);
    } catch (error) {
      // Two requests with one Idempotency-Key raced; the loser answers like a replay.
      if (idempotencyKey && isUniqueViolation(error, 'idempotency_key')) {
        const earlier = await replay(idempotencyKey, requestHash!);
        if (earlier) return earlier;
      }
      throw error;
    }

    const delivered = await deliver(stored.leadId);
    return { journeyId: journeyIdFor(stored.customerId), customerId: stored.customerId, leadId: stored.leadId, delivered, replayed: false };
  }

  async function replay(idempotencyKey: string, requestHash: string): Promise<IntakeResult | undefined> {
    const earlier = await db.lead.findUnique({ where: { idempotencyKey } });
    if (!earlier) return undefined;
    if (earlier.requestHash !== requestHash) {
      throw new IntakeRejected('Idempotency-Key', 'this Idempotency-Key was already used for a different lead', 422);
    }
    const delivered = earlier.deliveredAt !== null || (await deliver(earlier.id));
    return { journeyId: journeyIdFor(earlier.customerId), customerId: earlier.customerId, leadId: earlier.id, delivered, replayed: true };
  }

  /** Customer and lead in one transaction; unique constraints settle concurrent first leads. */
  async function storeLead(lead: IncomingLead, identity: Identity, idempotencyKey?: string, requestHash?: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.$transaction(async (tx) => {
          const customerId = await resolveCustomer(tx, lead, identity);
          const created = await tx.lead.create({
            data: {
              customerId,
              source: lead.source,
              campaign: lead.campaign,
              event: lead.event,
              interestModel: lead.interest?.model,
              preferredDealerId: lead.preferredDealerId,
              timeframe: lead.interest?.timeframe,
              message: lead.interest?.message,
              receivedAt: lead.receivedAt ? new Date(lead.receivedAt) : new Date(),
              idempotencyKey,
              requestHash,
            },
          });
          if (lead.consents?.length) {
            await tx.consentRecord.createMany({
              data: lead.consents.map((c) => ({
                customerId, leadId: created.id, channel: c.channel, purpose: c.purpose, granted: c.granted, wordingId: c.wordingId, method: c.method,
                capturedAt: c.capturedAt ? new Date(c.capturedAt) : created.receivedAt,
                ip: lead.consentProof?.ip ?? null, userAgent: lead.consentProof?.userAgent ?? null,
              })),
            });
          }
          return { customerId, leadId: created.id, receivedAt: created.receivedAt };
        });
      } catch (error) {
        // Another request created this person a moment ago: look again.
        if (attempt < 3 && isUniqueViolation(error) && !isUniqueViolation(error, 'idempotency_key')) continue;
        throw error;
      }
    }
  }

  /** Signal-with-start: the journey is created with its first lead, later leads join it. */
  async function deliver(leadId: string): Promise<boolean> {
    const lead = await db.lead.findUniqueOrThrow({ where: { id: leadId }, include: { customer: true } });
    const consents = await db.consentRecord.findMany({ where: { leadId }, select: { channel: true, purpose: true, granted: true }, orderBy: { capturedAt: 'asc' } });
    const captured: LeadCaptured = {
      leadId: lead.id,
      source: lead.source,
      ...(lead.campaign ? { campaign: lead.campaign } : {}),
      ...(lead.event ? { event: lead.event } : {}),
      ...(lead.interestModel ? { interestModel: lead.interestModel } : {}),
      ...(lead.timeframe ? { timeframe: lead.timeframe as PurchaseTimeframe } : {}),
      ...(lead.preferredDealerId ? { preferredDealerId: lead.preferredDealerId } : {}),
      hasEmail: lead.customer.emailNormalized !== null,
      hasPhone: lead.customer.phoneE164 !== null,
      hasPostalCode: lead.customer.postalCode !== null,
      receivedAt: lead.receivedAt.toISOString(),
      // The journey learns the law that applies and what was agreed; the proof stays in consent_record.
      consentRegime: legalRegimeOf(lead.customer.country ?? defaultCountry),
      consents: consents as ConsentStatement[],
    };
    try {
      // Bounded: during an outage the caller gets its 202 quickly and the relay retries.
      const policy = await startingPolicy();
      await temporal.withDeadline(Date.now() + DELIVERY_TIMEOUT_MS, () => temporal.workflow.signalWithStart<typeof journey, [LeadCaptured]>(JOURNEY_WORKFLOW_TYPE, {
        workflowId: journeyIdFor(lead.customerId),
        taskQueue,
        ...journeyStartOptions,
        args: [{ customerId: lead.customerId, ...policy }],
        signal: leadCapturedSignal,
        signalArgs: [captured],
        typedSearchAttributes: [
          { key: JourneyStageKey, value: 'CAPTURED' },
          { key: CustomerOwnerKey, value: 'OEM' },
          { key: LeadSourceKey, value: lead.source },
        ],
      }));
    } catch (error) {
      log.warn({ err: error, leadId }, 'journey unreachable; lead stays in the outbox for redelivery');
      return false;
    }
    await db.lead.update({ where: { id: leadId }, data: { deliveredAt: new Date() } });
    return true;
  }

  return { accept, validate, deliver };
}

export type LeadIntake = ReturnType<typeof createLeadIntake>;

interface Identity {
  email?: string;
  phone?: string;
}

function normalizeIdentity(lead: IncomingLead, defaultCountry: string): Identity {
  const { email, phone, country } = lead.contact;
  const identity: Identity = {};
  if (email) identity.email = normalizeEmail(email);
  if (phone) {
    try {
      identity.phone = normalizePhone(phone, country ?? defaultCountry);
    } catch {
      throw new IntakeRejected('contact.phone', `"${phone}" is not a valid phone number`);
    }
  }
  if (!identity.email && !identity.phone) {
    throw new IntakeRejected('contact', 'a lead needs an e-mail address or a phone number to reach the customer');
  }
  return identity;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Same normalised e-mail, else same phone → same customer. Identifiers the
 * customer lacks are added unless they already belong to someone else.
 */
async function resolveCustomer(tx: Tx, lead: IncomingLead, identity: Identity): Promise<string> {
  const byEmail = identity.email ? await tx.customer.findUnique({ where: { emailNormalized: identity.email } }) : null;
  const byPhone = identity.phone ? await tx.customer.findUnique({ where: { phoneE164: identity.phone } }) : null;
  const existing = byEmail ?? byPhone;
  const { firstName, lastName, postalCode, country } = lead.contact;
  if (!existing) {
    const created = await tx.customer.create({
      data: { emailNormalized: identity.email, phoneE164: identity.phone, firstName, lastName, postalCode, country },
    });
    return created.id;
  }
  await tx.customer.update({
    where: { id: existing.id },
    data: {
      emailNormalized: existing.emailNormalized ?? identity.email,
      phoneE164: existing.phoneE164 ?? (byPhone && byPhone.id !== existing.id ? undefined : identity.phone),
      firstName: existing.firstName ?? firstName,
      lastName: existing.lastName ?? lastName,
      postalCode: existing.postalCode ?? postalCode,
      country: existing.country ?? country,
    },
  });
  return existing.id;
}

function hashRequest(lead: IncomingLead): string {
  return createHash('sha256').update(canonicalJson(lead)).digest('hex');
}

/** JSON with sorted keys, so the same lead hashes the same whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
