// The connected car (issue 13, seed 002): the OEM's connected-vehicle backend reports what a
// sold vehicle says (mileage, service due, a warning light, battery health). The VIN finds the
// buyer's journey through the sale record; the journey decides what follows (a service
// reminder from the dealer through arbitration, a service task for the dealer).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { journeyIdFor } from '../../domain/journey.js';
import { VEHICLE_EVENT_KINDS, vinMarketProblem, vinShapeProblem, type VehicleEvent } from '../../domain/vehicles.js';
import type { PrismaClient } from '../../platform/db.js';
import { text } from '../../platform/validation.js';
import { recordVehicleEventUpdate } from '../../workflows/definitions.js';
import type { Client } from '@temporalio/client';
import { callJourneyUpdate } from '../journey-updates.js';
import { Problem, sendNotFound, sendInvalid, sendProblem } from '../problems.js';

const VinParams = z.object({
  vin: z.string().superRefine((vin, ctx) => {
    const problem = vinShapeProblem(vin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).meta({ pattern: '^[A-HJ-NPR-Z0-9]{17}$' }),
});
const VehicleEventBody = z
  .strictObject({
    eventId: text(100).describe('The backend\'s id of the event: a repeat with it is answered once'),
    kind: z.enum(VEHICLE_EVENT_KINDS),
    mileageKm: z.number().int().min(0).max(5_000_000).optional(),
    warningCode: z.string().regex(/^[A-Z0-9-]{1,20}$/, 'a warning code such as P0420').optional(),
    batteryHealthPercent: z.number().min(0).max(100).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'MILEAGE' && b.mileageKm === undefined) ctx.addIssue({ code: 'custom', path: ['mileageKm'], message: 'a MILEAGE event gives mileageKm' });
    if (b.kind === 'BATTERY_HEALTH' && b.batteryHealthPercent === undefined) ctx.addIssue({ code: 'custom', path: ['batteryHealthPercent'], message: 'a BATTERY_HEALTH event gives batteryHealthPercent' });
  })
  .meta({ id: 'VehicleEvent' });
const Accepted = z.object({ eventId: z.string(), journeyId: z.string(), duplicate: z.boolean().describe('true: this event id was received before (nothing new happens)') });


export const vehicleRoutes = ({ db, temporal }: { db: PrismaClient; temporal: Client }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/vehicles/:vin/events', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['connected car'],
      summary: 'What a sold vehicle reports: mileage, service due, a warning light, battery health; the buyer\'s journey decides what follows',
      description: 'SERVICE_DUE: a service reminder from the owning dealer, through contact arbitration (in the car where the customer agreed to in-vehicle messages). ' +
        'WARNING_LIGHT, or BATTERY_HEALTH below 70 %: a service task for the dealer. A VIN no vehicle was sold with is a 404 and nothing is stored; ' +
        'a repeated eventId is answered once (duplicate: true). 409 when the buyer is no longer a dealer\'s customer (back in market, erased).',
      params: VinParams, body: VehicleEventBody,
      response: { 202: Accepted, 400: Problem, 404: Problem, 409: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const { vin } = request.params;
    const body = request.body;
    const sale = await db.sale.findFirst({ where: { vin }, orderBy: { at: 'desc' }, select: { customerId: true } });
    if (!sale) return sendNotFound(reply, 'vehicle', vin);
    const customer = await db.customer.findUnique({ where: { id: sale.customerId }, select: { country: true } });
    const checkDigit = customer?.country ? vinMarketProblem(vin, customer.country) : null;
    if (checkDigit) return sendInvalid(reply, 'vin', checkDigit);

    const journeyId = journeyIdFor(sale.customerId);
    const event: VehicleEvent = { vin, ...body };
    const inserted = await db.vehicleEvent.createMany({ data: [{ eventId: body.eventId, vin, kind: body.kind, journeyId, data: body }], skipDuplicates: true });
    if (inserted.count === 0) {
      const earlier = await db.vehicleEvent.findUnique({ where: { eventId: body.eventId }, select: { vin: true } });
      if (earlier && earlier.vin !== vin) return sendProblem(reply, { type: 'conflict', title: 'Already used', status: 409, detail: `eventId ${body.eventId} was used for another vehicle` });
    }
    // Stored first: the journey hears of it now, or again when the backend repeats the event (it ignores a repeat).
    const outcome = await callJourneyUpdate(temporal, journeyId, recordVehicleEventUpdate, event);
    // Refused, or no journey: nothing half-written (an event the journey never takes is not kept).
    if ((outcome.kind === 'refused' || outcome.kind === 'not-found') && inserted.count === 1) await db.vehicleEvent.delete({ where: { eventId: body.eventId } });
    switch (outcome.kind) {
      case 'answered': return reply.status(202).send({ eventId: body.eventId, journeyId, duplicate: inserted.count === 0 });
      case 'refused': return sendProblem(reply, { type: 'journey-refused', title: 'The journey refused the event', status: 409, detail: outcome.reason });
      case 'not-found': return sendProblem(reply, { type: 'no-journey', title: 'The buyer has no running journey', status: 409, detail: 'the journey of this vehicle\'s buyer has ended (erased)' });
      case 'unavailable':
        reply.header('retry-after', '30');
        return sendProblem(reply, { type: 'journey-unavailable', title: 'The journey did not answer in time', status: 503, detail: 'the event is stored; repeat it with the same eventId' });
    }
  });
};
