// What managers look after in the workspace: a dealer's settings (how it is told of hand-offs,
// its opening hours) and the people who log in. Each form is the API's own operation under
// the API route's rule (DELIVERY_SETTERS, DEALER_ADMINS, decideAccountManagement), narrowed
// to the people's roles that manage: a dealer's sales manager, the OEM lead desk.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteAccess } from '../../domain/access.js';
import type { TargetPolicy } from '../../delivery/targets.js';
import { WEEKDAYS } from '../../domain/business-hours.js';
import { decideAccountManagement, USER_ROLES } from '../../domain/users.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { PrismaClient } from '../../platform/db.js';
import type { UserStore } from '../../platform/users.js';
import { PageAccessDenied } from '../access.js';
import { deliverySettingsBody, DELIVERY_SETTERS, rotateSigningSecret, saveDeliverySettings } from '../routes/dealer-delivery.js';
import { DEALER_ADMINS, DealerId, dealerFields } from '../routes/dealers.js';
import { createAccount, NewUser } from '../routes/users.js';
import { message, page, withDone } from './page.js';

const MANAGERS = ['SALES_MANAGER', 'OEM_LEAD_DESK'] as const;
/** A dealer's settings page and its delivery forms: its sales manager, or the OEM lead desk. */
const SETTINGS: RouteAccess = { ...DELIVERY_SETTERS, userRoles: MANAGERS };
/** Opening hours count against the acceptance SLA: the OEM sets them (as `PATCH /v1/dealers/:id`). */
const HOURS: RouteAccess = { ...DEALER_ADMINS, userRoles: ['OEM_LEAD_DESK'] };
const DEALER_LIST: RouteAccess = { ...DEALER_ADMINS, userRoles: ['OEM_LEAD_DESK'] };
/** People: the OEM lead desk (everyone), a sales manager (its salespeople); the rule itself is decideAccountManagement. */
const PEOPLE: RouteAccess = { roles: ['OEM', 'DEALER'], userRoles: MANAGERS };

const Csrf = z.string().optional();
const DealerParam = z.object({ id: DealerId });
const DeliveryForm = z.object({ webhookUrl: z.string().max(2000), adfEmail: z.string().max(320), _csrf: Csrf });
const HoursForm = z.record(z.string(), z.string().max(4000));
const UserForm = z.object({ email: z.string(), name: z.string(), role: z.string(), dealerId: z.string().optional(), password: z.string(), _csrf: Csrf });
const UserChangeForm = z.object({ change: z.enum(['deactivate', 'activate', 'unlock']), _csrf: Csrf });

const blankAsNull = (value: string) => (value.trim() === '' ? null : value.trim());
const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return `${issue.path.join('.')}: ${issue.message}`;
};

export interface AdministrationDeps {
  db: PrismaClient;
  users: UserStore;
  /** Which webhook addresses are allowed (loopback in development only). */
  targets: TargetPolicy;
}

