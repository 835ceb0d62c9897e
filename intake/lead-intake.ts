import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { legalRegimeOf, type ConsentGiven, type ConsentStatement } from '../domain/consent.js';
import { journeyStaticSummary } from '../domain/journey-summary.js';
import { journeyIdFor } from '../domain/journey.js';
import { companyIdentityOf, normalizeVatId, type ContactRole } from '../domain/fleets.js';
import type { LeadCaptured, LeadSource, PurchaseTimeframe } from '../domain/lead.js';
import { normalizeEmail, normalizePhone } from '../domain/identity.js';
import type { JourneyPolicy } from '../domain/policy.js';
import { isUniqueViolation, sqlPoolOf, type PrismaClient } from '../platform/db.js';
import type { MarketStore } from '../platform/markets.js';
import type { JourneyPolicyStore } from '../platform/journey-policy.js';
import { email as emailAddress } from '../platform/validation.js';
import { createLeadStore, type CompanyOfLead, type NewLead, type StoredLead } from './lead-store.js';
import { customerImportedSignal, JOURNEY_TASK_QUEUE, JOURNEY_WORKFLOW_TYPE, leadCapturedSignal } from '../workflows/definitions.js';
import type { CustomerImported, CustomerRecord } from '../domain/onboarding.js';
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
  /** A company's lead (B2B): the journey is the company's; `contact` is one of its people, in `contactRole`. */
  company?: {
    name: string; vatId?: string; fleetSize?: number; street?: string; city?: string; postalCode?: string; country?: string; contactRole: ContactRole;
  };
  receivedAt?: string;
  preferredDealerId?: string;
  /** Consents given with this lead; stored with their proof in the consent records. */
  consents?: ConsentGiven[];
  /** For web forms: where the consents were given from (kept with them as proof). */
  consentProof?: { ip: string; userAgent: string | null };
  /**
   * Sent by anyone (a public web form): it may name a customer we know, but adds nothing to their
   * record. Otherwise a stranger could attach their own number or address to a real customer.
   */
  anonymous?: true;
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
  /** The ownership model of each lead's market (leads carry none without it, as before markets). */
  markets?: MarketStore;
  /** Extra start options for new journeys (the time-skipping test server caps executions at 10 years unless told). */
  journeyStartOptions?: { workflowExecutionTimeout?: number };
  /** Told of every single lead's outcome (the API's metrics). */
  onLead?: (source: LeadSource, outcome: 'accepted' | 'replayed' | 'rejected') => void;
}

/** One lead of a batch (a chunk of a fair file) and the Idempotency-Key it is stored under. */
export interface BatchLead {
  lead: IncomingLead;
  idempotencyKey: string;
  /**
   * A row of the OEM's onboarding file: the customer's record goes to the journey with the lead
   * (customerImported), so a new journey starts where the customer is, not as a new lead.
   */
  record?: CustomerRecord;
}

/** Per lead of a batch: the intake's answer, or why it was not taken. */
export type BatchOutcome = IntakeResult | { rejected: IntakeRejected };

/** Signal-with-starts the batches of one process keep in flight at once (the import's pace; the bench's baseline uses the same). */
export const BATCH_DELIVERY_CONCURRENCY = 8;

/**
 * Takes a lead in: resolves who the person is, stores the lead, and hands it to
 * the customer's journey. The lead is durable in the database before the journey
 * hears of it (an outbox), so a Temporal outage delays the lead but never loses it.
 */
