// Brands as the OEM sets them (docs/customer-care.md): name, sender, default language, the legal
// footer and message texts per language. Every message, the customer's pages and dealers' ADF
// documents use them; a text missing in a language falls back to the brand's default language and
// is listed here (`missingTranslations`).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { brandFromRow, saveBrand } from '../../communications/brands.js';
import { brandTemplateProblem, TEMPLATES } from '../../communications/templates.js';
import { missingTranslations, type Brand, type BrandTexts } from '../../domain/brands.js';
import type { PrismaClient } from '../../platform/db.js';
import { email, text } from '../../platform/validation.js';
import { Problem, sendInvalid } from '../problems.js';

const LANGUAGE = /^[a-z]{2}$/;
/** Texts keep their line breaks (a footer's address lines; `text` refuses only other control characters). */
const longText = text;

const BrandLanguageTexts = z.strictObject({
  legalFooter: longText(2_000).optional().describe('Under every message in this language (the imprint, the registered office)'),
  templates: z.partialRecord(z.enum(Object.keys(TEMPLATES) as [string, ...string[]]), z.strictObject({ subject: text(200), text: longText(5_000) })).optional()
    .describe("The brand's own words for a message template in this language: the template's {{names}}, {{firstName}} and {{senderName}}"),
});

export const BrandBody = z
  .strictObject({
    name: text(100).describe('As customers know it: on pages and in dealers\' ADF documents'),
    defaultLanguage: z.string().regex(LANGUAGE, 'ISO 639-1, e.g. de').describe('What a missing translation falls back to'),
    senderName: text(100).describe("Who the OEM's messages are from (dealers' messages are from the dealer)"),
    senderAddress: email(),
    isDefault: z.boolean().default(false).describe('The brand of customers whose dealer has none of its brands set up (or who have no dealer)'),
    texts: z.record(z.string().regex(LANGUAGE, 'ISO 639-1, e.g. de'), BrandLanguageTexts).default({}),
  })
  .superRefine((b, ctx) => {
    for (const [language, texts] of Object.entries(b.texts)) {
      for (const [id, words] of Object.entries(texts.templates ?? {})) {
        if (!words) continue;
        for (const part of ['subject', 'text'] as const) {
          const problem = brandTemplateProblem(id, words[part]);
          if (problem) ctx.addIssue({ code: 'custom', path: ['texts', language, 'templates', id, part], message: problem });
        }
      }
    }
  })
  .meta({ id: 'Brand' });

const BrandView = z.object({
  brandId: z.string(), name: z.string(), defaultLanguage: z.string(), senderName: z.string(), senderAddress: z.string(), isDefault: z.boolean(),
  texts: z.record(z.string(), z.unknown()),
  missingTranslations: z.array(z.object({ language: z.string(), key: z.string() })).describe('What a language lacks against the default language (sent in the default language until translated)'),
}).meta({ id: 'BrandView' });
const view = (b: Brand) => ({ ...b, missingTranslations: missingTranslations(b) });

export const brandRoutes = ({ db }: { db: PrismaClient }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/brands', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: { tags: ['brands'], summary: 'The brands with their texts and what each language still lacks', response: { 200: z.object({ items: z.array(BrandView) }) } },
  }, async (_request, reply) => reply.send({ items: (await db.brand.findMany({ orderBy: { id: 'asc' } })).map((r) => view(brandFromRow(r))) }));

  app.put('/v1/brands/:id', {
    config: { access: { roles: ['OEM'] } },
    bodyLimit: 512 * 1024,
    schema: {
      tags: ['brands'], summary: "Set a brand (as dealers' `brands` name it): its name, sender, default language, legal footer and message texts per language; the same again changes nothing",
      params: z.object({ id: z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'as dealers name their brands, e.g. VW') }),
      body: BrandBody,
      response: { 200: BrandView, 400: Problem },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (Object.keys(body.texts).length > 0 && !body.texts[body.defaultLanguage]) return sendInvalid(reply, 'texts', `the default language ${body.defaultLanguage} needs its texts first`);
    return reply.send(view(await saveBrand(db, request.params.id, { ...body, texts: body.texts as Record<string, BrandTexts> })));
  });
};
