/**
 * Contact arbitration: the journey is the single referee of every outbound message.
 * Pure: a decision is a function of the journey's state, the request, the time and
 * the policy. Suppressions are final; deferrals name the time the message may go.
 */
import { missingConsent } from './consent.js';
import { contactMayReceive, decisionMakerOf } from './fleets.js';
import type { JourneyState } from './journey.js';
import { marketVerdict, modelOf } from './markets.js';
import {
  CAPPED,
  type Channel, type CommunicationDecision, type CommunicationRequest, type CommunicationsState, type DeferralReason, type Purpose, type SuppressionReason,
} from './messages.js';

export interface ContactPolicy {
  /** At most this many capped messages (promotions, sales follow-ups, surveys) from all senders... */
  contactCapMax: number;
  /** ...within this window. */
  contactCapWindowMs: number;
  /** Quiet hours in the customer's time zone, minutes after midnight; equal start and end: none. */
  quietHoursStartMinute: number;
  quietHoursEndMinute: number;
  /** IANA zone used for quiet hours. */
  customerTimeZone: string;
  /** 1: OEM service reminders and surveys may go out in the name of the dealer who owns the customer. */
  oemMayActForDealer: number;
  /** Under an opt-in regime, sales contact about the customer's own inquiry is allowed this long after it without a consent. */
  salesContactWindowMs: number;
}

/** Purposes that must reach the customer whatever their marketing choices. */
const ESSENTIAL: readonly Purpose[] = ['TRANSACTIONAL', 'LEGAL'];
/** Messages about the relationship: only the customer's current owner speaks. */
const RELATIONSHIP: readonly Purpose[] = ['SALES_FOLLOW_UP', 'SERVICE_REMINDER', 'SURVEY'];

function reachableBy(state: JourneyState, channel: Channel, recipientId: string | null): boolean {
  if (state.account && recipientId) {
    const entries = state.account.contacts.filter((c) => c.contactId === recipientId);
    switch (channel) {
      case 'EMAIL': return entries.some((c) => c.hasEmail);
      case 'SMS':
      case 'PHONE': return entries.some((c) => c.hasPhone);
      case 'IN_VEHICLE': return (state.fleet ?? []).some((v) => v.driverId === recipientId);
    }
  }
  const hasEmail = state.contact?.hasEmail ?? state.leads.some((l) => l.hasEmail);
  const hasPhone = state.contact?.hasPhone ?? state.leads.some((l) => l.hasPhone);
  switch (channel) {
    case 'EMAIL': return hasEmail;
    case 'SMS':
    case 'PHONE': return hasPhone;
    case 'IN_VEHICLE': return Boolean(state.vehicle);
  }
}

/**
 * Who a message is for: in a company's journey one of its people (the one named, else the
 * decision-maker; null when it has none); in a private person's journey that person (null).
 */
export function recipientOf(state: JourneyState, request: Pick<CommunicationRequest, 'recipientId'>): string | null {
  if (!state.account) return null;
  return request.recipientId ?? decisionMakerOf(state.account)?.contactId ?? null;
}

/** The dealer the customer belongs to now (sales team or dealer), if any. */
function owningDealer(state: JourneyState): string | null {
  return state.owner === 'OEM' ? null : state.dealerId;
}

const suppressed = (reason: SuppressionReason): CommunicationDecision => ({ decision: 'SUPPRESSED', reason });

/**
 * Who may say what: the rules that do not depend on time of day or volume. The market's
 * ownership model speaks first (domain/markets.ts); where it leaves the decision to the
 * shared model, or sends the OEM's content through the owning dealer, the shared rules decide.
 */
function whoMaySpeak(state: JourneyState, request: CommunicationRequest, at: string, policy: ContactPolicy): CommunicationDecision {
  const verdict = marketVerdict(modelOf(state.market), request.purpose, request.sender, state.owner);
  if (verdict === 'SUPPRESS') return suppressed('MARKET_MODEL');
  if (verdict === 'OEM_SPEAKS') {
    if (request.purpose === 'PROMOTION') {
      if (state.owner === 'DEALER_SALES') return suppressed('IN_DEALER_SALES');
      if (state.promotionsBlockedUntil && at < state.promotionsBlockedUntil) return suppressed('POST_PURCHASE_COOL_DOWN');
    }
    return { decision: 'ALLOWED' };
  }
  if (verdict === 'VIA_OWNING_DEALER') {
    // The OEM's promotion keeps its cool-down after a purchase, whoever's name it goes out in.
    if (request.purpose === 'PROMOTION' && state.promotionsBlockedUntil && at < state.promotionsBlockedUntil) return suppressed('POST_PURCHASE_COOL_DOWN');
    const dealerId = owningDealer(state)!;
    const asDealer = sharedRules(state, { ...request, sender: { kind: 'DEALER', dealerId } }, at, policy);
    return asDealer.decision === 'ALLOWED' ? { decision: 'ALLOWED', onBehalfOf: dealerId } : asDealer;
  }
  return sharedRules(state, request, at, policy);
}