export function createLeadIntake({ db, temporal, taskQueue = JOURNEY_TASK_QUEUE, defaultCountry, log, journeyPolicy, policies, markets, journeyStartOptions, onLead }: LeadIntakeDeps) {
  const store = createLeadStore(sqlPoolOf(db));
  /** Shared by every batch in this process: two chunks at once still keep this many signals in flight. */
  const batchDeliveries = pLimit(BATCH_DELIVERY_CONCURRENCY);

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

  /** The lead as the store writes it. */
  function toNewLead(lead: IncomingLead, identity: Identity, idempotencyKey?: string): NewLead {
    const receivedAt = lead.receivedAt ? new Date(lead.receivedAt) : new Date();
    return {
      person: { ...identity, firstName: lead.contact.firstName, lastName: lead.contact.lastName, postalCode: lead.contact.postalCode, country: lead.contact.country },
      ...(lead.company ? { company: companyOf(lead) } : {}),
      source: lead.source,
      campaign: lead.campaign,
      event: lead.event,
      interestModel: lead.interest?.model,
      timeframe: lead.interest?.timeframe,
      message: lead.interest?.message,
      preferredDealerId: lead.preferredDealerId,
      ...(lead.anonymous ? { anonymous: true as const } : {}),
      receivedAt,
      idempotencyKey,
      requestHash: idempotencyKey ? hashRequest(lead) : undefined,
      consents: (lead.consents ?? []).map((c) => ({
        channel: c.channel, purpose: c.purpose, granted: c.granted, wordingId: c.wordingId, method: c.method,
        capturedAt: c.capturedAt ? new Date(c.capturedAt) : receivedAt,
        ip: lead.consentProof?.ip ?? null, userAgent: lead.consentProof?.userAgent ?? null, source: c.source ?? null,
      })),
    };
  }

  async function accept(lead: IncomingLead, idempotencyKey?: string): Promise<IntakeResult> {
    try {
      const result = await acceptOne(lead, idempotencyKey);
      onLead?.(lead.source, result.replayed ? 'replayed' : 'accepted');
      return result;
    } catch (error) {
      if (error instanceof IntakeRejected) onLead?.(lead.source, 'rejected');
      throw error;
    }
  }

  async function acceptOne(lead: IncomingLead, idempotencyKey?: string): Promise<IntakeResult> {
    const incoming = toNewLead(lead, await validate(lead), idempotencyKey);
    if (idempotencyKey) {
      const earlier = await replay(idempotencyKey, incoming.requestHash!);
      if (earlier) return earlier;
    }

    let stored: StoredLead;
    try {
      [stored] = (await store.store([incoming])) as [StoredLead];
    } catch (error) {
      // Two requests with one Idempotency-Key raced; the loser answers like a replay.
      if (idempotencyKey && isUniqueViolation(error, 'idempotency_key')) {
        const earlier = await replay(idempotencyKey, incoming.requestHash!);
        if (earlier) return earlier;
      }
      throw error;
    }

    // What the journey needs is at hand: no second read of what was just written.
    const delivered = await deliverCaptured(stored.customerId, await capturedOf(incoming, stored));
    // The journey has the lead: the caller's answer need not wait for the outbox mark. A mark
    // that never lands (the process stops, the database is gone) means one redelivery by the
    // relay, which the journey ignores.
    if (delivered) {
      store.markDelivered([stored.leadId]).catch((error: unknown) => log.warn({ err: error, leadId: stored.leadId }, 'outbox mark not written; the relay will deliver the lead again'));
    }
    return { journeyId: journeyIdFor(stored.customerId), customerId: stored.customerId, leadId: stored.leadId, delivered, replayed: false };
  }

  /**
   * A batch of leads (a chunk of a fair file): each checked alone, the good ones stored in
   * one transaction, then handed to their journeys in parallel and marked delivered at once.
   * A lead whose key was stored before answers as a replay (a retried chunk makes no new
   * leads); an infrastructure fault fails the whole batch, to be retried by the caller.
   * `pace` is awaited before each hand-over to a journey (bulk work keeps to its rate).
   */
  async function acceptMany(batch: readonly BatchLead[], { pace }: { pace?: () => Promise<void> } = {}): Promise<BatchOutcome[]> {
    const outcomes: (BatchOutcome | undefined)[] = new Array(batch.length);
    const checked = await Promise.all(batch.map(async ({ lead, idempotencyKey }, i) => {
      try {
        return toNewLead(lead, await validate(lead), idempotencyKey);
      } catch (error) {
        if (!(error instanceof IntakeRejected)) throw error;
        outcomes[i] = { rejected: error };
        return undefined;
      }
    }));
    const earlier = await store.earlier(batch.map((b) => b.idempotencyKey));
    const fresh: number[] = [];
    const replays: number[] = [];
    checked.forEach((incoming, i) => {
      if (!incoming) return;
      const before = earlier.get(incoming.idempotencyKey!);
      if (!before) fresh.push(i);
      else if (before.requestHash !== incoming.requestHash) outcomes[i] = { rejected: new IntakeRejected('Idempotency-Key', 'this Idempotency-Key was already used for a different lead', 422) };
      else replays.push(i);
    });

    const stored = await store.store(fresh.map((i) => checked[i]!));
    const deliveredNow: string[] = [];
    await Promise.all([
      ...fresh.map((i, n) => batchDeliveries(async () => {
        const s = stored[n]!;
        await pace?.();
        const delivered = await deliverCaptured(s.customerId, await capturedOf(checked[i]!, s), batch[i]!.record);
        if (delivered) deliveredNow.push(s.leadId);
        outcomes[i] = { journeyId: journeyIdFor(s.customerId), customerId: s.customerId, leadId: s.leadId, delivered, replayed: false };
      })),
      ...replays.map((i) => batchDeliveries(async () => {
        const before = earlier.get(checked[i]!.idempotencyKey!)!;
        let delivered = before.delivered;
        if (!delivered) {
          await pace?.();
          delivered = await deliver(before.leadId, batch[i]!.record);
        }
        outcomes[i] = { journeyId: journeyIdFor(before.customerId), customerId: before.customerId, leadId: before.leadId, delivered, replayed: true };
      })),
    ]);
    await store.markDelivered(deliveredNow);
    return outcomes as BatchOutcome[];
  }

  async function replay(idempotencyKey: string, requestHash: string): Promise<IntakeResult | undefined> {
    const earlier = (await store.earlier([idempotencyKey])).get(idempotencyKey);
    if (!earlier) return undefined;
    if (earlier.requestHash !== requestHash) {
      throw new IntakeRejected('Idempotency-Key', 'this Idempotency-Key was already used for a different lead', 422);
    }
    const delivered = earlier.delivered || (await deliver(earlier.leadId));
    return { journeyId: journeyIdFor(earlier.customerId), customerId: earlier.customerId, leadId: earlier.leadId, delivered, replayed: true };
  }

  /** What the journey hears of a stored lead: presence of contact data, the law that applies, the consents (no personal data). */
  async function capturedOf(lead: LeadFacts, stored: Pick<StoredLead, 'leadId' | 'receivedAt' | 'customer' | 'companyContact'>): Promise<LeadCaptured> {
    const country = stored.customer.country ?? defaultCountry;
    const contact = stored.companyContact;
    return {
      // A company's lead: its sender, by id and role, joins the company's people on the journey.
      ...(contact ? {
        account: {
          contact: { contactId: contact.contactId, role: contact.role, hasEmail: contact.hasEmail, hasPhone: contact.hasPhone },
          ...(contact.fleetSize ? { fleetSize: contact.fleetSize } : {}),
        },
      } : {}),
      leadId: stored.leadId,
      source: lead.source,
      ...(lead.campaign ? { campaign: lead.campaign } : {}),
      ...(lead.event ? { event: lead.event } : {}),
      ...(lead.interestModel ? { interestModel: lead.interestModel } : {}),
      ...(lead.timeframe ? { timeframe: lead.timeframe as PurchaseTimeframe } : {}),
      ...(lead.preferredDealerId ? { preferredDealerId: lead.preferredDealerId } : {}),
      hasEmail: stored.customer.hasEmail,
      hasPhone: stored.customer.hasPhone,
      hasPostalCode: stored.customer.hasPostalCode,
      receivedAt: stored.receivedAt.toISOString(),
      // The journey learns the law that applies and what was agreed; the proof stays in consent_record.
      consentRegime: legalRegimeOf(country),
      // The customer's market and the ownership model in force there now (the journey keeps the newest it hears of).
      ...(markets ? { market: await markets.modelOf(country) } : {}),
      // In the order they were given (a later refusal takes back an earlier grant).
      consents: [...lead.consents].sort((a, b) => a.capturedAt.getTime() - b.capturedAt.getTime()).map(({ channel, purpose, granted }) => ({ channel, purpose, granted })),
    };
  }

  /** Delivers a stored lead read back from the database (the outbox relay, a replayed request; an onboarding row's retry with its record). */
  async function deliver(leadId: string, record?: CustomerRecord): Promise<boolean> {
    const lead = await db.lead.findUniqueOrThrow({ where: { id: leadId }, include: { customer: true } });
    const consents = await db.consentRecord.findMany({ where: { leadId }, select: { channel: true, purpose: true, granted: true, capturedAt: true } });
    // A company's lead: reachable through its contact, who joins the company's people.
    const person = lead.contactId ? await db.customer.findUniqueOrThrow({ where: { id: lead.contactId } }) : lead.customer;
    const reach = { hasEmail: person.emailNormalized !== null, hasPhone: person.phoneE164 !== null };
    const captured = await capturedOf(
      { ...lead, consents: consents as LeadFacts['consents'] },
      {
        leadId: lead.id, receivedAt: lead.receivedAt,
        customer: { ...reach, hasPostalCode: lead.customer.postalCode !== null, country: lead.customer.country },
        ...(lead.contactId ? { companyContact: { contactId: lead.contactId, role: lead.contactRole as ContactRole, ...reach, fleetSize: lead.customer.fleetSize } } : {}),
      },
    );
    const delivered = await deliverCaptured(lead.customerId, captured, record);
    if (delivered) await store.markDelivered([lead.id]);
    return delivered;
  }

  /**
   * Signal-with-start: the journey is created with its first lead, later leads join it; with a
   * customer's record from onboarding, created from the record or told of it. False when Temporal
   * cannot be reached now.
   */
  async function deliverCaptured(customerId: string, captured: LeadCaptured, record?: CustomerRecord): Promise<boolean> {
    try {
      // Bounded: during an outage the caller gets its 202 quickly and the relay retries.
      // No search attributes at start: the journey sets them in its first task, and starting
      // with them cost the server about a third more per lead (bench/ingest.ts).
      const policy = await startingPolicy();
      const signal = record
        ? { signal: customerImportedSignal, signalArgs: [{ lead: captured, record }] as [CustomerImported] }
        : { signal: leadCapturedSignal, signalArgs: [captured] as [LeadCaptured] };
      await temporal.withDeadline(Date.now() + DELIVERY_TIMEOUT_MS, () => temporal.workflow.signalWithStart<typeof journey, [LeadCaptured] | [CustomerImported]>(JOURNEY_WORKFLOW_TYPE, {
        workflowId: journeyIdFor(customerId),
        taskQueue,
        ...journeyStartOptions,
        args: [{ customerId, ...policy }],
        // A journey ends only at erasure (it completes): an erased customer's journey never starts
        // again, whoever brings a lead of theirs (the relay's retry, an import, a match). A run
        // that failed or was terminated by ops may start again.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        ...signal,
        // The Temporal UI's summary of a journey (no personal data); only a new journey takes it.
        staticSummary: journeyStaticSummary(customerId, captured.source),
      }));
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        // The customer was erased: the lead is settled, never delivered (erasure is final).
        log.info({ leadId: captured.leadId }, 'the customer\'s journey ended at erasure; the lead is settled');
        return true;
      }
      log.warn({ err: error, leadId: captured.leadId }, 'journey unreachable; lead stays in the outbox for redelivery');
      return false;
    }
  }

  return { accept, acceptMany, validate, deliver };
}

