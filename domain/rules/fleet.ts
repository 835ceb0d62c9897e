// A company's fleet sale: several cars, each with its driver (the rules of companies are in ../fleets.ts).
import { type FleetVehicle, fleetSaleProblem, withContact } from '../fleets.js';
import type { Vehicle } from '../journey.js';
import type { RuleBook } from './builder.js';
import { sale } from './sales.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const FLEET_RULES = {
  FLEET_SOLD: ({ t, state, event, policy, refuse, requireStage, requireDealer }) => {
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
  },
} satisfies Partial<RuleBook>;
/** A fleet vehicle as the sale records keep it (without its driver). */
export function vehicleOf({ vin, model, soldOn, price }: FleetVehicle): Vehicle {
  return { vin, model, soldOn, ...(price !== undefined ? { price } : {}) };
}

/** Each driver once, in the order of their first car. */
export function driversOf(fleet: readonly FleetVehicle[]): string[] {
  return [...new Set(fleet.map((v) => v.driverId))];
}