/** The shared model's rules (today's, and every market's that has not chosen another). */
function sharedRules(state: JourneyState, request: CommunicationRequest, at: string, policy: ContactPolicy): CommunicationDecision {
  const { sender, purpose } = request;
  const dealer = owningDealer(state);
  const isOwner = sender.kind === 'OEM' ? dealer === null : sender.dealerId === dealer;

  if (purpose === 'PROMOTION') {
    if (sender.kind === 'DEALER') return isOwner ? { decision: 'ALLOWED' } : suppressed('NOT_OWNER');
    if (state.owner === 'DEALER_SALES') return suppressed('IN_DEALER_SALES');
    if (state.promotionsBlockedUntil && at < state.promotionsBlockedUntil) return suppressed('POST_PURCHASE_COOL_DOWN');
    return { decision: 'ALLOWED' };
  }
  if (RELATIONSHIP.includes(purpose)) {
    if (isOwner) return { decision: 'ALLOWED' };
    const onBehalf = sender.kind === 'OEM' && state.owner === 'DEALER' && dealer && policy.oemMayActForDealer === 1 && purpose !== 'SALES_FOLLOW_UP';
    return onBehalf ? { decision: 'ALLOWED', onBehalfOf: dealer } : suppressed('NOT_OWNER');
  }
  // Transactional and legal: the OEM always; a dealer while the customer is theirs or offered to them.
  if (sender.kind === 'OEM' || sender.dealerId === dealer || sender.dealerId === state.handoff?.dealerId) return { decision: 'ALLOWED' };
  return suppressed('NOT_OWNER');
}

