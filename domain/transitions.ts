import { addOpenTime, type BusinessHours } from './business-hours.js';
import { arbitrate, type CommunicationEffect } from './communications.js';
import { confirmed, consentKey, withStatements, withdrawn as consentWithdrawn, type ConsentKey, type ConsentState } from './consent.js';
import { CHANNELS, EMPTY_COMMUNICATIONS, type Channel, type CommunicationRequest, type CommunicationsState, type ConsentPurpose } from './messages.js';
import type { LeadCaptured } from './lead.js';
import { MAX_REMEMBERED_LEADS, type ContactCompleteness, type ErasureGround, type EngagementKind, type JourneyStage, type JourneyState, type OwnerKind, type Vehicle } from './journey.js';
import { outcomeOf, REMEMBERED_VEHICLE_EVENTS, type VehicleEvent } from './vehicles.js';
import { fleetSaleProblem, withContact, type AccountContact, type FleetVehicle } from './fleets.js';
import { isNewerMarketModel, marketModelReason, modelOf, type MarketModel } from './markets.js';
import { DEFAULT_POLICY, type JourneyPolicy } from './policy.js';

/** Things that happen to a journey. `at` is workflow time (ISO-8601). */
export type JourneyEvent = { at: string } & (
  | { type: 'LEAD_CAPTURED'; lead: LeadCaptured }
  | { type: 'QUALIFICATION_STARTED' }
  | { type: 'LEAD_SCORED'; score: number }
  | { type: 'DISQUALIFIED'; reason: string }
  | {
      type: 'HANDOFF_OFFERED'; dealerId: string;
      /** The dealer's own acceptance SLA, when it has one. */ acceptanceSlaMs?: number;
      /** The dealer's opening hours, when it has them: the SLA counts open time only. */ businessHours?: BusinessHours;
    }
  | { type: 'NO_DEALER_AVAILABLE' }
  | { type: 'HANDOFF_ACCEPTED'; dealerId: string }
  | { type: 'HANDOFF_DECLINED'; dealerId: string; reason: string }
  | { type: 'HANDOFF_TIMED_OUT' }
  | { type: 'SOLD'; dealerId: string; vehicle: Vehicle }
  /**
   * A company's sale of several vehicles, each assigned to one of its drivers (also a later
   * sale to a company already owned); `drivers`: people who join the company as drivers with it.
   */
  | { type: 'FLEET_SOLD'; dealerId: string; vehicles: FleetVehicle[]; drivers?: AccountContact[] }
  /** A sale found in the dealers' sales data (DMS match-back) that the dealer never reported. */
  | { type: 'SALE_MATCHED'; dealerId: string; vehicle: Vehicle }
  | { type: 'LOST'; dealerId: string; reason: string }
  | { type: 'NO_SHOW'; dealerId: string }
  | { type: 'SALES_WINDOW_ENDED' }
  | { type: 'HANDOFF_COOL_DOWN_ENDED' }
  | { type: 'SURVEY_DUE' }
  | { type: 'SERVICE_REMINDER_DUE' }
  | { type: 'SERVICE_VISIT_RECORDED'; dealerId: string; visitId: string }
  | { type: 'COMPLAINT_OPENED'; dealerId: string; complaintId: string }
  | { type: 'COMPLAINT_RESOLVED'; dealerId: string; complaintId: string }
  | { type: 'COMPLAINT_BACKSTOP_DUE' }
  | { type: 'OWNERSHIP_CYCLE_ENDED' }
  | { type: 'CONTACT_CHANGED'; contact: ContactCompleteness }
  | { type: 'ENGAGEMENT_RECORDED'; kind: EngagementKind }
  | { type: 'OPTED_OUT' }
  /** `ground`, `reference` and `actor` come with the privacy desk's request (the signal of older callers has none). */
  | { type: 'ERASURE_REQUESTED'; ground?: ErasureGround; reference?: string; actor?: string }
  | { type: 'REASSIGNED'; to: 'OEM' | { dealerId: string }; reason: string; actor: string }
  /**
   * The OEM set a new ownership model for a market. `forUnknownMarket`: the market is the
   * platform's default country, so journeys from before markets (which know none) follow it.
   */
  | { type: 'MARKET_MODEL_CHANGED'; market: MarketModel; reason: string; actor: string; forUnknownMarket?: boolean }
  /** The connected-vehicle backend reports on the customer's car (seed 002). */
  | { type: 'VEHICLE_EVENT'; vehicleEvent: VehicleEvent }
  | { type: 'COMMUNICATION_REQUESTED'; request: CommunicationRequest }
  | { type: 'DEFERRED_MESSAGE_DUE' }
  /** With `purpose`: that consent only (an unsubscribe, a withdrawal); without: the whole channel, as before. */
  | { type: 'CONSENT_CHANGED'; channel: Channel | 'ALL'; granted: boolean; purpose?: ConsentPurpose }
  /** The person clicked the confirmation link (double opt-in). */
  | { type: 'CONSENT_CONFIRMED'; channel: Channel; purpose: ConsentPurpose; requestedAt: string }
);
export type JourneyEventType = JourneyEvent['type'];
/** An event before the workflow stamps it with the time it applies it. */
export type PendingEvent = { [K in JourneyEventType]: Omit<Extract<JourneyEvent, { type: K }>, 'at'> }[JourneyEventType];
export type EventOf<T extends JourneyEventType> = Extract<JourneyEvent, { type: T }>;

