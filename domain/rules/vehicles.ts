// The connected car's events: a service due now, a warning for the dealer (../vehicles.ts decides).
import { REMEMBERED_VEHICLE_EVENTS, outcomeOf } from '../vehicles.js';
import { type RuleBook, plus } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const VEHICLES_RULES = {
  VEHICLE_EVENT: ({ t, state, event, policy, refuse, requireStage }) => {
    const v = event.vehicleEvent;
    const seen = state.vehicleEventIds;
    if (seen.includes(v.eventId)) return t.unchanged(); // the backend sent it again
    requireStage('DEALER_OWNED');
    const ofFleet = state.fleet?.find((f) => f.vin === v.vin);
    if (state.vehicle?.vin !== v.vin && !ofFleet) refuse(`${v.vin} is not the vehicle this customer bought here`);
    t.set({ vehicleEventIds: [...seen, v.eventId].slice(-REMEMBERED_VEHICLE_EVENTS), ...(v.mileageKm !== undefined ? { vehicleMileageKm: v.mileageKm } : {}) });
    const outcome = outcomeOf(v);
    if (outcome.kind === 'SERVICE_REMINDER') {
      // The car knows better than the calendar: remind now (in the car where the customer
      // agreed to it), and the yearly reminder counts from today.
      const inCar = state.consent.granted.some((k) => k.startsWith('IN_VEHICLE:'));
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
  },
} satisfies Partial<RuleBook>;
