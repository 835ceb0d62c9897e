// The shape of one lead, as the API and the file import accept it (zod; the API
// documents it in OpenAPI from the same schema).
import { z } from 'zod';
import { LEAD_SOURCES, PURCHASE_TIMEFRAMES } from '../domain/lead.js';

export const text = (max: number) => z.string().trim().min(1).max(max);

export const LeadBody = z
  .strictObject({
    source: z.enum(LEAD_SOURCES),
    campaign: text(200).optional(),
    event: text(200).optional().describe('Fair or road-show name'),
    interest: z
      .strictObject({
        model: text(100).optional(),
        timeframe: z.enum(PURCHASE_TIMEFRAMES).optional(),
        message: text(2000).optional(),
      })
      .optional(),
    contact: z.strictObject({
      firstName: text(100).optional(),
      lastName: text(100).optional(),
      email: z.string().trim().pipe(z.email().max(254)).optional(),
      phone: text(40).optional(),
      postalCode: text(12).optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE').optional(),
    }),
    receivedAt: z.iso.datetime({ offset: true }).optional(),
    preferredDealerId: text(64).optional().describe('The dealer the customer chose; offered the hand-off first'),
  })
  .meta({ id: 'Lead' });

