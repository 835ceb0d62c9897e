/**
 * The journey's rules as a pure function, (state, event) → (state, effects): one module per phase
 * of the lifecycle under rules/, dispatched from one map from event type to rule, so the compiler
 * fails when an event has no rule. The workflow interprets the effects; nothing here does I/O or
 * reads a clock.
 */
import { withStatements } from './consent.js';
import { EMPTY_COMMUNICATIONS } from './messages.js';
import type { LeadCaptured } from './lead.js';
import { latestVehicle, ownerTimersOf, placementOf, withImportedConsents, DEALER_UNKNOWN, type CustomerImported, type ImportedVehicle } from './onboarding.js';
import type { Vehicle } from './journey.js';
import type { JourneyStage, JourneyState } from './journey.js';
import { TransitionRefused, type JourneyEffect, type JourneyEvent, type JourneyEventType, type Transition } from './journey-events.js';
import { DEFAULT_POLICY, type JourneyPolicy } from './policy.js';
import { Builder, type Rule, type RuleBook } from './rules/builder.js';
import { COMMUNICATIONS_RULES } from './rules/communications.js';
import { CONSENT_RULES } from './rules/consent.js';
import { FLEET_RULES } from './rules/fleet.js';
import { HANDOFF_RULES } from './rules/handoff.js';
import { MARKETS_RULES } from './rules/markets.js';
import { ONBOARDING_RULES } from './rules/onboarding.js';
import { OWNERSHIP_RULES } from './rules/ownership.js';
import { QUALIFICATION_RULES } from './rules/qualification.js';
import { SALES_RULES } from './rules/sales.js';
import { VEHICLES_RULES } from './rules/vehicles.js';

export * from './journey-events.js';

/** Every event's rule, by phase. A new event without a rule does not compile. */
const RULES: RuleBook = {
  ...QUALIFICATION_RULES, ...HANDOFF_RULES, ...SALES_RULES, ...OWNERSHIP_RULES, ...COMMUNICATIONS_RULES,
  ...CONSENT_RULES, ...FLEET_RULES, ...MARKETS_RULES, ...VEHICLES_RULES, ...ONBOARDING_RULES,
};

/** A journey comes into being with its first lead: stage CAPTURED, owned by the OEM. */
export function startJourney(journeyId: string, customerId: string, lead: LeadCaptured, at: string, policy: JourneyPolicy = DEFAULT_POLICY): Transition {
  const consent = withStatements(null, lead.consentRegime, lead.consents, at, policy.consentConfirmationWindowMs);
  const state: JourneyState = {
    journeyId,
    customerId,
    stage: 'CAPTURED',
    owner: 'OEM',
    dealerId: null,
    leads: [lead],
    leadCount: 1,
    lastLeadSource: lead.source,
    revision: 1,
    score: null,
    preferredDealerId: lead.preferredDealerId ?? null,
    handoff: null,
    sales: null,
    lastSalesDealerId: null,
    vehicle: null,
    handoffBlockedUntil: null,
    promotionsBlockedUntil: null,
    survey: null,
    serviceReminderDueAt: null,
    serviceVisits: 0,
    serviceVisitIds: [],
    recallRepairs: [],
    appointmentRequests: [],
    complaintIds: [],
    complaint: null,
    ownershipCycleEndsAt: null,
    optedOut: false,
    consent: consent.consent,
    engagements: 0,
    communications: EMPTY_COMMUNICATIONS,
    contact: null,
    disqualifiedReason: null,
    escalation: null,
    market: lead.market ?? null,
    vehicleEventIds: [],
    vehicleMileageKm: null,
    account: lead.account ? { fleetSize: lead.account.fleetSize ?? null, contacts: [lead.account.contact] } : null,
    fleet: null,
    startedAt: at,
    stageChangedAt: at,
    updatedAt: at,
  };
  const confirmations: JourneyEffect[] = consent.confirmationDue.map((due) => ({ type: 'CONSENT_CONFIRMATION_DUE', ...due }));
  return { state, effects: [{ type: 'STAGE_CHANGED', from: null, to: 'CAPTURED' }, ...confirmations, { type: 'READ_MODEL_CHANGED' }] };
}

/**
 * A journey that starts from the customer's record: its stage, owner, vehicles and timers as
 * the record says, a ledger entry IMPORTED naming the file's source, and no message due.
 */
