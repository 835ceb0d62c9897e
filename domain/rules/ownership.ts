// Ownership and after-sales: surveys, service reminders and visits, complaints with the OEM's backstop, and back in market after the cycle.
import { NO_OFFER_YET, REMEMBERED_REFS, type RuleBook, SYSTEM, plus } from './builder.js';
import { driversOf } from './fleet.js';
import { SERVICE_APPOINTMENT_SLA_MS } from '../journey.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const OWNERSHIP_RULES = {
  SURVEY_DUE: ({ t, state, refuse }) => {
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
  },
  SERVICE_REMINDER_DUE: ({ t, state, event, policy, requireStage }) => {
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
  },
  SERVICE_VISIT_RECORDED: ({ t, state, event, policy, requireStage, requireDealer }) => {
    // The same visit sent again (a retry, a second click): counted once.
    if (state.serviceVisitIds.includes(event.visitId)) return t.unchanged();
    requireStage('DEALER_OWNED');
    requireDealer(event.dealerId);
    return t
      .set({
        serviceVisits: state.serviceVisits + 1,
        serviceVisitIds: [...state.serviceVisitIds, event.visitId].slice(-REMEMBERED_REFS),
        serviceReminderDueAt: plus(event.at, policy.serviceReminderIntervalMs),
        survey: { kind: 'SERVICE', dueAt: plus(event.at, policy.serviceSurveyDelayMs) },
      })
      .effect({ type: 'AFTERSALES_RECORDED', kind: 'SERVICE_VISIT', dealerId: event.dealerId, ref: event.visitId })
      .done();
  },
  RECALL_REPAIRED: ({ t, state, event, requireStage, requireDealer }) => {
    // The same repair sent again (a retry, a second click): recorded once. Whether the car is under
    // the recall and this dealer's task is the recall's records' to say (api/routes/journeys.ts).
    const ref = `${event.recallId}:${event.vin}`;
    if (state.recallRepairs.includes(ref)) return t.unchanged();
    requireStage('IN_SALES', 'DEALER_OWNED');
    requireDealer(event.dealerId);
    return t
      .set({ recallRepairs: [...state.recallRepairs, ref].slice(-REMEMBERED_REFS) })
      .effect({ type: 'AFTERSALES_RECORDED', kind: 'RECALL_REPAIR', dealerId: event.dealerId, ref })
      .done();
  },
  SERVICE_APPOINTMENT_REQUESTED: ({ t, state, event, requireStage }) => {
    // The same request again (a retry, a second click): asked once.
    const asked = state.appointmentRequests ?? [];
    if (asked.includes(event.requestId)) return t.unchanged();
    requireStage('DEALER_OWNED');
    return t
      .set({ appointmentRequests: [...asked, event.requestId].slice(-REMEMBERED_REFS) })
      .effect({
        type: 'DEALER_TASK', dealerId: state.dealerId!, task: 'SERVICE_APPOINTMENT',
        detail: `${event.reason} from ${event.preferredDate} (request ${event.requestId})`, dueAt: plus(event.at, SERVICE_APPOINTMENT_SLA_MS),
      })
      .done();
  },
  COMPLAINT_OPENED: ({ t, state, event, policy, refuse, requireStage, requireDealer }) => {
    // Opened again (a retry), or resolved already: nothing new.
    if (state.complaint?.complaintId === event.complaintId || state.complaintIds.includes(event.complaintId)) return t.unchanged();
    requireStage('DEALER_OWNED');
    requireDealer(event.dealerId);
    if (state.complaint) refuse(`complaint ${state.complaint.complaintId} is still open`);
    return t
      .set({
        complaint: { complaintId: event.complaintId, openedAt: event.at, backstopAt: plus(event.at, policy.complaintBackstopMs), escalated: false },
        complaintIds: [...state.complaintIds, event.complaintId].slice(-REMEMBERED_REFS),
      })
      .effect({ type: 'DEALER_TASK', dealerId: event.dealerId, task: 'COMPLAINT_FOLLOW_UP' })
      .effect({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_OPENED', dealerId: event.dealerId, ref: event.complaintId })
      .done();
  },
  COMPLAINT_RESOLVED: ({ t, state, event, refuse, requireStage, requireDealer }) => {
    requireStage('DEALER_OWNED');
    requireDealer(event.dealerId);
    if (!state.complaint) return t.unchanged(); // resolved already
    if (state.complaint.complaintId !== event.complaintId) refuse(`complaint ${event.complaintId} is not the open one`);
    return t
      .set({ complaint: null })
      .effect({ type: 'AFTERSALES_RECORDED', kind: 'COMPLAINT_RESOLVED', dealerId: event.dealerId, ref: event.complaintId })
      .done();
  },
  COMPLAINT_BACKSTOP_DUE: ({ t, state, refuse }) => {
    const complaint = state.complaint;
    if (!complaint || complaint.escalated) refuse('no unresolved complaint awaits the OEM');
    const reason = `complaint ${complaint!.complaintId} unresolved by dealer ${state.dealerId}`;
    return t.set({ complaint: { ...complaint!, escalated: true } }).effect({ type: 'ESCALATED', reason }).done();
  },
  OWNERSHIP_CYCLE_ENDED: ({ t, state, requireStage }) => {
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
  },
} satisfies Partial<RuleBook>;
