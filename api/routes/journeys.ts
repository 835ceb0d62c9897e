// Reading a journey, and the dealer and ops actions on it. Each action is the
// journey's own Update: the journey validates it against its state right now and
// answers with its new state, or refuses with its reason (409) and changes nothing.
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { email, pastDay, text } from '../../platform/validation.js';
import { MAX_FLEET_SALE_VEHICLES } from '../../domain/fleets.js';
import { customerIdOfJourney, SERVICE_APPOINTMENT_REASONS } from '../../domain/journey.js';
import { asDrivers, linkDrivers, resolvePeople } from '../../intake/company-people.js';
import { IntakeRejected } from '../../intake/lead-intake.js';
import { recallTaskRules } from '../../campaigns/recall-tasks.js';
import { ConsentStatementsBody, recordConsentProof, statementsOf } from '../../consent/statements.js';
import { legalRegimeOf } from '../../domain/consent.js';
import { actorOf, journeyAsSeenByDealer, type RouteAccess } from '../../domain/access.js';
import type { PrismaClient } from '../../platform/db.js';
import { JOURNEY_ACTIONS, journeyStateQuery, type ActionArg, type JourneyActionName } from '../../workflows/definitions.js';
import { runJourneyUpdate, updateIdOf } from '../journey-updates.js';
import { isNotFound } from '../../platform/temporal-errors.js';
import { Problem, sendNotFound, sendInvalid } from '../problems.js';
import { IdempotencyHeaders, JourneyParams, JourneyView } from '../schemas.js';

const journeyScope = { param: 'id', kind: 'journeyId' } as const;
const READERS: RouteAccess = { roles: ['OEM', 'OPS', 'DEALER'], customer: { ...journeyScope, use: 'view-journey' } };
/** The dealer's rules for answering an offer and acting on a customer (the workspace's forms take the same). */
export const OFFER_ANSWER: RouteAccess = { roles: ['DEALER'], customer: { ...journeyScope, use: 'answer-offer' } };
export const DEALER_ACTION: RouteAccess = { roles: ['DEALER'], customer: { ...journeyScope, use: 'act' } };

/** Customer care acting for the customer it has on the line: the OEM's people and keys. */
export const CARE_ACTION: RouteAccess = { roles: ['OEM'], customer: { ...journeyScope, use: 'act' } };

/** Reassigning a customer: the OEM lead desk (its escalations) and ops. */
export const REASSIGN: RouteAccess = { roles: ['OEM', 'OPS'], customer: { ...journeyScope, use: 'act' } };


/** Why a reassignment's target is refused (no active dealer of that id), or null. */
export async function reassignTargetProblem(db: PrismaClient, to: 'OEM' | { dealerId: string }): Promise<string | null> {
  if (to === 'OEM' || (await db.dealer.findFirst({ where: { id: to.dealerId, active: true }, select: { id: true } }))) return null;
  return `no active dealer ${to.dealerId}`;
}

export const reason = text(500);
const Decline = z.strictObject({ reason }).meta({ id: 'HandoffDecline' });
/** The vehicle of a sale, as the API and the workspace's sale form take it. */
export const SoldVehicle = z.strictObject({
  vin: z.string().trim().regex(/^[A-HJ-NPR-Z0-9]{17}$/, '17 characters, letters and digits without I, O, Q'),
  model: text(100),
  soldOn: pastDay().describe('YYYY-MM-DD; not in the future, not before 2000'),
  price: z.number().positive().max(10_000_000).optional(),
});
const Sale = z.strictObject({ vehicle: SoldVehicle }).meta({ id: 'SaleReport' });
const Driver = z
  .strictObject({ firstName: text(100).optional(), lastName: text(100).optional(), email: email().optional(), phone: text(40).optional() })
  .refine((d) => d.email !== undefined || d.phone !== undefined, 'a driver needs an e-mail address or a phone number')
  .meta({ anyOf: [{ required: ['email'] }, { required: ['phone'] }], description: 'The person who drives the vehicle; at least an e-mail address or a phone number' });
