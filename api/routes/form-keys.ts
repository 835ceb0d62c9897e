// Publishable form keys for web forms on the OEM's sites (OEM only): which origins may post,
// under which campaign, with which consent wordings.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { text } from '../../platform/validation.js';
import type { FormKey, FormKeyStore } from '../../webforms/form-keys.js';
import { Problem, sendNotFound } from '../problems.js';

const OEM_ONLY = { access: { roles: ['OEM' as const] } };

/** An origin as browsers send it: scheme, host and port, nothing else. */
const Origin = z.string().max(200).refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname))) && url.origin === value;
  } catch {
    return false;
  }
}, 'an origin like https://www.example.com (https; http only for localhost; no path or trailing slash)');

const NewFormKey = z.strictObject({
  name: text(100).describe('Which site and form, e.g. "vw.de test-drive form"'),
  campaign: text(200).optional().describe('Every lead from this key carries this campaign (the form cannot choose another)'),
  allowedOrigins: z.array(Origin).min(1).max(20).describe('The sites the form is on; browsers elsewhere are refused'),
  wordingIds: z.array(text(100)).max(50).default([]).describe('The consent wordings the form shows; consents with other ids are refused'),
});

const FormKeyView = z
  .object({
    id: z.string(), key: z.string().describe('Publishable: goes into the page'), name: z.string(), campaign: z.string().nullable(),
    allowedOrigins: z.array(z.string()), wordingIds: z.array(z.string()), createdBy: z.string(), createdAt: z.string(), revokedAt: z.string().nullable(),
  })
  .meta({ id: 'FormKey' });

const view = (k: FormKey) => ({ ...k, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null });

export const formKeyRoutes = (deps: { formKeys: FormKeyStore }): FastifyPluginAsyncZod => async (app) => {
  app.post('/v1/form-keys', {
    config: OEM_ONLY,
    schema: {
      tags: ['web forms'], summary: 'Issue a publishable key for a web form on one of your sites',
      body: NewFormKey, response: { 201: FormKeyView, 400: Problem },
    },
  }, async (request, reply) => reply.status(201).send(view(await deps.formKeys.create({ ...request.body, createdBy: request.principal!.name }))));

  app.get('/v1/form-keys', {
    config: OEM_ONLY,
    schema: { tags: ['web forms'], summary: 'Every form key, newest first', response: { 200: z.object({ items: z.array(FormKeyView) }) } },
  }, async (_request, reply) => reply.send({ items: (await deps.formKeys.list()).map(view) }));

  app.delete('/v1/form-keys/:id', {
    config: OEM_ONLY,
    schema: {
      tags: ['web forms'], summary: 'Revoke a form key: its form stops creating leads at once',
      params: z.object({ id: z.uuid() }), response: { 200: FormKeyView, 400: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const revoked = await deps.formKeys.revoke(request.params.id);
    return revoked ? reply.send(view(revoked)) : sendNotFound(reply, 'form key', request.params.id);
  });
};
