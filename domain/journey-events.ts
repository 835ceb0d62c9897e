// What happens to a journey (events) and what the workflow must do about it (effects): the
// vocabulary every rule of domain/rules/ speaks. Types only, and the refusal.
import type { BusinessHours } from './business-hours.js';
import type { CommunicationEffect } from './communications.js';
import type { ConsentKey, ConsentStatement, LegalRegime } from './consent.js';
import type { Channel, CommunicationRequest, ConsentPurpose } from './messages.js';
import type { LeadCaptured } from './lead.js';
import type { ContactCompleteness, ErasureGround, EngagementKind, JourneyStage, JourneyState, OwnerKind, ServiceAppointmentReason, Vehicle } from './journey.js';
import type { VehicleEvent } from './vehicles.js';
import type { AccountContact, FleetVehicle } from './fleets.js';
import type { MarketModel } from './markets.js';
import type { CustomerImported } from './onboarding.js';

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
  /** The dealer repaired one of the customer's cars under a safety recall (`recallId`: the OEM's recall). */
  | { type: 'RECALL_REPAIRED'; dealerId: string; recallId: string; vin: string }
  /** The customer asks their dealer for a service appointment (their own page, or care on the phone): the reason and the day they prefer. */
  | { type: 'SERVICE_APPOINTMENT_REQUESTED'; requestId: string; reason: ServiceAppointmentReason; preferredDate: string }
  | { type: 'COMPLAINT_RESOLVED'; dealerId: string; complaintId: string }
  | { type: 'COMPLAINT_BACKSTOP_DUE' }
  | { type: 'OWNERSHIP_CYCLE_ENDED' }
  | { type: 'CONTACT_CHANGED'; contact: ContactCompleteness }
  | { type: 'ENGAGEMENT_RECORDED'; kind: EngagementKind }
  | { type: 'OPTED_OUT' }
  /** `ground`, `reference` and `actor` come with the privacy desk's request (the signal of older callers has none). */
  | { type: 'ERASURE_REQUESTED'; ground: ErasureGround; reference?: string; actor: string }
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
  /** The person withdrew one consent (an unsubscribe link, the privacy desk): that purpose on that channel (ALL: every channel). */
  | { type: 'CONSENT_WITHDRAWN'; channel: Channel | 'ALL'; purpose: ConsentPurpose }
  /** The person does (not) want to be contacted on a channel at all, whatever the purpose; legal notices still reach them. */
  | { type: 'CHANNEL_PREFERENCE_CHANGED'; channel: Channel | 'ALL'; contactable: boolean }
  /** A row of the OEM's onboarding file for a customer whose journey exists already (domain/onboarding.ts). */
  | ({ type: 'CUSTOMER_IMPORTED' } & CustomerImported)
  /** The person clicked the confirmation link (double opt-in). */
  | { type: 'CONSENT_CONFIRMED'; channel: Channel; purpose: ConsentPurpose; requestedAt: string }
  /**
   * The person told customer care (on a call, in person) or their own page which consents they
   * give or withdraw; the proof is in consent_record. `regime`: their country's law, as with a lead.
   * `verifiedChannel`: the page was opened from a link sent to that address (its grants need no second click).
   */
  | { type: 'CONSENTS_STATED'; regime: LegalRegime; statements: ConsentStatement[]; verifiedChannel?: 'EMAIL' }
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
  /** `imported`: a vehicle from the OEM's records, not a sale made now (kept apart in the scorecard). */
  | { type: 'SALE_RECORDED'; dealerId: string; vehicle: Vehicle; driverId?: string; imported?: true }
  /** `dueAt`: when the dealer must have done it (its SLA); at once when absent. */
  | { type: 'DEALER_TASK'; dealerId: string; task: 'OUTCOME_CHASE' | 'COMPLAINT_FOLLOW_UP' | 'VEHICLE_SERVICE' | 'SERVICE_APPOINTMENT'; detail?: string; dueAt?: string }
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

export type AftersalesKind = 'SERVICE_VISIT' | 'COMPLAINT_OPENED' | 'COMPLAINT_RESOLVED' | 'RECALL_REPAIR';

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
