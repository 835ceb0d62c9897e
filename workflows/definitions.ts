// The journey's public surface, shared by the workflow, the worker and the API.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Channel, CommunicationDecision, CommunicationRequest, ConsentPurpose } from '../domain/messages.js';
import type { ContactCompleteness, EngagementKind, ErasureGround, JourneyStage, JourneyState, ServiceAppointmentReason, Vehicle } from '../domain/journey.js';
import type { LeadCaptured } from '../domain/lead.js';
import type { ImportProgress } from '../domain/lead-import.js';
import type { SalesReportProgress } from '../domain/sales-report.js';
import type { JourneyPolicy } from '../domain/policy.js';
import type { MarketModel } from '../domain/markets.js';
import type { AccountContact, FleetVehicle } from '../domain/fleets.js';
import type { VehicleEvent } from '../domain/vehicles.js';
import type { CustomerImported } from '../domain/onboarding.js';
import type { OnboardingProgress } from '../domain/onboarding.js';
import type { PendingEvent } from '../domain/transitions.js';
import type { CampaignControl } from '../domain/campaigns.js';
import type { ConsentStatement, LegalRegime } from '../domain/consent.js';

export const JOURNEY_TASK_QUEUE = 'journeys';

/** The journey workflow's type name (the function exported from workflows/journey.ts). */
export const JOURNEY_WORKFLOW_TYPE = 'journey';
/** Every running journey of a task queue, as a visibility query (the roll-outs' batch operations). */
export const runningJourneysQuery = (taskQueue: string) => `WorkflowType = '${JOURNEY_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;

/** A lead for this customer arrived (fire-and-forget; duplicates are ignored by lead id). */
export const leadCapturedSignal = defineSignal<[LeadCaptured]>('leadCaptured');
/**
 * A customer's record from the OEM's onboarding file (fire-and-forget, like a lead): a new journey
 * starts from it where the customer is; a running one adds what is new. Repeats by lead id change nothing.
 */
export const customerImportedSignal = defineSignal<[CustomerImported]>('customerImported');
/** The customer's contact details changed (presence flags only; the data stays in the database). */
export const contactChangedSignal = defineSignal<[ContactCompleteness]>('contactChanged');
/** The customer showed interest between leads (a click, the configurator, a brochure). */
export const engagementRecordedSignal = defineSignal<[{ kind: EngagementKind }]>('engagementRecorded');
/** The customer withdrew marketing consent. */
export const optedOutSignal = defineSignal('optedOut');

/** The person withdrew one consent (an unsubscribe link, the privacy desk); ALL: on every channel. */
export const consentWithdrawnSignal = defineSignal<[{ channel: Channel | 'ALL'; purpose: ConsentPurpose }]>('consentWithdrawn');
/** The person does (not) want to be contacted on a channel at all (ALL: any); legal notices still reach them. */
export const channelPreferenceChangedSignal = defineSignal<[{ channel: Channel | 'ALL'; contactable: boolean }]>('channelPreferenceChanged');
/**
 * The person confirmed a consent from the link (`requestedAt`: the request the link was made for);
 * refused when that request is not awaited (withdrawn since, asked again, or expired).
 */
export const confirmConsentUpdate = defineUpdate<JourneyState, [{ channel: Channel; purpose: ConsentPurpose; requestedAt: string }]>('confirmConsent');

/** The journey's live state: stage, owner, dealer, leads. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

// Actions that need an answer are updates: the validator refuses what does not fit the
// journey now (wrong stage, not the assigned dealer) and nothing changes.
export const acceptHandoffUpdate = defineUpdate<JourneyState, [{ dealerId: string }]>('acceptHandoff');
export const declineHandoffUpdate = defineUpdate<JourneyState, [{ dealerId: string; reason: string }]>('declineHandoff');
export const recordSaleUpdate = defineUpdate<JourneyState, [{ dealerId: string; vehicle: Vehicle }]>('recordSale');
/** A company's sale: several vehicles, each with its driver (`drivers`: the people who join the company as drivers with it). */
export const recordFleetSaleUpdate = defineUpdate<JourneyState, [{ dealerId: string; vehicles: FleetVehicle[]; drivers: AccountContact[] }]>('recordFleetSale');
export const recordLostUpdate = defineUpdate<JourneyState, [{ dealerId: string; reason: string }]>('recordLost');
export const recordNoShowUpdate = defineUpdate<JourneyState, [{ dealerId: string }]>('recordNoShow');
export const recordServiceVisitUpdate = defineUpdate<JourneyState, [{ dealerId: string; visitId: string }]>('recordServiceVisit');
export const recordRecallRepairUpdate = defineUpdate<JourneyState, [{ dealerId: string; recallId: string; vin: string }]>('recordRecallRepair');
export const openComplaintUpdate = defineUpdate<JourneyState, [{ dealerId: string; complaintId: string }]>('openComplaint');
export const resolveComplaintUpdate = defineUpdate<JourneyState, [{ dealerId: string; complaintId: string }]>('resolveComplaint');
export const disqualifyUpdate = defineUpdate<JourneyState, [{ reason: string }]>('disqualify');
/** Contact arbitration: may this message go to the customer now? ALLOWED, DEFERRED until, or SUPPRESSED with the reason. */
export const requestCommunicationUpdate = defineUpdate<CommunicationDecision & { communicationId: string }, [CommunicationRequest]>('requestCommunication');
/** The privacy desk erases the customer's personal data; the journey ends (answers with its last state). */
export const requestErasureUpdate = defineUpdate<JourneyState, [{ ground: ErasureGround; reference?: string; actor: string }]>('requestErasure');
/** A sale found in the dealers' sales data (DMS match-back); sent by the sales-report workflow, not a route. */
export const recordMatchedSaleUpdate = defineUpdate<JourneyState, [{ dealerId: string; vehicle: Vehicle }]>('recordMatchedSale');
/** The person stated consents to customer care or on their own page (the proof is recorded before); answered with the journey's state. */
export const recordConsentsUpdate = defineUpdate<JourneyState, [{ regime: LegalRegime; statements: ConsentStatement[]; verifiedChannel?: 'EMAIL' }]>('recordConsents');
/** The customer asks their dealer for a service appointment (their page; care on their behalf). */
export const requestServiceAppointmentUpdate = defineUpdate<JourneyState, [{ requestId: string; reason: ServiceAppointmentReason; preferredDate: string }]>('requestServiceAppointment');
export const reassignUpdate = defineUpdate<JourneyState, [{ to: 'OEM' | { dealerId: string }; reason: string; actor: string }]>('reassign');

/** An action on a journey that needs an answer: its Update, and the journey event it becomes. */
export interface JourneyAction<A> {
  update: UpdateDefinition<JourneyState, [A]>;
  toEvent: (arg: A) => PendingEvent;
}
const action = <A>(update: UpdateDefinition<JourneyState, [A]>, toEvent: (arg: A) => PendingEvent): JourneyAction<A> => ({ update, toEvent });

/**
 * Every dealer, ops and OEM action, declared once: the workflow registers each Update from
 * this table and the API serves each from its route table (api/routes/journeys.ts), keyed
 * by the same names. Adding an action is one entry here, one route, and its rule in
 * domain/transitions.ts.
 */
export const JOURNEY_ACTIONS = {
  accept: action(acceptHandoffUpdate, ({ dealerId }) => ({ type: 'HANDOFF_ACCEPTED', dealerId })),
  decline: action(declineHandoffUpdate, ({ dealerId, reason }) => ({ type: 'HANDOFF_DECLINED', dealerId, reason })),
  sale: action(recordSaleUpdate, ({ dealerId, vehicle }) => ({ type: 'SOLD', dealerId, vehicle })),
  fleetSale: action(recordFleetSaleUpdate, ({ dealerId, vehicles, drivers }) => ({ type: 'FLEET_SOLD', dealerId, vehicles, drivers })),
  lost: action(recordLostUpdate, ({ dealerId, reason }) => ({ type: 'LOST', dealerId, reason })),
  noShow: action(recordNoShowUpdate, ({ dealerId }) => ({ type: 'NO_SHOW', dealerId })),
  serviceVisit: action(recordServiceVisitUpdate, ({ dealerId, visitId }) => ({ type: 'SERVICE_VISIT_RECORDED', dealerId, visitId })),
  recallRepair: action(recordRecallRepairUpdate, ({ dealerId, recallId, vin }) => ({ type: 'RECALL_REPAIRED', dealerId, recallId, vin })),
  openComplaint: action(openComplaintUpdate, ({ dealerId, complaintId }) => ({ type: 'COMPLAINT_OPENED', dealerId, complaintId })),
  resolveComplaint: action(resolveComplaintUpdate, ({ dealerId, complaintId }) => ({ type: 'COMPLAINT_RESOLVED', dealerId, complaintId })),
  disqualify: action(disqualifyUpdate, ({ reason }) => ({ type: 'DISQUALIFIED', reason })),
  reassign: action(reassignUpdate, ({ to, reason, actor }) => ({ type: 'REASSIGNED', to, reason, actor })),
  requestServiceAppointment: action(requestServiceAppointmentUpdate, ({ requestId, reason, preferredDate }) => ({ type: 'SERVICE_APPOINTMENT_REQUESTED', requestId, reason, preferredDate })),
  recordConsents: action(recordConsentsUpdate, ({ regime, statements, verifiedChannel }) => ({ type: 'CONSENTS_STATED', regime, statements, ...(verifiedChannel ? { verifiedChannel } : {}) })),
};
export type JourneyActionName = keyof typeof JOURNEY_ACTIONS;
/** What the caller hands the action's Update. */
export type ActionArg<N extends JourneyActionName> = (typeof JOURNEY_ACTIONS)[N] extends JourneyAction<infer A> ? A : never;


/** The OEM changed the journey policy and asked for running journeys to follow (version and the whole policy). */
export const policyChangedSignal = defineSignal<[{ version: number; policy: JourneyPolicy }]>('policyChanged');

/** A policy version for every running journey of a task queue (workflows/policy-rollouts.ts). */
export interface PolicyRollout { version: number; policy: JourneyPolicy; reason: string }
export interface PolicyRolloutsState { queued: PolicyRollout[]; done: number[] }
/** Queue a roll-out; a version queued or sent already is not sent again. */
export const policyRolloutRequestedSignal = defineSignal<[PolicyRollout]>('policyRolloutRequested');
/** The roll-outs waiting (the first is running) and the versions sent. */
export const policyRolloutsQuery = defineQuery<PolicyRolloutsState>('policyRollouts');
/** The one roll-out queue of a task queue's journeys. */
export const policyRolloutsIdOf = (taskQueue: string) => `journey-policy-rollouts-${taskQueue}`;
/** The batch operation of a policy version's roll-out to a task queue's journeys. */
export const policyRolloutJobId = (version: number, taskQueue: string) => `journey-policy-v${version}-${taskQueue}`;

/** The connected-vehicle backend's event for the customer's car; answered once applied (repeats by event id change nothing). */
export const recordVehicleEventUpdate = defineUpdate<{ eventId: string; stage: JourneyStage }, [VehicleEvent]>('recordVehicleEvent');

/** The change of a market's ownership model, as the journeys of that market hear of it. */
export interface MarketModelChange {
  market: MarketModel;
  reason: string;
  actor: string;
  /** The market is the platform's default country: journeys from before markets follow it too. */
  forUnknownMarket: boolean;
}
/**
 * The OEM set a market's ownership model; sent to the journeys of that market (found by the
 * Market search attribute). Repeats and older versions change nothing.
 */
export const marketModelChangedSignal = defineSignal<[MarketModelChange]>('marketModelChanged');

export interface JourneyInput {
  customerId: string;
  /** Policy the journey runs with; defaults when absent. */
  policy?: JourneyPolicy;
  /** Which version of the OEM's policy that is (0 or absent: built-in defaults or given by the caller). */
  policyVersion?: number;
  /** Set when the journey continues as new: everything it knew so far. */
  carried?: {
    /** As the previous run left it. */
    state: JourneyState;
    /** Leads that arrived but were not processed yet when the run ended. */
    pendingLeads: LeadCaptured[];
    /** Events (signals) not processed yet when the run ended. */
    pendingEvents?: PendingEvent[];
    /** Allowed messages not confirmed sent yet when the run ended. */
    pendingSends?: { communicationId: string; onBehalfOf: string | null; recipientId?: string }[];
  };
}

// ---- Lead imports (fair and road-show files) ----


export interface LeadImportInput {
  importId: string;
  totalRows: number;
  /** Rows per activity; the default suits files of thousands of rows. */
  chunkSize?: number;
}

export const leadImportIdFor = (importId: string) => `import-${importId}`;

/** Rows done, leads made, rows rejected and duplicates, live from the import workflow. */
export const importProgressQuery = defineQuery<ImportProgress>('importProgress');

// ---- Dealer deliveries (hand-off notices to dealers' webhooks and CRM inboxes) ----

/** How long a delivery keeps trying: exponential backoff from the first interval up to the maximum, then give up. */
export interface DeliverySchedule {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  giveUpAfterMs: number;
}

export interface DealerDeliveryInput {
  deliveryId: string;
  schedule: DeliverySchedule;
}

/** A delivery's workflow id; a redelivery gets its own run (`redelivery` counts them). */
export const dealerDeliveryIdFor = (deliveryId: string, redelivery = 0) => `dealer-delivery-${deliveryId}${redelivery ? `-redelivery-${redelivery}` : ''}`;

// ---- Sales match-back (dealers' sales data matched to customers) ----

export interface SalesMatchBackInput {
  reportId: string;
  totalRows: number;
  chunkSize?: number;
}

export const salesMatchBackIdFor = (reportId: string) => `sales-report-${reportId}`;

/** Rows done and what became of them, live from the match-back workflow. */
export const salesReportProgressQuery = defineQuery<SalesReportProgress>('salesReportProgress');

// ---- Onboarding the customer base (the OEM's files of owners and prospects) ----

export interface CustomerOnboardingInput {
  importId: string;
  totalRows: number;
  chunkSize?: number;
}

export const customerOnboardingIdFor = (importId: string) => `customer-import-${importId}`;

/** Rows done and what became of them, live from the onboarding workflow. */
export const onboardingProgressQuery = defineQuery<OnboardingProgress>('onboardingProgress');

// ---- Campaigns and recalls (the OEM's messages to a segment or to a recall's owners) ----

export const CAMPAIGN_WORKFLOW_TYPE = 'campaign';
export const campaignWorkflowIdFor = (campaignId: string) => `campaign-${campaignId}`;

export interface CampaignInput {
  campaignId: string;
  /** Targets a page decides (one activity; the run continues as new after each page); by default 5 s of the campaign's pace. */
  pageSize?: number;
  /** Carried to the next run (`followUpMs`: a recall's wait before it looks at its undelivered messages again). */
  carried?: { phase: 'DECIDING' | 'FOLLOWING_UP'; control: 'RUNNING' | 'PAUSED' | 'CANCELLED'; followUpMs: number };
}

/** The OEM pauses, resumes or cancels the campaign; answered with its status then. */
export const campaignControlUpdate = defineUpdate<{ status: 'RUNNING' | 'PAUSED' | 'CANCELLED' }, [{ action: CampaignControl }]>('campaignControl');

/** A process captain's weekly digest (captains/digest-schedules.ts starts it from a Schedule). */
export const CAPTAIN_DIGEST_WORKFLOW_TYPE = 'captainDigest';
export const captainDigestScheduleIdOf = (captainId: string) => `captain-digest-${captainId}`;

/** The scorecard's daily roll-ups (reports/scorecard-rollups.ts), written hourly by one Schedule on the bulk queue. */
export const SCORECARD_ROLLUP_WORKFLOW_TYPE = 'scorecardRollup';
export const SCORECARD_ROLLUP_SCHEDULE_ID = 'scorecard-rollup';
