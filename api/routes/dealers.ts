// Dealer administration by the OEM. Strict bodies: unknown fields are refused, so a
// client can never set what it should not (no mass assignment).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AT_LEAST_ONE_FIELD, text, timeZone } from '../../platform/validation.js';
import { Prisma, type Dealer } from '../../generated/prisma/client.js';
import { isUniqueViolation, type PrismaClient } from '../../platform/db.js';
import { Problem, sendNotFound, sendProblem } from '../problems.js';
import { WEEKDAYS } from '../../domain/business-hours.js';
import type { RouteAccess } from '../../domain/access.js';
import { DEALER_CAPABILITIES } from '../../domain/routing.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour clock');
const OpeningHours = z
  .tuple([clock, clock])
  .refine(([open, close]) => open < close, 'opening time must be before closing time')
  .describe('[opens, closes] in the dealer\'s time zone');


export const DealerId = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,63}$/, 'upper-case letters, digits and dashes, e.g. DLR-BERLIN-MITTE');

export const dealerFields = {
  name: text(200),
  territory: z.array(z.string().trim().regex(/^[0-9A-Z]{1,10}$/, 'a postal-code prefix, e.g. 101')).max(2000).describe('Postal-code prefixes; routing takes the longest match'),
  brands: z.array(text(50)).max(50),
  region: text(100).nullable().describe("The OEM's sales region the dealer belongs to (the scorecard's groupBy=region)"),
  capacity: z.number().int().min(0).max(100_000).describe('Open sales the dealer takes at once'),
  capabilities: z.array(z.enum(DEALER_CAPABILITIES)).max(DEALER_CAPABILITIES.length)
    .refine((c) => new Set(c).size === c.length, 'each capability once')
    .describe('FLEET_DESK: a business / fleet sales desk; only such dealers are offered companies'),
  acceptanceSlaMinutes: z.number().int().min(5).max(10_080).nullable().describe("Replaces the OEM's acceptance SLA for hand-offs to this dealer"),
  timeZone: timeZone(),
  businessHours: z
    .strictObject(Object.fromEntries(WEEKDAYS.map((day) => [day, OpeningHours.optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<typeof OpeningHours>>)
    .nullable()
    .describe('Opening hours per weekday (MON…SUN); closed on days not listed. The acceptance SLA counts open hours only'),
  closedOn: z
    .array(z.iso.date('YYYY-MM-DD'))
    .max(400)
    .describe("Whole days closed (holidays), YYYY-MM-DD in the dealer's time zone; the acceptance SLA skips them"),
};

const NewDealer = z
  .strictObject({
    id: DealerId,
    ...dealerFields,
    brands: dealerFields.brands.default([]),
    region: dealerFields.region.default(null),
    capacity: dealerFields.capacity.default(50),
    capabilities: dealerFields.capabilities.default([]),
    acceptanceSlaMinutes: dealerFields.acceptanceSlaMinutes.default(null),
    timeZone: dealerFields.timeZone.default('Europe/Berlin'),
    businessHours: dealerFields.businessHours.default(null),
    closedOn: dealerFields.closedOn.default([]),
  })
  .meta({ id: 'NewDealer' });

const DealerChange = z
  .strictObject({ ...dealerFields, active: z.boolean().describe('true re-activates a deactivated dealer') })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'name at least one field to change')
  .meta({ id: 'DealerChange', ...AT_LEAST_ONE_FIELD });

export const DealerView = z
  .object({
    id: z.string(), name: z.string(), territory: z.array(z.string()), brands: z.array(z.string()), region: z.string().nullable(), capacity: z.number().int(),
    capabilities: z.array(z.enum(DEALER_CAPABILITIES)),
    acceptanceSlaMinutes: z.number().int().nullable(), timeZone: z.string(),
    businessHours: z.record(z.string(), z.tuple([z.string(), z.string()])).nullable(), closedOn: z.array(z.string()), active: z.boolean(),
    createdAt: z.string(), updatedAt: z.string(),
  })
  .meta({ id: 'Dealer' });

const view = (d: Dealer): z.infer<typeof DealerView> => ({
  id: d.id, name: d.name, territory: d.territory, brands: d.brands, region: d.region, capacity: d.capacity,
  capabilities: d.capabilities as z.infer<typeof DealerView>['capabilities'], acceptanceSlaMinutes: d.acceptanceSlaMinutes,
  timeZone: d.timeZone, businessHours: (d.businessHours as Record<string, [string, string]> | null) ?? null, closedOn: d.closedOn, active: d.active,
  createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
});

const DealerParams = z.object({ id: DealerId });

/** Who changes a dealer's record (territory, SLA, opening hours): the OEM only, in the API and the workspace. */
export const DEALER_ADMINS: RouteAccess = { roles: ['OEM'] };

export const dealerRoutes = (db: PrismaClient): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/dealers', {
    config: { access: { roles: ['OEM'] } },
    bodyLimit: 256 * 1024,
    schema: { tags: ['dealers'], summary: 'Add a dealer to the network', body: NewDealer, response: { 201: DealerView, 400: Problem, 409: Problem } },
  }, async (request, reply) => {
    const { businessHours, ...fields } = request.body;
    try {
      const dealer = await db.dealer.create({ data: { ...fields, ...(businessHours ? { businessHours } : {}) } });
      return reply.status(201).send(view(dealer));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return sendProblem(reply, { type: 'conflict', title: 'Dealer exists', status: 409, detail: `id: dealer ${request.body.id} already exists`, errors: [{ field: 'id', message: 'already exists' }] });
    }
  });

  app.get('/v1/dealers', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['dealers'], summary: 'The dealer network',
      querystring: z.strictObject({ active: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(DealerView) }), 400: Problem },
    },
  }, async (request, reply) => {
    const active = request.query.active === undefined ? undefined : request.query.active === 'true';
    const dealers = await db.dealer.findMany({ where: active === undefined ? {} : { active }, orderBy: { id: 'asc' } });
    return reply.send({ items: dealers.map(view) });
  });

  app.get('/v1/dealers/:id', {
    config: { access: { roles: ['OEM', 'OPS', 'DEALER'], dealerParam: 'id' } },
    schema: { tags: ['dealers'], summary: 'One dealer (a dealer key reads its own record)', params: DealerParams, response: { 200: DealerView, 404: Problem } },
  }, async (request, reply) => {
    const dealer = await db.dealer.findUnique({ where: { id: request.params.id } });
    return dealer ? reply.send(view(dealer)) : sendNotFound(reply, 'dealer', request.params.id);
  });

  app.patch('/v1/dealers/:id', {
    config: { access: DEALER_ADMINS },
    bodyLimit: 256 * 1024,
    schema: { tags: ['dealers'], summary: "Change a dealer's territory, brands, region, capacity, capabilities, SLA, time zone or hours", params: DealerParams, body: DealerChange, response: { 200: DealerView, 400: Problem, 404: Problem } },
  }, async (request, reply) => {
    const { businessHours, ...fields } = request.body;
    const data = { ...fields, ...(businessHours === undefined ? {} : { businessHours: businessHours ?? Prisma.DbNull }) };
    const updated = await db.dealer.updateMany({ where: { id: request.params.id }, data });
    if (updated.count === 0) return sendNotFound(reply, 'dealer', request.params.id);
    return reply.send(view(await db.dealer.findUniqueOrThrow({ where: { id: request.params.id } })));
  });

  app.delete('/v1/dealers/:id', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['dealers'], summary: 'Deactivate a dealer: no new hand-offs; open offers run out to the next dealer',
      description: 'The dealer is kept (its history stays readable); PATCH {"active": true} brings it back.',
      params: DealerParams, response: { 200: DealerView, 404: Problem },
    },
  }, async (request, reply) => {
    const updated = await db.dealer.updateMany({ where: { id: request.params.id }, data: { active: false } });
    if (updated.count === 0) return sendNotFound(reply, 'dealer', request.params.id);
    return reply.send(view(await db.dealer.findUniqueOrThrow({ where: { id: request.params.id } })));
  });
};
