import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { JourneyActivities } from '../activities/index.js';
import type { TransitionRecords, TransitionWritten } from '../activities/journey-transition.js';
import { confirmationChannelOf, type ConsentKey } from '../domain/consent.js';
import { dealerNoticesOf } from '../domain/dealer-notices.js';
import { workOf, type PendingSend } from '../domain/journey-records.js';
import { journeyIdFor, type JourneyState } from '../domain/journey.js';
import { journeyCurrentDetails } from '../domain/journey-summary.js';
import type { LeadCaptured } from '../domain/lead.js';
import type { CustomerImported } from '../domain/onboarding.js';
import { DEFAULT_POLICY, type JourneyPolicy } from '../domain/policy.js';
import { scoreOfJourney } from '../domain/scoring.js';
import {
  applyJourneyEvent,
  nextDeadline,
  startImportedJourney,
  startJourney,
  TransitionRefused,
  type JourneyEffect,
  type JourneyEvent,
  type PendingEvent,
  type Transition,
} from '../domain/transitions.js';
import {
  confirmConsentUpdate,
  consentWithdrawnSignal,
  channelPreferenceChangedSignal,
  contactChangedSignal,
  customerImportedSignal,
  engagementRecordedSignal,
  JOURNEY_ACTIONS,
  journeyStateQuery,
  leadCapturedSignal,
  marketModelChangedSignal,
  optedOutSignal,
  policyChangedSignal,
  recordMatchedSaleUpdate,
  recordVehicleEventUpdate,
  requestCommunicationUpdate,
  requestErasureUpdate,
  type JourneyAction,
  type JourneyInput,
} from './definitions.js';
import { CustomerOwnerKey, DealerIdKey, JourneyStageKey, LeadSourceKey, MarketKey } from './search-attributes.js';
import { journeyMetrics } from './journey-metrics.js';
import { SEND_ATTEMPTS, type CommunicationRequest } from '../domain/messages.js';

type CustomerMessageDue = Extract<JourneyEffect, { type: 'CUSTOMER_MESSAGE_DUE' }>;


const activities = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage delays the journey's records, it never fails the journey.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// The journey's own quick work (its records, the notices for dealers, choosing a dealer) as
// local activities: run by this worker inside the workflow task, so an action is answered
// after one round of database writes instead of one server round trip per record. Retried
// like the above (past a minute of retries the SDK waits on a timer: an outage is fine).
const local = proxyLocalActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Sending goes through a transport that may be down for a while; the journey keeps
// deciding meanwhile. The activity records a message as failed on its last attempt.
const sending = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: SEND_ATTEMPTS },
});

/** Continue-as-new well before Temporal's own limits; journeys live for years. */
const MAX_HISTORY_EVENTS = 2_000;

type Outcome = { state: JourneyState } | { refused: string };