/** What the workflow must do after a transition. */
export type JourneyEffect =
  | { type: 'STAGE_CHANGED'; from: JourneyStage | null; to: JourneyStage }
  | { type: 'READ_MODEL_CHANGED' }
  | { type: 'OWNER_CHANGED'; from: Owner | null; to: Owner; reason: string; actor: string }
  | { type: 'SCORE_LEADS' }
  | { type: 'ROUTE_HANDOFF' }
  | { type: 'HANDOFF_RECORDED'; kind: 'OFFERED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT'; dealerId: string; reason?: string }
  | { type: 'ESCALATED'; reason: string }
  /** `driverId`: a company's car, and the one of its people who drives it (the car's messages reach them). */
  | { type: 'SALE_RECORDED'; dealerId: string; vehicle: Vehicle; driverId?: string }
  | { type: 'DEALER_TASK'; dealerId: string; task: 'OUTCOME_CHASE' | 'COMPLAINT_FOLLOW_UP' | 'VEHICLE_SERVICE'; detail?: string }
  /** What the customer's dealer recorded after the sale (`ref`: its own id of the visit or complaint). */
  | { type: 'AFTERSALES_RECORDED'; kind: AftersalesKind; dealerId: string; ref: string }
  /** `channel`: where the journey wants it to go (absent: e-mail, as journeys before the connected car). */
  | {
    type: 'CUSTOMER_MESSAGE_DUE'; purpose: 'SURVEY' | 'SERVICE_REMINDER'; kind?: 'SALE' | 'SERVICE'; dealerId: string | null; channel?: Channel;
    /** A company's journey: the driver it is for, and their car. */ recipientId?: string; vin?: string;
  }
  | { type: 'ERASE_PERSONAL_DATA' }
  /** A consent waits for the person's click: send the confirmation request (the link works until `until`). */
  | { type: 'CONSENT_CONFIRMATION_DUE'; key: ConsentKey; until: string; requestedAt: string }
  | CommunicationEffect;

export type AftersalesKind = 'SERVICE_VISIT' | 'COMPLAINT_OPENED' | 'COMPLAINT_RESOLVED';

export interface Owner {
  kind: OwnerKind;
  dealerId: string | null;
}

export interface Transition {
  state: JourneyState;
  effects: JourneyEffect[];
}

/** An event that does not fit the journey now. Changes nothing; the reason is for the caller. */
export class TransitionRefused extends Error {
  constructor(readonly stage: JourneyStage, readonly event: JourneyEventType, readonly reason: string) {
    super(`${event} is not allowed in stage ${stage}: ${reason}`);
    this.name = 'TransitionRefused';
  }
}

const SYSTEM = 'journey';

/** Visit and complaint ids a journey remembers, so a repeated one is taken once. */
const REMEMBERED_REFS = 50;

/** A hand-off with no offer open (none made yet, or the last one declined or lapsed). */
const NO_OFFER_YET: NonNullable<JourneyState['handoff']> = { dealerId: null, offeredAt: null, expiresAt: null, tried: [] };

/** A journey comes into being with its first lead: stage CAPTURED, owned by the OEM. */
export function startJourney(journeyId: string, customerId: string, lead: LeadCaptured, at: string, policy: JourneyPolicy = DEFAULT_POLICY): Transition {
  const consent = lead.consentRegime ? withStatements(null, lead.consentRegime, lead.consents ?? [], at, policy.consentConfirmationWindowMs) : null;
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
    serviceVisits: 0,
    engagements: 0,
    communications: EMPTY_COMMUNICATIONS,
    ...(lead.preferredDealerId ? { preferredDealerId: lead.preferredDealerId } : {}),
    ...(consent ? { consent: consent.consent } : {}),
    ...(lead.market ? { market: lead.market } : {}),
    ...(lead.account ? { account: { fleetSize: lead.account.fleetSize ?? null, contacts: [lead.account.contact] } } : {}),
    startedAt: at,
    stageChangedAt: at,
    updatedAt: at,
  };
  const confirmations: JourneyEffect[] = (consent?.confirmationDue ?? []).map((due) => ({ type: 'CONSENT_CONFIRMATION_DUE', ...due }));
  return { state, effects: [{ type: 'STAGE_CHANGED', from: null, to: 'CAPTURED' }, ...confirmations, { type: 'READ_MODEL_CHANGED' }] };
}