export type LeadIntake = ReturnType<typeof createLeadIntake>;

/** What capturedOf needs of a lead, as the intake has it or as it is read back (nulls for absent). */
type LeadFacts = { source: LeadSource; consents: readonly (ConsentStatement & { capturedAt: Date })[] }
  & { [K in 'campaign' | 'event' | 'interestModel' | 'timeframe' | 'preferredDealerId']?: string | null };

interface Identity {
  email?: string;
  phone?: string;
}

/** The API's rule for an e-mail address (platform/validation.ts), built once. */
const EMAIL = emailAddress();

function normalizeIdentity(lead: IncomingLead, defaultCountry: string): Identity {
  const { email, phone, country } = lead.contact;
  const identity: Identity = {};
  // The API and the import's rows check the address before; every other caller of the intake too.
  if (email && !EMAIL.safeParse(email).success) throw new IntakeRejected('contact.email', `"${email}" is not an e-mail address`);
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

/** The company as the store resolves it; its postal code and country are the contact's when it names none. */
function companyOf(lead: IncomingLead): CompanyOfLead {
  const c = lead.company!;
  const postalCode = c.postalCode ?? lead.contact.postalCode;
  const identity = companyIdentityOf({ name: c.name, vatId: c.vatId, postalCode });
  if (!identity) throw new IntakeRejected('company.vatId', 'a company needs a VAT id or a postal code to be told apart from others of its name');
  return {
    ...identity, vatId: c.vatId ? normalizeVatId(c.vatId) : null, name: c.name, fleetSize: c.fleetSize, street: c.street, city: c.city,
    postalCode, country: c.country ?? lead.contact.country, contactRole: c.contactRole,
  };
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