/** One customer's journey: the single referee of who owns them and what happens next. */
export async function journey(input: JourneyInput): Promise<void> {
  const journeyId = journeyIdFor(input.customerId);
  // Settings the starter did not give take their defaults.
  let policy = { ...DEFAULT_POLICY, ...input.policy };
  let policyVersion = input.policyVersion ?? 0;
  /** A newer policy the OEM sent, taken at the top of the main loop. */
  let newerPolicy: { version: number; policy: JourneyPolicy } | null = null;
  /** Allowed messages waiting for the transport, sent one after another in the background. */
  const sendQueue = [...(input.carried?.pendingSends ?? [])];
  /** The message being sent right now (taken off the queue when its send starts). */
  let sendingNow: PendingSend | null = null;
  /** Set when the run is about to continue as new: no further send starts in this run. */
  let closingRun = false;
  /** The run wants to continue as new and waits for the message being sent. */
  let waitingForSend = false;
  const leads: LeadCaptured[] = [...(input.carried?.pendingLeads ?? [])];
  /** Signals and actions waiting for the main loop, in arrival order (an action's ticket gets its answer). */
  const inbox: { event: PendingEvent; ticket?: number }[] = (input.carried?.pendingEvents ?? []).map((event) => ({ event }));
  const outcomes = new Map<number, Outcome>();
  let nextTicket = 1;
  // Older runs' state gets today's shape once, here; nothing after this re-checks it.
  let state: JourneyState | undefined = input.carried?.state;
  /** Set when the customer comes back in market: a chapter ends, the next run starts fresh. */
  let chapterEnded = false;

  const now = () => new Date(Date.now()).toISOString(); // workflow time, deterministic
  const metrics = journeyMetrics();

  setHandler(leadCapturedSignal, (lead) => {
    leads.push(lead);
  });
  /** A customer's record from onboarding that came before anything else: the journey starts from it. */
  let firstRecord: CustomerImported | null = null;
  setHandler(customerImportedSignal, (imported) => {
    if (!state && !firstRecord && leads.length === 0) firstRecord = imported;
    else inbox.push({ event: { type: 'CUSTOMER_IMPORTED', ...imported } });
  });
  setHandler(contactChangedSignal, (contact) => {
    inbox.push({ event: { type: 'CONTACT_CHANGED', contact } });
  });
  setHandler(engagementRecordedSignal, ({ kind }) => {
    inbox.push({ event: { type: 'ENGAGEMENT_RECORDED', kind } });
  });
  setHandler(optedOutSignal, () => {
    inbox.push({ event: { type: 'OPTED_OUT' } });
  });
  setHandler(consentWithdrawnSignal, ({ channel, purpose }) => {
    inbox.push({ event: { type: 'CONSENT_WITHDRAWN', channel, purpose } });
  });
  setHandler(channelPreferenceChangedSignal, ({ channel, contactable }) => {
    inbox.push({ event: { type: 'CHANNEL_PREFERENCE_CHANGED', channel, contactable } });
  });
  setHandler(marketModelChangedSignal, (change) => {
    inbox.push({ event: { type: 'MARKET_MODEL_CHANGED', ...change } });
  });
  setHandler(policyChangedSignal, (change) => {
    if (change.version > (newerPolicy?.version ?? policyVersion)) newerPolicy = change;
  });
  setHandler(journeyStateQuery, () => {
    if (!state) throw new Error('journey has not received its first lead yet');
    return state;
  });

  /**
   * A dealer or ops action with an answer. The validator tries the rules on the
   * current state and refuses what does not fit; the main loop then applies it in
   * order with everything else, so handlers never race each other.
   */
  function onAction<A, R = JourneyState>(
    update: UpdateDefinition<R, [A]>,
    toEvent: (arg: A) => PendingEvent,
    answer: (state: JourneyState, arg: A) => R = (s) => s as R,
  ) {
    setHandler(
      update,
      async (arg: A) => {
        const ticket = nextTicket++;
        inbox.push({ event: toEvent(arg), ticket });
        await condition(() => outcomes.has(ticket));
        const outcome = outcomes.get(ticket)!;
        outcomes.delete(ticket);
        if ('refused' in outcome) throw ApplicationFailure.nonRetryable(outcome.refused, 'TransitionRefused');
        return answer(outcome.state, arg);
      },
      {
        validator: (arg: A) => {
          if (!state) throw new Error('the journey has not started yet');
          applyJourneyEvent(state, { ...toEvent(arg), at: now() } as JourneyEvent, policy); // throws TransitionRefused
        },
      },
    );
  }
  for (const action of Object.values(JOURNEY_ACTIONS) as JourneyAction<unknown>[]) onAction(action.update, action.toEvent);
  onAction(recordMatchedSaleUpdate, ({ dealerId, vehicle }) => ({ type: 'SALE_MATCHED', dealerId, vehicle }));
  // New with the connected car: no recorded history has this Update, so it needs no patch.
  onAction(recordVehicleEventUpdate, (vehicleEvent) => ({ type: 'VEHICLE_EVENT', vehicleEvent }), (s, { eventId }) => ({ eventId, stage: s.stage }));
  onAction(requestErasureUpdate, (request) => ({ type: 'ERASURE_REQUESTED', ...request }));
  onAction(confirmConsentUpdate, ({ channel, purpose, requestedAt }) => ({ type: 'CONSENT_CONFIRMED', channel, purpose, requestedAt }));
  onAction(requestCommunicationUpdate, (request) => ({ type: 'COMMUNICATION_REQUESTED', request }), (s, { communicationId }) => ({
    communicationId,
    ...(s.communications.decisions[communicationId] ?? { decision: 'SUPPRESSED' as const, reason: 'ERASED' as const }),
  }));

  // The send loop: one message at a time, in the order they were allowed.
  void (async () => {
    for (;;) {
      await condition(() => sendQueue.length > 0 && !closingRun);
      const next = sendQueue.shift()!;
      sendingNow = next;
      try {
        await sending.sendCommunication(next);
      } catch (error) {
        // Out of attempts (the transport and the database down for hours): the attempts are
        // in the communication log; the journey goes on rather than wait behind one message.
        log.error('message not sent', { communicationId: next.communicationId, error: String(error) });
      }
      sendingNow = null;
    }
  })();

  /**
   * The search attributes ops filter by, written once per workflow task with what changed since
   * the last write (a task can take several transitions: a new journey's first one is captured,
   * qualifying, scored and handed off): one upsert where there were five to seven.
   */
  let indexed: Map<string, string | null> = input.carried ? indexOf(input.carried.state) : new Map();
  function flushIndex(): void {
    if (!state) return;
    const wanted = indexOf(state);
    const changed = [...wanted].filter(([name, value]) => indexed.get(name) !== value);
    if (changed.length === 0) return;
    upsertSearchAttributes(changed.map(([name, value]) => ({ key: SEARCH_ATTRIBUTE_KEYS[name]!, value }) as SearchAttributeUpdatePair));
    indexed = wanted;
  }

  /**
   * The records of this task's transitions not written yet. They go in one local activity (one
   * database transaction) when the task ends, or sooner when something must see them first: a
   * caller's answer, a hand-off's route, a message to send, an activity that reads them, erasure.
   * A new journey's first task (captured, qualifying, scored) is one write where it was three.
   */
  let unwritten: TransitionRecords[] = [];
  async function writeRecords(last?: TransitionRecords): Promise<TransitionWritten> {
    const transitions = last ? [...unwritten, last] : unwritten;
    unwritten = [];
    return transitions.length > 0 ? local.recordTransitions({ transitions }) : {};
  }

  /** Takes a transition: its records, then whatever the rules asked for next (the index follows when the task ends). */
  async function interpretEffects(transition: Transition, event: Pick<JourneyEvent, 'type'>, answer?: () => void): Promise<void> {
    const previous = state;
    state = transition.state;
    if (transition.effects.length === 0) return;
    metrics.count(event.type, transition.effects);
    const { records, followUps, sends, erase, chapterEnded: newChapter } = workOf(transition, journeyId);
    if (newChapter) chapterEnded = true;
    const { customerId } = state;
    const at = state.updatedAt;
    const recordKey = `${journeyId}:${state.revision}`;
    // The records, the notices for dealers (their deliveries start once written) and the choice
    // of dealer a hand-off asks for, written with the task's others.
    const notices = dealerNoticesOf(previous, event, transition);
    const routes = followUps.some((e) => e.type === 'ROUTE_HANDOFF');
    const these: TransitionRecords = {
      ...records,
      ...(notices.length > 0 ? { notices: { keyPrefix: `${recordKey}:notice`, journeyId, customerId, score: state.score, at, notices } } : {}),
      ...(routes ? {
        route: {
          key: `${recordKey}:route`, customerId, preferredDealerId: state.preferredDealerId, alreadyTried: state.handoff?.tried ?? [],
          fleet: state.account !== null, // a company goes to a fleet desk
        },
      } : {}),
    };
    const readByActivity = followUps.some((e) => e.type === 'CONSENT_CONFIRMATION_DUE' || e.type === 'CUSTOMER_MESSAGE_DUE');
    let route: TransitionWritten['route'];
    if (routes || answer || erase || sends.length > 0 || readByActivity) ({ route } = await writeRecords(these));
    else unwritten.push(these);
    // Sends read their decisions' rows: queued once those are written.
    sendQueue.push(...sends);
    if (erase) await local.erasePersonalData({ customerId });
    if (answer) {
      // The caller's answer is the state its action led to, with that transition recorded.
      // What follows from it (the next dealer after a decline) goes on after a 1 ms timer:
      // that ends this workflow task, and the answer goes out with it.
      answer();
      if (followUps.length > 0) {
        flushIndex();
        await sleep(1);
      }
    }
    for (const effect of followUps) {
      if (effect.type === 'CONSENT_CONFIRMATION_DUE') {
        await requestConsentConfirmation(effect.key, effect.until, effect.requestedAt);
      } else if (effect.type === 'CUSTOMER_MESSAGE_DUE') {
        await requestOwnMessage(effect);
      } else if (effect.type === 'SCORE_LEADS') {
        await handle({ type: 'LEAD_SCORED', score: scoreOfJourney(state, now(), policy) });
      } else if (effect.type === 'ROUTE_HANDOFF') {
        await handle(route?.dealerId
          ? {
            type: 'HANDOFF_OFFERED', dealerId: route.dealerId,
            ...(route.acceptanceSlaMs ? { acceptanceSlaMs: route.acceptanceSlaMs } : {}),
            ...(route.businessHours ? { businessHours: route.businessHours } : {}),
          }
          : { type: 'NO_DEALER_AVAILABLE' });
      }
    }
  }

  /**
   * The journey's own survey or service reminder, from the owner, through the same arbitration
   * as anyone's; in a company's journey for one driver and their car.
   */
  async function requestOwnMessage({ purpose, dealerId, channel = 'EMAIL', recipientId, vin }: CustomerMessageDue): Promise<void> {
    const request: CommunicationRequest = {
      communicationId: uuid4(),
      sender: dealerId ? { kind: 'DEALER', dealerId } : { kind: 'OEM' },
      purpose,
      channel,
      templateId: purpose === 'SURVEY' ? 'satisfaction-survey' : 'service-reminder',
      ...(recipientId ? { recipientId } : {}),
    };
    flushIndex();
    await activities.prepareJourneyMessage({ ...request, customerId: input.customerId, journeyId, ...(vin ? { vin } : {}) });
    await handle({ type: 'COMMUNICATION_REQUESTED', request });
  }

  /**
   * The confirmation request: a transactional message from the OEM carrying the signed link (by
   * e-mail for e-mail, by text message for text and phone), through arbitration like any other.
   */
  async function requestConsentConfirmation(key: ConsentKey, until: string, requestedAt: string): Promise<void> {
    const channel = confirmationChannelOf(key);
    const request: CommunicationRequest = {
      communicationId: uuid4(), sender: { kind: 'OEM' }, purpose: 'TRANSACTIONAL', channel,
      templateId: channel === 'EMAIL' ? 'consent-confirmation' : 'phone-consent-confirmation',
    };
    flushIndex();
    await activities.prepareConsentConfirmation({ ...request, customerId: input.customerId, journeyId, key, until, requestedAt });
    await handle({ type: 'COMMUNICATION_REQUESTED', request });
  }

  async function handle(pending: PendingEvent, answer?: () => void): Promise<void> {
    if (!state) throw new Error('no journey state');
    await interpretEffects(applyJourneyEvent(state, { ...pending, at: now() } as JourneyEvent, policy), pending, answer);
  }

  for (;;) {
    const deadline = state ? nextDeadline(state) : null;
    // What ops read on the details page in the Temporal UI while the journey waits (no command, no history).
    if (state) setCurrentDetails(journeyCurrentDetails(state, deadline));
    const ready = () => firstRecord !== null || leads.length > 0 || inbox.length > 0 || newerPolicy !== null || (waitingForSend ? sendingNow === null : historyIsLarge());
    await writeRecords(); // the task ends here: its records in one write,
    flushIndex(); // and the index once, with where the journey stands
    const woke = deadline
      ? await condition(ready, Math.max(1, Date.parse(deadline.at) - Date.now()))
      : (await condition(ready), true);
    if (!woke && deadline) await handle({ type: deadline.event } as PendingEvent);

    // (set by the signal handler: TypeScript cannot see that, hence the annotation)
    const change = newerPolicy as { version: number; policy: JourneyPolicy } | null;
    if (change) {
      // From now on the journey decides by the OEM's newer rules; deadlines already set stay.
      newerPolicy = null;
      policy = { ...DEFAULT_POLICY, ...change.policy };
      policyVersion = change.version;
      unwritten.push({
        tasks: [{ key: `${journeyId}:policy:${change.version}`, journeyId, assignee: 'OEM', kind: 'POLICY_CHANGED', detail: `journey policy version ${change.version}`, at: now() }],
      });
    }

    if (firstRecord && !state) {
      const imported: CustomerImported = firstRecord;
      firstRecord = null;
      await interpretEffects(startImportedJourney(journeyId, input.customerId, imported, now(), policy), { type: 'CUSTOMER_IMPORTED' });
    }
    while (leads.length > 0) {
      const lead = leads.shift()!;
      if (!state) {
        await interpretEffects(startJourney(journeyId, input.customerId, lead, now(), policy), { type: 'LEAD_CAPTURED' });
        await handle({ type: 'QUALIFICATION_STARTED' });
      } else if (state.stage !== 'ERASED') {
        await handle({ type: 'LEAD_CAPTURED', lead });
      }
    }
    while (inbox.length > 0 && state) {
      const { event, ticket } = inbox.shift()!;
      let answered = false;
      const answer = (outcome: Outcome) => {
        if (ticket && !answered) outcomes.set(ticket, outcome);
        answered = true;
      };
      try {
        await handle(event, ticket ? () => answer({ state: state! }) : undefined);
        // Actions that changed nothing are answered here.
        answer({ state: state! });
      } catch (error) {
        // The journey changed between validation and now; the caller gets the reason.
        if (!(error instanceof TransitionRefused)) throw error;
        answer({ refused: error.message });
      }
    }
    if (state?.stage === 'ERASED') {
      await writeRecords();
      flushIndex();
      await condition(allHandlersFinished);
      return;
    }
    if ((historyIsLarge() || chapterEnded) && state) {
      if (sendingNow) {
        // The message being sent would be sent again by the next run: let it finish first,
        // starting no other send, while signals and updates are still served above.
        closingRun = true;
        waitingForSend = true;
        continue;
      }
      // Let running handlers finish so nothing they accepted is lost, then carry everything over.
      await condition(allHandlersFinished);
      await writeRecords();
      flushIndex(); // the next run starts with these
      await continueAsNew<typeof journey>({
        customerId: input.customerId,
        policy,
        policyVersion,
        carried: { state, pendingLeads: leads, pendingEvents: inbox.map((q) => q.event), pendingSends: sendQueue },
      });
    }
  }
}

function historyIsLarge(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
}

const SEARCH_ATTRIBUTE_KEYS: Record<string, SearchAttributeUpdatePair['key']> = {
  JourneyStage: JourneyStageKey, CustomerOwner: CustomerOwnerKey, DealerId: DealerIdKey, LeadSource: LeadSourceKey, Market: MarketKey,
};

/** Where the journey stands, as ops filter by it (null removes an attribute; no personal data). */
function indexOf(state: JourneyState): Map<string, string | null> {
  return new Map<string, string | null>([
    ['JourneyStage', state.stage], ['CustomerOwner', state.owner], ['DealerId', state.dealerId], ['LeadSource', state.lastLeadSource],
    ...(state.market ? [['Market', state.market.market] as [string, string]] : []),
  ]);
}