/** Minutes after local midnight in `timeZone`. */
function localMinute(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** The end of the quiet hours `at` falls in, or `at` itself when it is not quiet. */
export function endOfQuietHours(at: Date, policy: Pick<ContactPolicy, 'quietHoursStartMinute' | 'quietHoursEndMinute' | 'customerTimeZone'>): Date {
  const { quietHoursStartMinute: start, quietHoursEndMinute: end } = policy;
  if (start === end) return at;
  const m = localMinute(at, policy.customerTimeZone);
  const quiet = start < end ? m >= start && m < end : m >= start || m < end;
  if (!quiet) return at;
  const minutesLeft = (end - m + 1440) % 1440;
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  return new Date(startOfMinute + minutesLeft * 60_000);
}

/** The earliest time from `at` when fewer than the cap were sent in the window before it. */
function capFreeFrom(at: number, sent: CommunicationsState['sent'], policy: ContactPolicy): number {
  const times = sent.filter((s) => s.capped).map((s) => Date.parse(s.at)).sort((a, b) => a - b);
  const inWindow = times.filter((t) => t > at - policy.contactCapWindowMs);
  if (inWindow.length < policy.contactCapMax) return at;
  // When the oldest messages leave the window, there is room again.
  return inWindow[inWindow.length - policy.contactCapMax]! + policy.contactCapWindowMs;
}

/**
 * The decision for one message, now. Order: erased, reachable, opt-out, consent (withdrawn
 * channels; the legal regime of the customer's country where the journey knows it),
 * who may speak (owner, sales, cool-down), then timing (not-before, cap across all
 * senders, quiet hours), which defers rather than drops.
 */
export function decideCommunication(
  state: JourneyState,
  request: CommunicationRequest,
  now: string,
  policy: ContactPolicy,
): CommunicationDecision {
  const { communications } = state;
  if (state.stage === 'ERASED') return suppressed('ERASED');
  const recipientId = recipientOf(state, request);
  if (state.account) {
    // A company's journey: the person must be one of the company's, in a role that receives this purpose.
    if (!recipientId) return suppressed('NO_CONTACT_DETAILS');
    if (!contactMayReceive(state.account, recipientId, request.purpose)) return suppressed('CONTACT_ROLE');
  }
  if (!reachableBy(state, request.channel, recipientId)) return suppressed('NO_CONTACT_DETAILS');
  const essential = ESSENTIAL.includes(request.purpose);
  if (state.optedOut && !essential) return suppressed('OPTED_OUT');
  if (communications.withdrawn.includes(request.channel) && request.purpose !== 'LEGAL') return suppressed('NO_CONSENT');
  if (state.consent) {
    const facts = { existingCustomer: Boolean(state.vehicle), lastInquiryAt: state.leads.at(-1)?.receivedAt ?? null };
    const missing = missingConsent(state.consent, request.purpose, request.channel, facts, now, policy.salesContactWindowMs);
    if (missing) return { decision: 'SUPPRESSED', reason: 'NO_CONSENT', missingConsent: missing };
  }

  // Legal notices (safety recalls) are the OEM's word; a dealer's would be a forgery.
  if (request.purpose === 'LEGAL' && request.sender.kind !== 'OEM') return suppressed('NOT_OWNER');
  const speaker = whoMaySpeak(state, request, now, policy);
  if (speaker.decision !== 'ALLOWED') return speaker;

  let at = Date.parse(now);
  let reason: DeferralReason | null = null;
  const moveTo = (next: number, why: DeferralReason) => {
    if (next > at) {
      at = next;
      reason ??= why;
    }
  };
  if (request.notBefore) moveTo(Date.parse(request.notBefore), 'NOT_BEFORE');
  // Each rule can push the time past the other's window: settle until neither moves it.
  for (let round = 0; round < 8; round++) {
    const before = at;
    // The cap protects a person: in a company's journey each of its people has their own.
    const theirs = recipientId ? communications.sent.filter((m) => m.recipientId === recipientId) : communications.sent;
    if (CAPPED.includes(request.purpose)) moveTo(capFreeFrom(at, theirs, policy), 'FREQUENCY_CAP');
    // Quiet hours hold everything but what the customer is waiting for (a confirmation they just
    // asked for): a safety recall waits for the morning, it is never dropped.
    if (request.purpose !== 'TRANSACTIONAL') moveTo(endOfQuietHours(new Date(at), policy).getTime(), 'QUIET_HOURS');
    if (at === before) break;
  }
  if (reason) return { decision: 'DEFERRED', reason, until: new Date(at).toISOString() };
  return speaker;
}

/** Keeps what arbitration needs: sends inside the cap window, the latest decisions. */
export function pruneCommunications(c: CommunicationsState, now: string, policy: ContactPolicy): CommunicationsState {
  const horizon = Date.parse(now) - policy.contactCapWindowMs;
  const ids = Object.keys(c.decisions);
  const keep = new Set(ids.slice(-200));
  return {
    ...c,
    sent: c.sent.filter((s) => Date.parse(s.at) > horizon),
    decisions: Object.fromEntries(Object.entries(c.decisions).filter(([id]) => keep.has(id))),
  };
}

/** What the journey must do about messages after arbitration: record each decision, send the allowed. */
export type CommunicationEffect =
  /** `recipientId`: in a company's journey, the one of its people the message was decided for. */
  | { type: 'COMMUNICATION_DECIDED'; communicationId: string; decision: CommunicationDecision; recipientId?: string }
  | { type: 'SEND_COMMUNICATION'; communicationId: string; onBehalfOf: string | null; recipientId?: string };

/**
 * Decides each message in turn, as the journey stands (`state`): each ALLOWED one counts
 * towards the cap of the next, each DEFERRED one waits in the returned state.
 */
export function arbitrate(
  state: JourneyState,
  start: CommunicationsState,
  requests: CommunicationRequest[],
  at: string,
  policy: ContactPolicy,
): { communications: CommunicationsState; effects: CommunicationEffect[] } {
  let c = start;
  const effects: CommunicationEffect[] = [];
  for (const request of requests) {
    const decision = decideCommunication({ ...state, communications: c }, request, at, policy);
    const id = request.communicationId;
    c = { ...c, decisions: { ...c.decisions, [id]: decision } };
    const recipientId = recipientOf(state, request);
    if (decision.decision === 'ALLOWED') {
      c = { ...c, sent: [...c.sent, { communicationId: id, at, purpose: request.purpose, capped: CAPPED.includes(request.purpose), ...(recipientId ? { recipientId } : {}) }] };
      effects.push({ type: 'SEND_COMMUNICATION', communicationId: id, onBehalfOf: decision.onBehalfOf ?? null, ...(recipientId ? { recipientId } : {}) });
    } else if (decision.decision === 'DEFERRED') {
      c = { ...c, deferred: [...c.deferred, { request, until: decision.until }] };
    }
    effects.push({ type: 'COMMUNICATION_DECIDED', communicationId: id, decision, ...(recipientId ? { recipientId } : {}) });
  }
  return { communications: pruneCommunications(c, at, policy), effects };
}