export const administrationPages = ({ db, users, targets }: AdministrationDeps): FastifyPluginAsyncZod => async (app) => {
  const DeliverySettingsBody = deliverySettingsBody(targets);
  async function settingsPage(dealerId: string, extra: { secret?: string; flash?: string | null } = {}) {
    const [dealer, delivery] = await Promise.all([
      db.dealer.findUnique({ where: { id: dealerId } }),
      db.dealerDeliverySettings.findUnique({ where: { dealerId } }),
    ]);
    if (!dealer) throw new PageAccessDenied(404, 'not found');
    const hours = (dealer.businessHours ?? {}) as Record<string, [string, string]>;
    return { dealer, delivery, hours, weekdays: WEEKDAYS, secret: extra.secret ?? null, flash: extra.flash ?? null };
  }

  app.get('/workspace/dealers', { config: { access: DEALER_LIST, page: true } }, async (_request, reply) =>
    page(reply, 'dealers', { dealers: await db.dealer.findMany({ orderBy: { id: 'asc' } }) }));

  app.get('/workspace/dealers/:id/settings', { config: { access: SETTINGS, page: true }, schema: { params: DealerParam } }, async (request, reply) =>
    page(reply, 'settings', await settingsPage(request.params.id, { flash: (request.query as { done?: string }).done ?? null })));

  app.post('/workspace/dealers/:id/delivery', {
    config: { access: SETTINGS, page: true }, preValidation: app.csrfProtection, schema: { params: DealerParam, body: DeliveryForm },
  }, async (request, reply) => {
    const { id } = request.params;
    const body = DeliverySettingsBody.safeParse({ webhookUrl: blankAsNull(request.body.webhookUrl), adfEmail: blankAsNull(request.body.adfEmail) });
    if (!body.success) return message(reply, 'Please check the settings', firstIssue(body.error), 400);
    await settingsPage(id); // 404 page for a dealer that does not exist
    const { secret } = await saveDeliverySettings(db, id, body.data);
    // A new signing secret is shown on this answer only, never in a URL or again.
    if (secret) return page(reply, 'settings', await settingsPage(id, { secret, flash: 'Saved. The webhook has a signing secret: copy it now, it is not shown again.' }));
    return reply.redirect(withDone(`/workspace/dealers/${id}/settings`, 'Saved.'), 303);
  });

  app.post('/workspace/dealers/:id/webhook-secret', {
    config: { access: SETTINGS, page: true }, preValidation: app.csrfProtection, schema: { params: DealerParam, body: z.object({ _csrf: Csrf }) },
  }, async (request, reply) => {
    const { id } = request.params;
    const { delivery } = await settingsPage(id);
    if (!delivery?.webhookUrl || !delivery.webhookSecret) return message(reply, 'No webhook', 'Set a webhook URL first; it gets its secret then.', 409);
    const { secret } = await rotateSigningSecret(db, id, delivery.webhookSecret, 24);
    return page(reply, 'settings', await settingsPage(id, { secret, flash: 'A new signing secret: copy it now. The previous one keeps signing beside it for 24 hours.' }));
  });

  app.post('/workspace/dealers/:id/hours', {
    config: { access: HOURS, page: true }, preValidation: app.csrfProtection, schema: { params: DealerParam, body: HoursForm },
  }, async (request, reply) => {
    const { id } = request.params;
    const form = request.body;
    const weekly = Object.fromEntries(WEEKDAYS.flatMap((day) => {
      const open = form[`open-${day}`]?.trim() ?? '';
      const close = form[`close-${day}`]?.trim() ?? '';
      return open || close ? [[day, [open, close]]] : [];
    }));
    const hours = dealerFields.businessHours.safeParse(Object.keys(weekly).length > 0 ? weekly : null);
    if (!hours.success) return message(reply, 'Please check the hours', firstIssue(hours.error), 400);
    const closedOn = dealerFields.closedOn.safeParse((form.closedOn ?? '').split(/[\s,]+/).filter(Boolean));
    if (!closedOn.success) return message(reply, 'Please check the closed days', `closedOn.${firstIssue(closedOn.error)}`, 400);
    const updated = await db.dealer.updateMany({ where: { id }, data: { businessHours: hours.data ?? Prisma.DbNull, closedOn: closedOn.data } });
    if (updated.count === 0) throw new PageAccessDenied(404, 'not found');
    return reply.redirect(withDone(`/workspace/dealers/${id}/settings`, 'Opening hours saved: new offers count open time only.'), 303);
  });

  app.get('/workspace/users', { config: { access: PEOPLE, page: true } }, async (request, reply) => {
    const principal = request.principal!;
    const people = await users.list(principal.role === 'DEALER' ? { dealerId: principal.dealerId! } : {});
    const managed = people.map((person) => ({ ...person, manageable: decideAccountManagement(principal, person, true).allow }));
    const roles = USER_ROLES.filter((role) => decideAccountManagement(principal, { role, dealerId: principal.dealerId }, false).allow);
    const dealers = principal.role === 'OEM' ? await db.dealer.findMany({ where: { active: true }, orderBy: { id: 'asc' }, select: { id: true, name: true } }) : [];
    return page(reply, 'users', { people: managed, roles, dealers, flash: (request.query as { done?: string }).done ?? null });
  });

  app.post('/workspace/users', { config: { access: PEOPLE, page: true }, preValidation: app.csrfProtection, schema: { body: UserForm } }, async (request, reply) => {
    const { email, name, role, password, dealerId } = request.body;
    const body = NewUser.safeParse({ email, name, role, password, ...(dealerId?.trim() ? { dealerId: dealerId.trim() } : {}) });
    if (!body.success) return message(reply, 'Please check the form', firstIssue(body.error), 400);
    const created = await createAccount(users, request.principal!, body.data);
    if (!created.ok) {
      const title = created.status === 403 ? 'Not for your role' : created.status === 409 ? 'Already exists' : 'Please check the form';
      return message(reply, title, created.field ? `${created.field}: ${created.message}` : created.message, created.status);
    }
    return reply.redirect(withDone('/workspace/users', `${created.user.email} can log in now.`), 303);
  });

  app.post('/workspace/users/:userId', {
    config: { access: PEOPLE, page: true }, preValidation: app.csrfProtection, schema: { params: z.object({ userId: z.uuid() }), body: UserChangeForm },
  }, async (request, reply) => {
    const target = await users.find(request.params.userId);
    if (!target) throw new PageAccessDenied(404, 'not found');
    const decision = decideAccountManagement(request.principal!, target, true);
    if (!decision.allow) throw new PageAccessDenied(decision.status, decision.reason);
    const { change } = request.body;
    await users.change(target.id, change === 'unlock' ? { unlock: true } : { active: change === 'activate' });
    const done = { deactivate: `${target.email} can no longer log in.`, activate: `${target.email} can log in again.`, unlock: `${target.email} is unlocked.` }[change];
    return reply.redirect(withDone('/workspace/users', done), 303);
  });
};