export function startImportedJourney(journeyId: string, customerId: string, { lead, record }: CustomerImported, at: string, policy: JourneyPolicy): Transition {
  const base = startJourney(journeyId, customerId, { ...lead, consents: [] }, at, policy).state;
  const placement = placementOf(record, at, policy);
  const vehicle = latestVehicle(record.vehicles);
  const consent = withImportedConsents(base.consent, lead.consentRegime, lead.consents);
  const imported = { importId: record.importId, source: record.source, at };
  const ledger = (to: { kind: 'OEM' | 'DEALER'; dealerId: string | null }): JourneyEffect =>
    ({ type: 'OWNER_CHANGED', from: null, to, reason: `IMPORTED: ${record.source}`, actor: `import:${record.importId}` });
  // A company's cars are driven by the row's person (a driver, a fleet manager's own car).
  const driverId = lead.account?.contact.contactId;
  const sales: JourneyEffect[] = [...record.vehicles]
    .sort((a, b) => a.soldOn.localeCompare(b.soldOn))
    .map(({ dealerId, ...v }) => ({ type: 'SALE_RECORDED', dealerId, vehicle: v, imported: true, ...(driverId ? { driverId } : {}) }));
  const fleet = driverId && record.vehicles.length > 0 ? { fleet: record.vehicles.map((v) => ({ ...stripDealer(v), driverId })) } : {};
  let state: JourneyState;
  const effects: JourneyEffect[] = [];
  if (placement === 'DEALER_OWNED' || placement === 'BACK_IN_MARKET') {
    const dealerId = record.dealerId!;
    state = {
      ...base, ...fleet, consent, imported, stage: 'DEALER_OWNED', owner: 'DEALER', dealerId, preferredDealerId: dealerId, vehicle: stripDealer(vehicle!),
      ...ownerTimersOf(record, placement, at, policy),
    };
    effects.push({ type: 'STAGE_CHANGED', from: null, to: 'DEALER_OWNED' }, ledger({ kind: 'DEALER', dealerId }), ...sales);
  } else if (placement === 'ESCALATED') {
    const reason = `${DEALER_UNKNOWN}: ${record.dealerId ? `dealer ${record.dealerId} is not an active dealer` : 'no dealer named'}`;
    state = { ...base, ...fleet, consent, imported, stage: 'ESCALATED', vehicle: stripDealer(vehicle!), escalation: { reason, at } };
    effects.push({ type: 'STAGE_CHANGED', from: null, to: 'ESCALATED' }, ledger({ kind: 'OEM', dealerId: null }), ...sales, { type: 'ESCALATED', reason });
  } else {
    // A prospect is scored when the row's place in the spread comes (the cool-down's timer), and
    // handed off then if ready; a record without interest is nurtured until the customer shows some.
    state = {
      ...base, consent, imported, stage: 'QUALIFYING',
      preferredDealerId: record.dealerActive ? record.dealerId : null,
      handoffBlockedUntil: record.openInterest ? record.notBefore : null,
    };
    effects.push({ type: 'STAGE_CHANGED', from: null, to: 'QUALIFYING' }, ledger({ kind: 'OEM', dealerId: null }));
  }
  return { state, effects: [...effects, { type: 'READ_MODEL_CHANGED' }] };
}

function stripDealer({ dealerId: _, ...vehicle }: ImportedVehicle): Vehicle {
  return vehicle;
}

/**
 * The journey's rules as a pure function: (state, event) → (state, effects).
 * Throws TransitionRefused for an event that does not fit; a repeated dealer
 * action that already took effect returns the state unchanged (idempotent).
 */
export function applyJourneyEvent(state: JourneyState, event: JourneyEvent, policy: JourneyPolicy): Transition {
  if (state.stage === 'ERASED') throw new TransitionRefused(state.stage, event.type, 'the journey was erased');
  const refuse = (reason: string): never => {
    throw new TransitionRefused(state.stage, event.type, reason);
  };
  const rule = RULES[event.type] as Rule<JourneyEventType>;
  return rule({
    t: new Builder(state, event), state, event, policy, refuse,
    requireStage: (...stages: JourneyStage[]) => {
      if (!stages.includes(state.stage)) refuse(`only in ${stages.join(' or ')}`);
    },
    requireDealer: (dealerId: string) => {
      if (state.dealerId !== dealerId) refuse(`dealer ${dealerId} is not the customer's assigned dealer`);
    },
  });
}

/** When the journey must act by itself next, and what happens then. */
export interface Deadline {
  at: string;
  event: JourneyEventType;
}

/**
 * The journey's next timer, derived from state alone: a signal or update that
 * changes the state replaces the timer, so nothing fires for a situation that is over.
 */
export function nextDeadline(state: JourneyState): Deadline | null {
  const candidates: Deadline[] = [];
  const add = (at: string | null | undefined, event: JourneyEventType) => {
    if (at) candidates.push({ at, event });
  };
  if (state.stage === 'ERASED') return null;
  if (state.stage === 'HANDED_OFF') add(state.handoff?.expiresAt, 'HANDOFF_TIMED_OUT');
  if (state.stage === 'IN_SALES') add(state.sales?.endsAt, 'SALES_WINDOW_ENDED');
  add(state.handoffBlockedUntil, 'HANDOFF_COOL_DOWN_ENDED');
  add(state.survey?.dueAt, 'SURVEY_DUE');
  if (state.stage === 'DEALER_OWNED') {
    add(state.serviceReminderDueAt, 'SERVICE_REMINDER_DUE');
    add(state.ownershipCycleEndsAt, 'OWNERSHIP_CYCLE_ENDED');
  }
  if (state.complaint && !state.complaint.escalated) add(state.complaint.backstopAt, 'COMPLAINT_BACKSTOP_DUE');
  for (const d of state.communications.deferred) add(d.until, 'DEFERRED_MESSAGE_DUE');
  candidates.sort((a, b) => a.at.localeCompare(b.at));
  return candidates[0] ?? null;
}