const FleetSale = z
  .strictObject({ vehicles: z.array(SoldVehicle.extend({ driver: Driver })).min(1).max(MAX_FLEET_SALE_VEHICLES) })
  .refine((b) => new Set(b.vehicles.map((v) => v.vin)).size === b.vehicles.length, { path: ['vehicles'], message: 'each VIN once' })
  .meta({ id: 'FleetSaleReport' });
const Lost = z.strictObject({ reason }).meta({ id: 'LostReport' });
const RecallRepair = z.strictObject({
  recallId: z.uuid().describe('The recall (GET /v1/recall-tasks lists your open ones)'),
  vin: z.string().trim().toUpperCase().pipe(z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'a VIN: 17 letters and digits without I, O or Q')),
}).meta({ id: 'RecallRepair' });
const ServiceVisit = z.strictObject({ visitId: text(100).describe("The dealer's own id of the visit (repeats are ignored)") });
const Complaint = z.strictObject({ complaintId: text(100) });
const Reassign = z
  .strictObject({
    to: z.union([z.literal('OEM'), z.strictObject({ dealerId: text(64) })]),
    reason,
  })
  .meta({ id: 'Reassignment' });
const Disqualify = z.strictObject({ reason });
/** A service appointment the customer asks for: the day they prefer (from today, within a year) and why. */
export const ServiceAppointment = z.strictObject({
  requestId: z.uuid().describe('Your id of the request: sent again, it asks once'),
  reason: z.enum(SERVICE_APPOINTMENT_REASONS),
  preferredDate: z.iso.date('YYYY-MM-DD').refine((d) => {
    const days = (Date.parse(`${d}T00:00:00Z`) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000;
    return days >= 0 && days <= 366;
  }, 'from today, within a year'),
}).meta({ id: 'ServiceAppointmentRequest' });
const ComplaintParams = JourneyParams.extend({ complaintId: text(100) });

const actionResponses = { 200: JourneyView, 400: Problem, 404: Problem, 409: Problem, 503: Problem };

/** How one journey action is served over HTTP: where, for whom, what body, and the Update's argument. */
interface ActionRoute<N extends JourneyActionName, B extends z.ZodType | undefined> {
  action: N;
  path: string;
  access: RouteAccess;
  tag: 'dealer actions' | 'ops actions' | 'journeys';
  summary: string;
  body?: B;
  params?: typeof ComplaintParams;
  /** The Update's argument, from the caller and the request (its body already validated). */
  arg?: (request: FastifyRequest, body: B extends z.ZodType ? z.infer<B> : undefined) => ActionArg<N>;
  /**
   * Instead of `arg`, for actions that look things up first: the argument, and what the route
   * writes once the journey has taken the action (a refused action leaves nothing behind).
   */
  prepare?: (request: FastifyRequest, body: B extends z.ZodType ? z.infer<B> : undefined) => Promise<{ arg: ActionArg<N>; afterwards: () => Promise<void> }>;
  /** Checks the journey cannot make (records in the database); a reply refuses the request. */
  check?: (request: FastifyRequest, body: B extends z.ZodType ? z.infer<B> : undefined, reply: FastifyReply) => Promise<FastifyReply | undefined>;
}
const route = <N extends JourneyActionName, B extends z.ZodType | undefined = undefined>(r: ActionRoute<N, B>) => r;

const dealerOf = (request: FastifyRequest) => request.principal!.dealerId!;
const complaintIdOf = (request: FastifyRequest) => (request.params as { complaintId: string }).complaintId;

const ACTION_ROUTES = (db: PrismaClient, defaultCountry: string) => [
  route({ action: 'accept', path: 'accept', access: OFFER_ANSWER, tag: 'dealer actions', summary: 'Accept the hand-off offered to your dealership (repeats are harmless)', arg: (r) => ({ dealerId: dealerOf(r) }) }),
  route({ action: 'decline', path: 'decline', access: OFFER_ANSWER, tag: 'dealer actions', summary: 'Decline the hand-off; the journey offers it to the next dealer', body: Decline, arg: (r, b) => ({ dealerId: dealerOf(r), reason: b.reason }) }),
  route({ action: 'sale', path: 'sale', access: DEALER_ACTION, tag: 'dealer actions', summary: 'Record the sale; the customer becomes your customer', body: Sale, arg: (r, b) => ({ dealerId: dealerOf(r), vehicle: b.vehicle }) }),
  route({
    action: 'fleetSale', path: 'fleet-sale', access: DEALER_ACTION, tag: 'dealer actions',
    summary: "Record a company's sale of several vehicles, each with its driver; the drivers get their car's service reminders and surveys", body: FleetSale,
    prepare: async (r, b) => {
      const companyId = customerIdOfJourney((r.params as { id: string }).id);
      const company = await db.customer.findUnique({ where: { id: companyId }, select: { country: true } });
      // The journey hears ids and reachability only; the people are written once it took the sale.
      const people = await resolvePeople(db, b.vehicles.map((v) => v.driver), company?.country ?? defaultCountry, (i) => `vehicles.${i}.driver`);
      return {
        arg: {
          dealerId: dealerOf(r), drivers: asDrivers(people),
          vehicles: b.vehicles.map(({ driver: _driver, ...v }, i) => ({ ...v, driverId: people[i]!.contactId })),
        },
        afterwards: () => linkDrivers(db, companyId, people),
      };
    },
  }),
  route({ action: 'lost', path: 'lost', access: DEALER_ACTION, tag: 'dealer actions', summary: 'Record a lost sale; the customer falls back to the OEM after a cool-down', body: Lost, arg: (r, b) => ({ dealerId: dealerOf(r), reason: b.reason }) }),
  route({ action: 'noShow', path: 'no-show', access: DEALER_ACTION, tag: 'dealer actions', summary: 'The customer did not come; the journey falls back to the OEM', arg: (r) => ({ dealerId: dealerOf(r) }) }),
  route({ action: 'serviceVisit', path: 'service-visits', access: DEALER_ACTION, tag: 'dealer actions', summary: "Record a service visit of your customer's vehicle", body: ServiceVisit, arg: (r, b) => ({ dealerId: dealerOf(r), visitId: b.visitId }) }),
  route({
    action: 'recallRepair', path: 'recall-repairs', access: DEALER_ACTION, tag: 'dealer actions', body: RecallRepair,
    summary: "Record the repair of your customer's car under a safety recall; its recall task closes",
    // Only a car of this customer under this recall, whose task is this dealer's.
    check: async (request, body, reply) => {
      if (await recallTaskRules(db).isDealersTask(body, (request.params as { id: string }).id, dealerOf(request))) return undefined;
      return sendNotFound(reply, 'recall task', `${body.recallId}/${body.vin}`);
    },
    prepare: async (request, body) => ({
      arg: { dealerId: dealerOf(request), recallId: body.recallId, vin: body.vin },
      afterwards: () => recallTaskRules(db).close(body, request.principal!.name),
    }),
  }),
  route({ action: 'openComplaint', path: 'complaints', access: DEALER_ACTION, tag: 'dealer actions', summary: 'Record a complaint; the OEM steps in if it is not resolved in time', body: Complaint, arg: (r, b) => ({ dealerId: dealerOf(r), complaintId: b.complaintId }) }),
  route({ action: 'resolveComplaint', path: 'complaints/:complaintId/resolution', params: ComplaintParams, access: DEALER_ACTION, tag: 'dealer actions', summary: 'Record that the complaint is resolved', arg: (r) => ({ dealerId: dealerOf(r), complaintId: complaintIdOf(r) }) }),
  route({
    action: 'reassign', path: 'reassign', access: REASSIGN, tag: 'ops actions',
    summary: 'Move the customer to the OEM or another dealer, with the reason on the ownership ledger (the lead desk handles escalations this way)', body: Reassign,
    arg: (r, b) => ({ ...b, actor: actorOf(r.principal!) }),
    check: async (_r, { to }, reply) => {
      const problem = await reassignTargetProblem(db, to);
      if (!problem) return undefined;
      return sendInvalid(reply, 'to.dealerId', problem);
    },
  }),
  route({
    action: 'recordConsents', path: 'consents', access: CARE_ACTION, tag: 'journeys', body: ConsentStatementsBody,
    summary: "Customer care takes down consents the customer gives or withdraws on a call or in person, with the wording read to them (e-mail marketing under opt-in still waits for their confirmation click)",
    prepare: async (request, body) => {
      const customerId = customerIdOfJourney((request.params as { id: string }).id);
      const customer = await db.customer.findUnique({ where: { id: customerId }, select: { country: true } });
      const requestId = updateIdOf(request, `recordConsents:${(request.params as { id: string }).id}`, request.headers['idempotency-key'] as string | undefined);
      return {
        arg: { regime: legalRegimeOf(customer?.country ?? defaultCountry), statements: statementsOf(body) },
        // The proof once the journey took the statements (a refused one leaves none); a retry writes the same rows.
        afterwards: () => recordConsentProof(db, customerId, body, actorOf(request.principal!), requestId),
      };
    },
  }),
  route({
    action: 'requestServiceAppointment', path: 'service-appointments', access: CARE_ACTION, tag: 'journeys', body: ServiceAppointment,
    summary: "Ask the customer's dealer for a service appointment on their behalf (their own page does the same): the dealer gets a task to call back within 24 hours and a notice",
    arg: (_r, b) => b,
  }),
  route({ action: 'disqualify', path: 'disqualify', access: { roles: ['OEM'], customer: { ...journeyScope, use: 'act' } }, tag: 'journeys', summary: 'The OEM lead desk disqualifies a lead it is qualifying (spam, test, duplicate person)', body: Disqualify, arg: (_r, b) => ({ reason: b.reason }) }),
] as const;

// Every action in the journey's table has a route: this fails to compile otherwise.
type Served = ReturnType<typeof ACTION_ROUTES>[number]['action'];
const everyActionServed: Record<Exclude<JourneyActionName, Served>, never> = {};
void everyActionServed;

export const journeyRoutes = ({ temporal, db, defaultCountry }: { temporal: Client; db: PrismaClient; defaultCountry: string }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/journeys/:id', {
    config: { access: READERS },
    schema: { tags: ['journeys'], summary: "A journey's live state, answered by the journey itself", params: JourneyParams, response: { 200: JourneyView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    try {
      const state = await temporal.workflow.getHandle(request.params.id).query(journeyStateQuery);
      return reply.send(request.principal!.role === 'DEALER' ? journeyAsSeenByDealer(state, dealerOf(request)) : state);
    } catch (error) {
      if (isNotFound(error)) return sendNotFound(reply, 'journey', request.params.id);
      throw error;
    }
  });

  // Each action is the journey's own Update: it answers with its new state or refuses with its reason.
  for (const r of ACTION_ROUTES(db, defaultCountry) as readonly ActionRoute<JourneyActionName, z.ZodType | undefined>[]) {
    app.post(`/v1/journeys/:id/${r.path}`, {
      config: { access: r.access },
      schema: {
        tags: [r.tag], summary: r.summary, params: r.params ?? JourneyParams, headers: IdempotencyHeaders, ...(r.body ? { body: r.body } : {}), response: actionResponses,
        description: 'Send an `Idempotency-Key`: a retry with the same key and body (after a timeout or a 503) is applied once and answered with the first answer.',
      },
    }, async (request, reply) => {
      const body = request.body as never;
      // A check that refused has sent its answer (the reply it returns is thenable, so its value cannot tell).
      await r.check?.(request, body, reply);
      if (reply.sent) return reply;
      let prepared: { arg: ActionArg<JourneyActionName>; afterwards?: () => Promise<void> };
      try {
        prepared = r.prepare ? await r.prepare(request, body) : { arg: r.arg!(request, body) };
      } catch (error) {
        if (error instanceof IntakeRejected) return sendInvalid(reply, error.field, error.message);
        throw error;
      }
      const updateId = updateIdOf(request, `${r.action}:${(request.params as { id: string }).id}`, request.headers['idempotency-key'] as string | undefined);
      return runJourneyUpdate(temporal, reply, (request.params as { id: string }).id, JOURNEY_ACTIONS[r.action].update as never, prepared.arg, prepared.afterwards, updateId);
    });
  }
};