/**
 * The journey's rules as a pure function: (state, event) → (state, effects).
 * The workflow interprets the effects; nothing here does I/O or reads a clock.
 * Throws TransitionRefused for an event that does not fit; a repeated dealer
 * action that already took effect returns the state unchanged (idempotent).
 */
export function applyJourneyEvent(state: JourneyState, event: JourneyEvent, policy: JourneyPolicy): Transition {
  if (state.stage === 'ERASED') throw new TransitionRefused(state.stage, event.type, 'the journey was erased');
  const t = new Builder(state, event);
  const refuse = (reason: string): never => {
    throw new TransitionRefused(state.stage, event.type, reason);
  };
  const requireStage = (...stages: JourneyStage[]) => {
    if (!stages.includes(state.stage)) refuse(`only in ${stages.join(' or ')}`);
  };
  const requireDealer = (dealerId: string) => {
    if (state.dealerId !== dealerId) refuse(`dealer ${dealerId} is not the customer's assigned dealer`);
  };

  switch (event.type) {
    case 'LEAD_CAPTURED': {
      // A redelivered lead (API retry, outbox relay) changes nothing.
      if (state.leads.some((l) => l.leadId === event.lead.leadId)) return t.unchanged();
      t.set({
        leads: [...state.leads, event.lead].slice(-MAX_REMEMBERED_LEADS),
        leadCount: state.leadCount + 1,
        lastLeadSource: event.lead.source,
        // The customer's latest choice of dealer wins; their own dealer stays otherwise.
        ...(event.lead.preferredDealerId ? { preferredDealerId: event.lead.preferredDealerId } : {}),
      });
      if (event.lead.consentRegime) {
        const { consent, confirmationDue } = withStatements(state.consent, event.lead.consentRegime, event.lead.consents ?? [], event.at, policy.consentConfirmationWindowMs);
        t.set({ consent });
        for (const due of confirmationDue) t.effect({ type: 'CONSENT_CONFIRMATION_DUE', ...due });
      }
      // The customer's market as the lead names it (they moved), unless the journey knows a newer model there.
      const named = event.lead.market;
      if (named && (!state.market || state.market.market !== named.market || named.version > state.market.version)) t.set({ market: named });
      // A company's lead: its sender joins the company's people in their role; the fleet size is the latest said.
      const fromCompany = event.lead.account;
      if (fromCompany && state.account) {
        t.set({ account: { ...withContact(state.account, fromCompany.contact), fleetSize: fromCompany.fleetSize ?? state.account.fleetSize } });
      }
      // New interest re-opens a disqualified or nurtured customer to scoring.
      if (state.stage === 'DISQUALIFIED') t.moveTo('QUALIFYING').set({ disqualifiedReason: null });
      if (state.stage === 'QUALIFYING' || state.stage === 'DISQUALIFIED') t.effect({ type: 'SCORE_LEADS' });
      return t.done();
    }
    case 'QUALIFICATION_STARTED':
      requireStage('CAPTURED');
      return t.moveTo('QUALIFYING').effect({ type: 'SCORE_LEADS' }).done();

    case 'LEAD_SCORED': {
      requireStage('QUALIFYING', 'ESCALATED');
      t.set({ score: event.score });
      // In a partner-led market the OEM does not nurture (it may not write to the customer):
      // every lead goes to a dealer. The cool-down after a fallback still holds.
      const ready = event.score >= policy.qualifyThreshold || modelOf(state.market) === 'PARTNER_LED';
      const coolingDown = state.handoffBlockedUntil != null && event.at < state.handoffBlockedUntil;
      if (ready && !coolingDown && state.stage === 'QUALIFYING') {
        t.moveTo('HANDED_OFF').set({ handoff: NO_OFFER_YET }).effect({ type: 'ROUTE_HANDOFF' });
      }
      return t.done();
    }
    case 'DISQUALIFIED':
      requireStage('CAPTURED', 'QUALIFYING', 'ESCALATED');
      return t.moveTo('DISQUALIFIED').set({ disqualifiedReason: event.reason, handoff: null }).done();

    case 'HANDOFF_OFFERED': {
      requireStage('HANDED_OFF');
      const handoff = state.handoff ?? NO_OFFER_YET;
      if (handoff.dealerId) refuse(`already offered to dealer ${handoff.dealerId}`);
      if (handoff.tried.includes(event.dealerId)) refuse(`dealer ${event.dealerId} was already offered this hand-off`);
      const sla = event.acceptanceSlaMs ?? policy.handoffAcceptanceSlaMs;
      const expiresAt = event.businessHours ? addOpenTime(event.at, sla, event.businessHours) : plus(event.at, sla);
      return t
        .set({ handoff: { dealerId: event.dealerId, offeredAt: event.at, expiresAt, tried: [...handoff.tried, event.dealerId] } })
        .effect({ type: 'HANDOFF_RECORDED', kind: 'OFFERED', dealerId: event.dealerId })
        .done();
    }
    case 'NO_DEALER_AVAILABLE': {
      requireStage('HANDED_OFF');
      if (state.handoff?.dealerId) refuse(`the offer to dealer ${state.handoff.dealerId} is still open`);
      const reason = state.handoff?.tried.length
        ? `no dealer accepted (offered to ${state.handoff.tried.join(', ')})`
        : 'no dealer covers the customer or has capacity';
      return t
        .moveTo('ESCALATED')
        .set({ handoff: null, escalation: { reason, at: event.at } })
        .effect({ type: 'ESCALATED', reason })
        .done();
    }
    case 'HANDOFF_ACCEPTED': {
      if (state.stage === 'IN_SALES' && state.dealerId === event.dealerId) return t.unchanged();
      requireStage('HANDED_OFF');
      if (state.handoff?.dealerId !== event.dealerId) refuse(`the hand-off is not offered to dealer ${event.dealerId}`);
      return t
        .moveTo('IN_SALES')
        .owner({ kind: 'DEALER_SALES', dealerId: event.dealerId }, 'HANDOFF_ACCEPTED', event.dealerId)
        .set({
          handoff: null,
          escalation: null,
          sales: { dealerId: event.dealerId, startedAt: event.at, endsAt: plus(event.at, policy.salesWindowMs), chasedAt: null },
        })
        .effect({ type: 'HANDOFF_RECORDED', kind: 'ACCEPTED', dealerId: event.dealerId })
        .done();
    }
    case 'HANDOFF_DECLINED': {
      requireStage('HANDED_OFF');
      if (state.handoff?.dealerId !== event.dealerId) {
        // The same decline delivered twice: that dealer was already moved past.
        if (state.handoff?.tried.includes(event.dealerId)) return t.unchanged();
        refuse(`the hand-off is not offered to dealer ${event.dealerId}`);
      }
      return t
        .set({ handoff: { ...NO_OFFER_YET, tried: state.handoff!.tried } })
        .effect({ type: 'HANDOFF_RECORDED', kind: 'DECLINED', dealerId: event.dealerId, reason: event.reason })
        .effect({ type: 'ROUTE_HANDOFF' })
        .done();
    }
    case 'HANDOFF_TIMED_OUT': {
      requireStage('HANDED_OFF');
      const dealerId = state.handoff?.dealerId;
      if (!dealerId) refuse('no offer is open');
      return t
        .set({ handoff: { ...NO_OFFER_YET, tried: state.handoff!.tried } })
        .effect({ type: 'HANDOFF_RECORDED', kind: 'TIMED_OUT', dealerId: dealerId! })
        .effect({ type: 'ROUTE_HANDOFF' })
        .done();
    }
    case 'SOLD': {
      if (state.stage === 'DEALER_OWNED' && state.dealerId === event.dealerId && state.vehicle?.vin === event.vehicle.vin) return t.unchanged();
      requireStage('IN_SALES');
      requireDealer(event.dealerId);
      if (state.account) refuse("a company's sale names each vehicle's driver: record it as a fleet sale");
      return sale(t, policy, event.dealerId, event.vehicle, 'SOLD', event.dealerId).done();
    }
    case 'FLEET_SOLD': {
      if (!state.account) refuse('a fleet sale is for a company; record a private sale instead');
      const known = new Set((state.fleet ?? []).map((v) => v.vin));
      const added = event.vehicles.filter((v) => !known.has(v.vin));
      // The same sale delivered twice; or more vehicles for a company that is this dealer's already.
      if (state.stage === 'DEALER_OWNED' && state.dealerId === event.dealerId && added.length === 0) return t.unchanged();
      requireStage('IN_SALES', 'DEALER_OWNED');
      requireDealer(event.dealerId);
      const drivers = (event.drivers ?? []).filter((d) => d.role === 'DRIVER');
      const account = drivers.reduce(withContact, state.account!);
      const problem = fleetSaleProblem(account, event.vehicles);
      if (problem) refuse(problem);
      const fleet = [...(state.fleet ?? []), ...added];
      t.set({ account });
      if (state.stage === 'IN_SALES') {
        const [first, ...rest] = added;
        sale(t, policy, event.dealerId, vehicleOf(first!), 'SOLD', event.dealerId, first!.driverId).set({ fleet });
        for (const v of rest) t.effect({ type: 'SALE_RECORDED', dealerId: event.dealerId, vehicle: vehicleOf(v), driverId: v.driverId });
        return t.done();
      }
      t.set({ fleet });
      for (const v of added) t.effect({ type: 'SALE_RECORDED', dealerId: event.dealerId, vehicle: vehicleOf(v), driverId: v.driverId });
      return t.done();
    }
    case 'SALE_MATCHED': {
      // The sale is on record already (reported by the dealer, or an earlier match): nothing to do.
      if (state.stage === 'DEALER_OWNED' && state.vehicle?.vin === event.vehicle.vin) return t.unchanged();
      if (state.stage === 'DEALER_OWNED') refuse(`the customer already owns ${state.vehicle?.vin ?? 'a vehicle'} recorded by dealer ${state.dealerId}`);
      // The sales data is the fact: whoever held the customer, the selling dealer owns them now.
      requireStage('QUALIFYING', 'HANDED_OFF', 'ESCALATED', 'IN_SALES');
      return sale(t, policy, event.dealerId, event.vehicle, 'DMS_MATCHBACK', 'DMS_MATCHBACK').set({ handoff: null, escalation: null, handoffBlockedUntil: null }).done();
    }
    case 'LOST':
    case 'NO_SHOW': {
      // The same outcome delivered twice: the customer already fell back from this dealer.
      if (state.stage !== 'IN_SALES' && state.owner === 'OEM' && state.lastSalesDealerId === event.dealerId) return t.unchanged();
      requireStage('IN_SALES');
      requireDealer(event.dealerId);
      return fallBackToOem(t, policy, event.type === 'LOST' ? `LOST: ${event.reason}` : 'NO_SHOW', event.dealerId).done();
    }
    case 'SALES_WINDOW_ENDED': {
      requireStage('IN_SALES');
      const sales = state.sales!;
      if (!sales.chasedAt) {
        // Ask the dealer once before taking the customer back.
        return t
          .set({ sales: { ...sales, chasedAt: event.at, endsAt: plus(event.at, policy.outcomeChaseGraceMs) } })
          .effect({ type: 'DEALER_TASK', dealerId: sales.dealerId, task: 'OUTCOME_CHASE' })
          .done();
      }
      return fallBackToOem(t, policy, 'SALES_WINDOW_EXPIRED', SYSTEM).done();
    }
    case 'HANDOFF_COOL_DOWN_ENDED':
      if (!state.handoffBlockedUntil) refuse('no cool-down is running');
      t.set({ handoffBlockedUntil: null });
      if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
      return t.done();

    case 'SURVEY_DUE': {
      const survey = state.survey;
      if (!survey) refuse('no survey is scheduled');
      t.set({ survey: null });
      // A company's cars are surveyed by the people who drive them (B2B2C).
      if (state.fleet?.length) {
        for (const driverId of driversOf(state.fleet)) t.effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SURVEY', kind: survey!.kind, dealerId: state.dealerId, recipientId: driverId });
        return t.done();
      }
      return t
        .effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SURVEY', kind: survey!.kind, dealerId: state.dealerId })
        .done();
    }
    case 'SERVICE_REMINDER_DUE':
      requireStage('DEALER_OWNED');
      t.set({ serviceReminderDueAt: plus(event.at, policy.serviceReminderIntervalMs) });
      // A company's cars: each driver is reminded of their own car.
      if (state.fleet?.length) {
        for (const v of state.fleet) t.effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: state.dealerId, recipientId: v.driverId, vin: v.vin });
        return t.done();
      }
      return t
        .effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: state.dealerId })
        .done();

    case 'SERVICE_VISIT_RECORDED':
      // The same visit sent again (a retry, a second click): counted once.
      if (state.serviceVisitIds?.includes(event.visitId)) return t.unchanged();
      requireStage('DEALER_OWNED');
      requireDealer(event.dealerId);
      return t
        .set({
          serviceVisits: state.serviceVisits + 1,
          serviceVisitIds: [...(state.serviceVisitIds ?? []), event.visitId].slice(-REMEMBERED_REFS),
          serviceReminderDueAt: plus(event.at, policy.serviceReminderIntervalMs),
          survey: { kind: 'SERVICE', dueAt: plus(event.at, policy.serviceSurveyDelayMs) },
        })
        .effect({ type: 'AFTERSALES_RECORDED', kind: 'SERVICE_VISIT', dealerId: event.dealerId, ref: event.visitId })
        .done();

    case 'VEHICLE_EVENT': {
      const v = event.vehicleEvent;
      const seen = state.vehicleEventIds ?? [];
      if (seen.includes(v.eventId)) return t.unchanged(); // the backend sent it again
      requireStage('DEALER_OWNED');
      const ofFleet = state.fleet?.find((f) => f.vin === v.vin);
      if (state.vehicle?.vin !== v.vin && !ofFleet) refuse(`${v.vin} is not the vehicle this customer bought here`);
      t.set({ vehicleEventIds: [...seen, v.eventId].slice(-REMEMBERED_VEHICLE_EVENTS), ...(v.mileageKm !== undefined ? { vehicleMileageKm: v.mileageKm } : {}) });
      const outcome = outcomeOf(v);
      if (outcome.kind === 'SERVICE_REMINDER') {
        // The car knows better than the calendar: remind now (in the car where the customer
        // agreed to it), and the yearly reminder counts from today.
        const inCar = state.consent?.granted.some((k) => k.startsWith('IN_VEHICLE:')) ?? false;
        const channel = inCar ? 'IN_VEHICLE' : 'EMAIL';
        if (ofFleet) {
          // One car of a fleet: its driver is reminded; the fleet's yearly reminder stays (the other cars).
          t.effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: state.dealerId, channel, recipientId: ofFleet.driverId, vin: ofFleet.vin });
        } else {
          t.set({ serviceReminderDueAt: plus(event.at, policy.serviceReminderIntervalMs) })
            .effect({ type: 'CUSTOMER_MESSAGE_DUE', purpose: 'SERVICE_REMINDER', dealerId: state.dealerId, channel });
        }
      } else if (outcome.kind === 'DEALER_TASK') {
        t.effect({ type: 'DEALER_TASK', dealerId: state.dealerId!, task: 'VEHICLE_SERVICE', detail: ofFleet ? `${v.vin}: ${outcome.detail}` : outcome.detail });
      }
      return t.done();
    }

    case 'COMPLAINT_OPENED':
      // Opened again (a retry), or resolved already: nothing new.
      if (state.complaint?.complaintId === event.complaintId || state.complaintIds?.includes(event.complaintId)) return t.unchanged();
      requireStage('DEALER_OWNED');
      requireDealer(event.dealerId);
      if (state.complaint) refuse(`complaint ${state.complaint.complaintId} is still open`);
      return t
        .set({
          complaint: { complaintId: event.complaintId, openedAt: event.at, backstopAt: plus(event.at, policy.complaintBackstopMs), escalated: false },
          complaintIds: [...(state.complaintIds ?? []), event.complaintId].slice(-REMEMBERED_REFS),
        })
        .effect({ type: 'DEALER_TASK', dealerId: event.dealerId, task: 'COMPLAINT_FOLLOW_UP' })
        .effect({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_OPENED', dealerId: event.dealerId, ref: event.complaintId })
        .done();

    case 'COMPLAINT_RESOLVED':
      requireStage('DEALER_OWNED');
      requireDealer(event.dealerId);
      if (!state.complaint) return t.unchanged(); // resolved already
      if (state.complaint.complaintId !== event.complaintId) refuse(`complaint ${event.complaintId} is not the open one`);
      return t
        .set({ complaint: null })
        .effect({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_RESOLVED', dealerId: event.dealerId, ref: event.complaintId })
        .done();

    case 'COMPLAINT_BACKSTOP_DUE': {
      const complaint = state.complaint;
      if (!complaint || complaint.escalated) refuse('no unresolved complaint awaits the OEM');
      const reason = `complaint ${complaint!.complaintId} unresolved by dealer ${state.dealerId}`;
      return t.set({ complaint: { ...complaint!, escalated: true } }).effect({ type: 'ESCALATED', reason }).done();
    }
    case 'OWNERSHIP_CYCLE_ENDED':
      requireStage('DEALER_OWNED');
      // Back in market: offered first to the customer's own dealer.
      return t
        .moveTo('HANDED_OFF')
        .owner({ kind: 'OEM', dealerId: null }, 'BACK_IN_MARKET', SYSTEM)
        .set({
          ownershipCycleEndsAt: null,
          serviceReminderDueAt: null,
          preferredDealerId: state.dealerId,
          handoff: NO_OFFER_YET,
        })
        .effect({ type: 'ROUTE_HANDOFF' })
        .done();

    case 'CONTACT_CHANGED': {
      const before = state.contact;
      const same = before && before.hasEmail === event.contact.hasEmail && before.hasPhone === event.contact.hasPhone && before.hasPostalCode === event.contact.hasPostalCode;
      if (same) return t.unchanged();
      t.set({ contact: event.contact });
      // Better contact data can make a nurtured lead ready for a dealer.
      if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
      return t.done();
    }
    case 'ENGAGEMENT_RECORDED':
      t.set({ engagements: state.engagements + 1 });
      if (state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
      return t.done();

    case 'COMMUNICATION_REQUESTED': {
      const c = state.communications;
      const id = event.request.communicationId;
      if (c.decisions[id] || c.deferred.some((d) => d.request.communicationId === id)) return t.unchanged(); // a repeat
      return arbitrateInto(t, c, [event.request], event.at, policy);
    }
    case 'DEFERRED_MESSAGE_DUE': {
      const c = state.communications;
      const due = c.deferred.filter((d) => d.until <= event.at);
      if (due.length === 0) return t.unchanged();
      // Decided again now: the situation may have changed while the message waited.
      const waiting = { ...c, deferred: c.deferred.filter((d) => d.until > event.at) };
      return arbitrateInto(t, waiting, due.map((d) => ({ ...d.request, notBefore: null })), event.at, policy);
    }
    case 'CONSENT_CHANGED': {
      if (event.purpose) {
        // One consent: granted ones come with their proof through a lead, so this is a withdrawal.
        if (event.granted) refuse('a consent is given with its proof (a lead, a web form), not by a signal');
        // Journeys from before the consent rules followed opt-out rules: they keep them, with this refusal.
        let consent: ConsentState = state.consent ?? { regime: 'OPT_OUT', granted: [], refused: [], awaitingConfirmation: [] };
        const channels: readonly Channel[] = event.channel === 'ALL' ? CHANNELS : [event.channel];
        for (const ch of channels) consent = consentWithdrawn(consent, consentKey(ch, event.purpose));
        if (state.consent && sameConsent(consent, state.consent)) return t.unchanged();
        return t.set({ consent }).done();
      }
      const c = state.communications;
      const channels: readonly Channel[] = event.channel === 'ALL' ? CHANNELS : [event.channel];
      const withdrawn = event.granted ? c.withdrawn.filter((ch) => !channels.includes(ch)) : [...new Set([...c.withdrawn, ...channels])];
      if (withdrawn.length === c.withdrawn.length && withdrawn.every((ch) => c.withdrawn.includes(ch))) return t.unchanged();
      return t.set({ communications: { ...c, withdrawn } }).done();
    }

    case 'CONSENT_CONFIRMED': {
      const key = consentKey(event.channel, event.purpose);
      if (state.consent?.granted.includes(key)) return t.unchanged(); // a second click
      const consent = state.consent ? confirmed(state.consent, key, event.requestedAt, event.at) : null;
      if (!consent) refuse(`no confirmation of ${key} is awaited for this link (withdrawn since, asked again, or expired)`);
      return t.set({ consent }).done();
    }

    case 'OPTED_OUT':
      // The customer wants no more contact from us: an offer waiting on a dealer is taken back
      // (a new inquiry from them re-opens the journey).
      if (state.stage === 'HANDED_OFF' && state.handoff?.dealerId) {
        return t.moveTo('DISQUALIFIED').set({ optedOut: true, handoff: null, disqualifiedReason: 'OPTED_OUT' }).done();
      }
      if (state.optedOut) return t.unchanged();
      return t.set({ optedOut: true }).done();

    case 'ERASURE_REQUESTED': {
      for (const d of state.communications.deferred) {
        t.effect({ type: 'COMMUNICATION_DECIDED', communicationId: d.request.communicationId, decision: { decision: 'SUPPRESSED', reason: 'ERASED' } });
      }
      const reason = event.ground ? `ERASURE: ${event.ground}${event.reference ? ` (${event.reference})` : ''}` : 'ERASURE';
      const actor = event.actor ?? SYSTEM;
      // The privacy desk's erasure is on the ledger with its ground even when the OEM owned the customer already.
      if (event.ground && state.owner === 'OEM') t.effect({ type: 'OWNER_CHANGED', from: { kind: 'OEM', dealerId: null }, to: { kind: 'OEM', dealerId: null }, reason, actor });
      return t
        .moveTo('ERASED')
        .owner({ kind: 'OEM', dealerId: null }, reason, actor)
        .set({
          leads: state.leads.map(({ leadId, source, receivedAt }) => ({ leadId, source, receivedAt, hasEmail: false, hasPhone: false, hasPostalCode: false })),
          handoff: null, sales: null, vehicle: null, survey: null, serviceReminderDueAt: null, complaint: null,
          ownershipCycleEndsAt: null, handoffBlockedUntil: null, optedOut: true, contact: null,
          ...(state.account ? { account: { fleetSize: null, contacts: [] }, fleet: null } : {}),
        })
        .effect({ type: 'ERASE_PERSONAL_DATA' })
        .done();
    }

    case 'MARKET_MODEL_CHANGED': {
      const known = state.market;
      const applies = known ? isNewerMarketModel(known, event.market) : event.forUnknownMarket === true;
      if (!applies) return t.unchanged(); // another market, an older version, or a repeat
      // From now on: who may contact the customer follows the new model; on the ledger with the reason (the owner stays).
      const owner = { kind: state.owner, dealerId: state.dealerId };
      t.set({ market: event.market })
        .effect({ type: 'OWNER_CHANGED', from: owner, to: owner, reason: marketModelReason(event.market, event.reason), actor: event.actor });
      // A customer the OEM was nurturing goes to a dealer now, in a market that became partner-led.
      if (event.market.model === 'PARTNER_LED' && state.stage === 'QUALIFYING') t.effect({ type: 'SCORE_LEADS' });
      return t.done();
    }

    case 'REASSIGNED': {
      // To whoever has the customer already (a repeat): nothing changes, the sales window keeps running.
      if (event.to === 'OEM' ? state.owner === 'OEM' && state.stage === 'QUALIFYING' : state.dealerId === event.to.dealerId && (state.stage === 'IN_SALES' || state.stage === 'DEALER_OWNED')) {
        return t.unchanged();
      }
      if (event.to === 'OEM') {
        return t
          .moveTo('QUALIFYING')
          .owner({ kind: 'OEM', dealerId: null }, `REASSIGNED: ${event.reason}`, event.actor)
          .set({ handoff: null, sales: null, escalation: null })
          .done();
      }
      const dealerId = event.to.dealerId;
      if (state.stage === 'DEALER_OWNED') {
        return t.owner({ kind: 'DEALER', dealerId }, `REASSIGNED: ${event.reason}`, event.actor).set({ preferredDealerId: dealerId }).done();
      }
      return t
        .moveTo('IN_SALES')
        .owner({ kind: 'DEALER_SALES', dealerId }, `REASSIGNED: ${event.reason}`, event.actor)
        .set({ handoff: null, escalation: null, sales: { dealerId, startedAt: event.at, endsAt: plus(event.at, policy.salesWindowMs), chasedAt: null } })
        .done();
    }
  }
}

/** A sale: the selling dealer owns the customer, with the after-sales timers and the post-purchase cool-down. */
function sale(t: Builder, policy: JourneyPolicy, dealerId: string, vehicle: Vehicle, reason: string, actor: string, driverId?: string): Builder {
  const at = t.event.at;
  return t
    .moveTo('DEALER_OWNED')
    .owner({ kind: 'DEALER', dealerId }, reason, actor)
    .set({
      sales: null,
      vehicle,
      promotionsBlockedUntil: plus(at, policy.postPurchasePromotionCoolDownMs),
      survey: { kind: 'SALE', dueAt: plus(at, policy.saleSurveyDelayMs) },
      serviceReminderDueAt: plus(at, policy.serviceReminderIntervalMs),
      ownershipCycleEndsAt: plus(at, policy.ownershipCycleMs),
      preferredDealerId: dealerId,
    })
    .effect({ type: 'SALE_RECORDED', dealerId, vehicle, ...(driverId ? { driverId } : {}) });
}

/** A fleet vehicle as the sale records keep it (without its driver). */
function vehicleOf({ vin, model, soldOn, price }: FleetVehicle): Vehicle {
  return { vin, model, soldOn, ...(price !== undefined ? { price } : {}) };
}

/** Each driver once, in the order of their first car. */
function driversOf(fleet: readonly FleetVehicle[]): string[] {
  return [...new Set(fleet.map((v) => v.driverId))];
}

/** The customer goes back to the OEM for nurture, with a cool-down before the next hand-off. */
function fallBackToOem(t: Builder, policy: JourneyPolicy, reason: string, actor: string): Builder {
  return t
    .moveTo('QUALIFYING')
    .owner({ kind: 'OEM', dealerId: null }, reason, actor)
    .set({ sales: null, handoffBlockedUntil: plus(t.event.at, policy.handoffCoolDownMs) });
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

/** Contact arbitration (communications.ts) on the state as changed so far; its effects become the transition's. */
function arbitrateInto(t: Builder, start: CommunicationsState, requests: CommunicationRequest[], at: string, policy: JourneyPolicy): Transition {
  const { communications, effects } = arbitrate(t.current, start, requests, at, policy);
  for (const effect of effects) t.effect(effect);
  return t.set({ communications }).done();
}

function sameConsent(a: ConsentState, b: ConsentState): boolean {
  return a.regime === b.regime && a.granted.join() === b.granted.join() && a.refused.join() === b.refused.join() && a.awaitingConfirmation.length === b.awaitingConfirmation.length;
}

function plus(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString();
}

/** Collects one transition's state changes and effects. */
class Builder {
  private next: JourneyState;
  private readonly effects: JourneyEffect[] = [];
  private changed = false;

  constructor(private readonly before: JourneyState, readonly event: JourneyEvent) {
    this.next = before;
  }

  /** The state as changed so far. */
  get current(): JourneyState {
    return this.next;
  }

  set(patch: Partial<JourneyState>): this {
    this.next = { ...this.next, ...patch };
    this.changed = true;
    return this;
  }

  moveTo(stage: JourneyStage): this {
    if (this.next.stage !== stage) {
      this.effect({ type: 'STAGE_CHANGED', from: this.next.stage, to: stage });
      this.set({ stage, stageChangedAt: this.event.at });
    }
    return this;
  }

  owner(to: Owner, reason: string, actor: string): this {
    const from: Owner = { kind: this.next.owner, dealerId: this.next.dealerId };
    if (from.kind !== to.kind || from.dealerId !== to.dealerId) {
      this.effect({ type: 'OWNER_CHANGED', from, to, reason, actor });
      this.set({ owner: to.kind, dealerId: to.dealerId, lastSalesDealerId: from.kind === 'DEALER_SALES' ? from.dealerId : this.next.lastSalesDealerId });
    }
    return this;
  }

  effect(effect: JourneyEffect): this {
    this.effects.push(effect);
    this.changed = true;
    return this;
  }

  unchanged(): Transition {
    return { state: this.before, effects: [] };
  }

  done(): Transition {
    if (!this.changed) return this.unchanged();
    const state = { ...this.next, revision: this.before.revision + 1, updatedAt: this.event.at };
    return { state, effects: [...this.effects, { type: 'READ_MODEL_CHANGED' }] };
  }
}
