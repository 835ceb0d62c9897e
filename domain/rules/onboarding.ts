// A customer record from the OEM's onboarding file for a customer who has a journey already:
// what is new is added (the record as a lead, consents it does not know, vehicles), nothing is
// overwritten — where the journey stands, who owns the customer and what they agreed stay.
// One exception: a later row of the same file bringing the first car to a journey that file
// started as a prospect (a company's drivers after its fleet manager) places it as if the rows
// had come together — the owner with their dealer.
import { withContact } from '../fleets.js';
import { MAX_REMEMBERED_LEADS } from '../journey.js';
import { latestVehicle, ownerTimersOf, placementOf, withImportedConsents } from '../onboarding.js';
import type { RuleBook } from './builder.js';

/** The rules of this phase, by event (domain/transitions.ts dispatches to them). */
export const ONBOARDING_RULES = {
  CUSTOMER_IMPORTED: ({ t, state, event, policy }) => {
    const { lead, record } = event;
    // The same row again (a retried chunk, the relay): nothing new.
    if (state.leads.some((l) => l.leadId === lead.leadId)) return t.unchanged();
    t.set({
      leads: [...state.leads, lead].slice(-MAX_REMEMBERED_LEADS),
      leadCount: state.leadCount + 1,
      consent: withImportedConsents(state.consent, lead.consentRegime, lead.consents),
    });
    const known = new Set([state.vehicle?.vin, ...(state.fleet ?? []).map((v) => v.vin)]);
    const added = record.vehicles.filter((v) => !known.has(v.vin));
    // A company's row: its person joins the company's people, and drives the row's cars.
    const person = state.account ? lead.account?.contact : undefined;
    if (person) t.set({ account: withContact(state.account!, person) });
    for (const { dealerId, ...vehicle } of added) t.effect({ type: 'SALE_RECORDED', dealerId, vehicle, imported: true, ...(person ? { driverId: person.contactId } : {}) });
    if (person && added.length > 0) t.set({ fleet: [...(state.fleet ?? []), ...added.map((v) => ({ vin: v.vin, model: v.model, soldOn: v.soldOn, driverId: person.contactId }))] });
    const newest = latestVehicle(added);
    if (newest && !state.vehicle) t.set({ vehicle: { vin: newest.vin, model: newest.model, soldOn: newest.soldOn, ...(newest.price ? { price: newest.price } : {}) } });
    const sameFileProspect = state.stage === 'QUALIFYING' && state.owner === 'OEM' && !state.vehicle && state.imported?.importId === record.importId;
    const placement = sameFileProspect && newest ? placementOf({ ...record, vehicles: added }, event.at, policy) : null;
    if (placement === 'DEALER_OWNED' || placement === 'BACK_IN_MARKET') {
      const dealerId = record.dealerId!;
      t.moveTo('DEALER_OWNED').owner({ kind: 'DEALER', dealerId }, `IMPORTED: ${record.source}`, `import:${record.importId}`);
      t.set({ preferredDealerId: dealerId, handoffBlockedUntil: null, ...ownerTimersOf({ ...record, vehicles: added }, placement, event.at, policy) });
    }
    return t.done();
  },
} satisfies Partial<RuleBook>;
