// The workspace in the browser: people log in, a dealer's people answer the hand-offs offered
// to their dealership and work their customers. Server-rendered pages (eta through
// @fastify/view), a form per action, CSRF-checked (@fastify/csrf-protection). Every page
// declares the same access rule as the API route it mirrors; the API's access hook decides
// for both (api/access.ts), with the session's person as the caller.
//
// The inbox refreshes its offers every few seconds by polling a fragment (workspace.js):
// offers change on the journeys' schedule and are read from PostgreSQL, which has no push
// channel here yet; a poll of one indexed query per open inbox is cheap, needs no
// connection held open through proxies, and picks up after a laptop sleeps.
import fastifyCsrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PageAccessDenied } from '../access.js';
import { administrationPages, type AdministrationDeps } from './administration.js';
import { leadDeskPages, type LeadDeskDeps } from './lead-desk.js';
import { carePages } from './care.js';
import { captainPages, type CaptainPagesDeps } from './captains.js';
import { uploadPages } from './uploads.js';
import { dealerTasks } from '../../care/dealer-tasks.js';
import { page, runPageAction, withDone } from './page.js';
import { recallTaskRules } from '../../campaigns/recall-tasks.js';
import { createLeadDeskReadModel } from '../../read-model/lead-desk.js';
import { dealerCustomerSummary, OWN_HISTORY } from '../routes/dealer-workspace.js';
import { DEALER_ACTION, OFFER_ANSWER, reason as reasonText, SoldVehicle } from '../routes/journeys.js';
import { text } from '../../platform/validation.js';
import type { RouteAccess } from '../../domain/access.js';
import { customerIdOfJourney, JOURNEY_ID_PATTERN, journeyIdFor } from '../../domain/journey.js';
import { LOGIN_REFUSED, MIN_PASSWORD_LENGTH } from '../../domain/users.js';
import { clientAddressKey } from '../../platform/client-address.js';
import QRCode from 'qrcode';
import type { UserStore } from '../../platform/users.js';
import type { JourneyReadModel } from '../../read-model/journeys.js';
import { JOURNEY_ACTIONS, type ActionArg, type JourneyActionName } from '../../workflows/definitions.js';

const views = fileURLToPath(new URL('./views', import.meta.url));
const script = readFileSync(new URL('./assets/workspace.js', import.meta.url), 'utf8');
const styles = readFileSync(new URL('./assets/workspace.css', import.meta.url), 'utf8');

const PUBLIC: RouteAccess = { public: true };
const SIGNED_IN: RouteAccess = { roles: ['DEALER', 'OEM', 'OPS'] };
const DEALERS: RouteAccess = { roles: ['DEALER'] };

const JourneyParam = z.object({ id: z.string().regex(JOURNEY_ID_PATTERN, 'a journey id') });
const Login = z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(200), _csrf: z.string().optional() });
const Reason = z.object({ reason: reasonText, _csrf: z.string().optional() });
const SaleForm = z.object({
  vin: z.string(), model: z.string(), soldOn: z.string(), price: z.string().optional(), _csrf: z.string().optional(),
});
const Csrf = z.object({ _csrf: z.string().optional() });
const DealerRef = z.object({ ref: text(100), _csrf: z.string().optional() });
const ComplaintParam = JourneyParam.extend({ complaintId: text(100) });

/** A form that is one journey action: its path under the journey, its rule, its fields, the action's argument and what the page then says. */
interface PageForm<N extends JourneyActionName, B extends z.ZodType> {
  path: string;
  access: RouteAccess;
  body: B;
  action: N;
  arg: (input: FormInput<z.infer<B>>) => ActionArg<N>;
  done: (input: FormInput<z.infer<B>>) => string;
  /** Where the page goes after it (the customer's page when not given). */
  to?: string;
}
type FormInput<B> = { dealerId: string; body: B; complaintId?: string };
const form = <N extends JourneyActionName, B extends z.ZodType>(f: PageForm<N, B>) => f;

export interface WorkspaceDeps extends Omit<LeadDeskDeps, 'desk'>, Omit<AdministrationDeps, 'users'>, Omit<CaptainPagesDeps, 'db' | 'sql'> {
  users: UserStore;
  journeys: JourneyReadModel;
  /** The country of a customer whose records name none (their consent law). */
  defaultCountry?: string;
}

export const workspaceRoutes = (deps: WorkspaceDeps): FastifyPluginAsyncZod => async (app) => {
  const { users, journeys, temporal } = deps;
  const openTasks = dealerTasks(deps.db);
  // Pages, not API: left out of the OpenAPI document (and so of its fuzzing).
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(formbody);
  await app.register(fastifyView, { engine: { eta: new Eta({ views, autoEscape: true }) }, root: views });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });

  // Refusals as pages: not logged in → the login page; not yours → 404, as the API says.
  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof PageAccessDenied) {
      if (error.status === 401) return reply.redirect(`/workspace/login?next=${encodeURIComponent(request.url)}`);
      const title = error.status === 404 ? 'Not found' : error.status === 409 ? 'This offer is closed for you' : 'Not for your role';
      return page(reply, 'message', { title, message: error.status === 404 ? 'There is nothing here for you.' : error.reason }, error.status);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if ((error as { code?: string }).code === 'FST_CSRF_INVALID_TOKEN' || (error as { code?: string }).code === 'FST_CSRF_MISSING_SECRET') {
      return page(reply, 'message', { title: 'The form expired', message: 'Reload the page and send it again.' }, 403);
    }
    if (status === 400) return page(reply, 'message', { title: 'Please check the form', message: (error as Error).message }, 400);
    // The API's handler for the rest: a dependency that is down is a 503 page with Retry-After (api/problems.ts).
    throw error;
  });

  app.get('/workspace/assets/workspace.js', { config: { access: PUBLIC } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script));
  app.get('/workspace/assets/workspace.css', { config: { access: PUBLIC } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(styles));

  app.get('/workspace/login', { config: { access: PUBLIC, page: true } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    return page(reply, 'login', { next, error: null });
  });

  // Per client address (IPv6 by /64) on top of the login's own pauses (domain/users.ts): a flood of
  // attempts is refused before any password is hashed.
  const loginRate = { max: 20, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `login:${clientAddressKey(request.ip)}` };

  /** The login is complete: a new session id (no fixation), the person's, with its start for the absolute lifetime. */
  async function completeLogin(request: FastifyRequest, reply: FastifyReply, userId: string, next: string) {
    await request.session.regenerate();
    request.session.set('userId', userId);
    request.session.set('loggedInAt', Date.now());
    return reply.redirect(next, 303);
  }
  /** A step of a login under way, or the login page when there is none (or it is older than ten minutes). */
  function pendingStep(request: FastifyRequest, step: 'CHANGE_PASSWORD' | 'SET_UP_SECOND_FACTOR' | 'SECOND_FACTOR') {
    const pending = request.session.get('pendingLogin');
    return pending && pending.step === step && Date.now() - pending.since < 10 * 60_000 ? pending : null;
  }
  const stepPath = { CHANGE_PASSWORD: '/workspace/login/password', SET_UP_SECOND_FACTOR: '/workspace/login/second-factor/set-up', SECOND_FACTOR: '/workspace/login/second-factor' } as const;
  async function toStep(request: FastifyRequest, reply: FastifyReply, userId: string, step: keyof typeof stepPath, next: string) {
    await request.session.regenerate();
    request.session.set('pendingLogin', { userId, step, since: Date.now(), next });
    return reply.redirect(stepPath[step], 303);
  }
  /** After the password (and a new one of their own): the second factor where the role needs it, else done. */
  async function afterPassword(request: FastifyRequest, reply: FastifyReply, userId: string, next: string) {
    const user = (await users.find(userId))!;
    if (user.secondFactor === 'REQUIRED_NOT_SET_UP') return toStep(request, reply, userId, 'SET_UP_SECOND_FACTOR', next);
    if (user.secondFactor === 'ACTIVE') return toStep(request, reply, userId, 'SECOND_FACTOR', next);
    return completeLogin(request, reply, userId, next);
  }

  app.post('/workspace/login', {
    config: { access: PUBLIC, page: true, rateLimit: loginRate }, preValidation: app.csrfProtection, schema: { body: Login },
  }, async (request, reply) => {
    const { email, password } = request.body;
    const next = safeNext((request.query as { next?: string }).next);
    const result = await users.login(email, password, request.ip);
    // One answer for every refusal: unknown, wrong, paused or inactive look the same.
    if (!result.ok) return page(reply, 'login', { next, error: LOGIN_REFUSED, email }, 401);
    if (result.next === 'CHANGE_PASSWORD') return toStep(request, reply, result.user.id, 'CHANGE_PASSWORD', next);
    return afterPassword(request, reply, result.user.id, next);
  });

  const NewPassword = z.object({ password: z.string().max(200), repeat: z.string().max(200), _csrf: z.string().optional() });
  app.get('/workspace/login/password', { config: { access: PUBLIC, page: true } }, async (request, reply) => {
    if (!pendingStep(request, 'CHANGE_PASSWORD')) return reply.redirect('/workspace/login', 303);
    return page(reply, 'password', { first: true, error: null, min: MIN_PASSWORD_LENGTH });
  });
  app.post('/workspace/login/password', {
    config: { access: PUBLIC, page: true, rateLimit: loginRate }, preValidation: app.csrfProtection, schema: { body: NewPassword },
  }, async (request, reply) => {
    const pending = pendingStep(request, 'CHANGE_PASSWORD');
    if (!pending) return reply.redirect('/workspace/login', 303);
    const { password, repeat } = request.body;
    if (password !== repeat) return page(reply, 'password', { first: true, error: 'The two passwords differ.', min: MIN_PASSWORD_LENGTH }, 400);
    const changed = await users.changePassword(pending.userId, password);
    if (!changed.ok) return page(reply, 'password', { first: true, error: `New password: ${changed.message}.`, min: MIN_PASSWORD_LENGTH }, 400);
    return afterPassword(request, reply, pending.userId, pending.next);
  });

  const Code = z.object({ code: z.string().trim().max(10), _csrf: z.string().optional() });
  app.get('/workspace/login/second-factor/set-up', { config: { access: PUBLIC, page: true } }, async (request, reply) => {
    const pending = pendingStep(request, 'SET_UP_SECOND_FACTOR');
    if (!pending) return reply.redirect('/workspace/login', 303);
    const { secret, uri } = await users.beginSecondFactor(pending.userId);
    return page(reply, 'second-factor', { setUp: true, secret, qr: await QRCode.toDataURL(uri, { margin: 1 }), error: null });
  });
  app.get('/workspace/login/second-factor', { config: { access: PUBLIC, page: true } }, async (request, reply) => {
    if (!pendingStep(request, 'SECOND_FACTOR')) return reply.redirect('/workspace/login', 303);
    return page(reply, 'second-factor', { setUp: false, error: null });
  });
  for (const step of ['SET_UP_SECOND_FACTOR', 'SECOND_FACTOR'] as const) {
    app.post(stepPath[step], {
      config: { access: PUBLIC, page: true, rateLimit: loginRate }, preValidation: app.csrfProtection, schema: { body: Code },
    }, async (request, reply) => {
      const pending = pendingStep(request, step);
      if (!pending) return reply.redirect('/workspace/login', 303);
      if (await users.verifySecondFactor(pending.userId, request.body.code)) return completeLogin(request, reply, pending.userId, pending.next);
      const again = step === 'SET_UP_SECOND_FACTOR' ? await users.beginSecondFactor(pending.userId) : null;
      return page(reply, 'second-factor', {
        setUp: step === 'SET_UP_SECOND_FACTOR', error: 'That code was not accepted: enter the current code from your authenticator app.',
        ...(again ? { secret: again.secret, qr: await QRCode.toDataURL(again.uri, { margin: 1 }) } : {}),
      }, 401);
    });
  }

  // The person's own password, changed while signed in (the current one first).
  const ChangePassword = NewPassword.extend({ current: z.string().max(200) });
  app.get('/workspace/account/password', { config: { access: SIGNED_IN, page: true } }, async (request, reply) =>
    page(reply, 'password', { first: false, error: null, min: MIN_PASSWORD_LENGTH, done: (request.query as { done?: string }).done ?? null }));
  app.post('/workspace/account/password', {
    config: { access: SIGNED_IN, page: true, rateLimit: loginRate }, preValidation: app.csrfProtection, schema: { body: ChangePassword },
  }, async (request, reply) => {
    const { current, password, repeat } = request.body;
    if (password !== repeat) return page(reply, 'password', { first: false, error: 'The two passwords differ.', min: MIN_PASSWORD_LENGTH }, 400);
    const userId = request.principal!.keyId.replace(/^user:/, '');
    const changed = await users.changePassword(userId, password, current);
    if (!changed.ok) {
      return page(reply, 'password', { first: false, error: changed.field === 'currentPassword' ? 'Your current password was not accepted.' : `New password: ${changed.message}.`, min: MIN_PASSWORD_LENGTH }, 400);
    }
    return reply.redirect(withDone('/workspace/account/password', 'Your password was changed.'), 303);
  });

  app.post('/workspace/logout', { config: { access: SIGNED_IN, page: true }, preValidation: app.csrfProtection, schema: { body: Csrf } }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/workspace/login');
  });

  app.get('/workspace', { config: { access: SIGNED_IN, page: true } }, async (request, reply) => {
    const principal = request.principal!;
    if (principal.role !== 'DEALER') return reply.redirect('/workspace/desk');
    return page(reply, 'inbox', { offers: await offersOf(principal.dealerId!), now: Date.now() });
  });

  // The inbox's offers alone, for its refresh.
  app.get('/workspace/offers', { config: { access: DEALERS, page: true } }, async (request, reply) =>
    page(reply, 'offers', { offers: await offersOf(request.principal!.dealerId!), now: Date.now() }));

  app.get('/workspace/customers', { config: { access: DEALERS, page: true } }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const [{ rows }, imported, recallTasks, tasks] = await Promise.all([
      journeys.customersOf(dealerId, { limit: 200 }), deps.customerImports.summaries({ dealerId }), deps.campaigns.recallTasks(dealerId), openTasks.open(dealerId),
    ]);
    // The OEM's customer files: the dealer hears of what each brought it here, once, not per customer.
    // Its open recall repairs: one per affected car of its customers (recorded from the customer's page).
    return page(reply, 'customers', {
      customers: rows.map((r) => dealerCustomerSummary(r, dealerId)), imported: imported.slice(0, 20), recallTasks, tasks,
      flash: (request.query as { done?: string }).done ?? null,
    });
  });

  // As POST /v1/dealer/tasks/:taskId/done: the dealer's own task of a kind it closes by hand.
  app.post('/workspace/tasks/done', {
    config: { access: DEALERS, page: true }, preValidation: app.csrfProtection, schema: { body: z.object({ taskId: z.string().min(1).max(300), _csrf: z.string().optional() }) },
  }, async (request, reply) => {
    if (!(await openTasks.close(request.principal!.dealerId!, request.body.taskId))) throw new PageAccessDenied(404, 'not found');
    return reply.redirect(withDone('/workspace/customers', 'Task done.'), 303);
  });

  app.get('/workspace/customers/:id', {
    config: { access: OWN_HISTORY, page: true }, schema: { params: z.object({ id: z.uuid() }) },
  }, async (request, reply) => {
    const dealerId = request.principal!.dealerId!;
    const customerId = request.params.id;
    const [row, history] = await Promise.all([journeys.find(customerId), journeys.dealerHistory(customerId, dealerId)]);
    if (!row) throw new PageAccessDenied(404, 'not found');
    const flash = (request.query as { done?: string }).done ?? null;
    const customer = dealerCustomerSummary(row, dealerId);
    // Messages belong to whoever serves the customer now (the API's read-customer rule).
    const messages = customer.standing === 'CURRENT' ? await journeys.messagesOf(customerId) : [];
    const resolved = new Set(history.aftersales.filter((a) => a.kind === 'COMPLAINT_RESOLVED').map((a) => a.ref));
    const openComplaints = history.aftersales.filter((a) => a.kind === 'COMPLAINT_OPENED' && !resolved.has(a.ref)).map((a) => a.ref);
    const recallTasks = customer.standing === 'CURRENT' ? (await deps.campaigns.recallTasks(dealerId)).filter((t) => t.customerId === customerId) : [];
    return page(reply, 'customer', { customer, history, messages, openComplaints, recallTasks, journeyId: journeyIdFor(customerId), flash, today: new Date().toISOString().slice(0, 10) });
  });

  // The forms that are one journey Update each, under the API's rule for the same action.
  const forms = [
    form({ path: 'accept', access: OFFER_ANSWER, body: Csrf, action: 'accept', arg: ({ dealerId }) => ({ dealerId }), done: () => 'Accepted: the customer is yours to sell to.' }),
    form({ path: 'decline', access: OFFER_ANSWER, body: Reason, action: 'decline', arg: ({ dealerId, body }) => ({ dealerId, reason: body.reason }), done: () => 'Declined: the journey offers the customer to the next dealer.', to: '/workspace' }),
    form({ path: 'lost', access: DEALER_ACTION, body: Reason, action: 'lost', arg: ({ dealerId, body }) => ({ dealerId, reason: body.reason }), done: () => 'Lost sale recorded: the customer goes back to the OEM after a cool-down.' }),
    form({ path: 'no-show', access: DEALER_ACTION, body: Csrf, action: 'noShow', arg: ({ dealerId }) => ({ dealerId }), done: () => 'No-show recorded: the customer goes back to the OEM.' }),
    form({ path: 'service-visits', access: DEALER_ACTION, body: DealerRef, action: 'serviceVisit', arg: ({ dealerId, body }) => ({ dealerId, visitId: body.ref }), done: ({ body }) => `Service visit ${body.ref} recorded.` }),
    form({ path: 'complaints', access: DEALER_ACTION, body: DealerRef, action: 'openComplaint', arg: ({ dealerId, body }) => ({ dealerId, complaintId: body.ref }), done: ({ body }) => `Complaint ${body.ref} recorded: the OEM steps in if it is not resolved in time.` }),
    form({ path: 'complaints/:complaintId/resolution', access: DEALER_ACTION, body: Csrf, action: 'resolveComplaint', arg: ({ dealerId, complaintId }) => ({ dealerId, complaintId: complaintId! }), done: ({ complaintId }) => `Complaint ${complaintId} resolved.` }),
  ] as readonly PageForm<JourneyActionName, z.ZodType>[];
  for (const form of forms) {
    app.post(`/workspace/journeys/:id/${form.path}`, {
      config: { access: form.access, page: true }, preValidation: app.csrfProtection,
      schema: { params: form.path.includes(':complaintId') ? ComplaintParam : JourneyParam, body: form.body },
    }, async (request, reply) => {
      const input = { dealerId: request.principal!.dealerId!, body: request.body as never, complaintId: (request.params as { complaintId?: string }).complaintId };
      return act(request, reply, JOURNEY_ACTIONS[form.action].update as never, form.arg(input), form.done(input), form.to);
    });
  }

  // A recall repair: only a car of this customer under a recall whose task is this dealer's (the API's check).
  app.post('/workspace/journeys/:id/recall-repairs/:recallId/:vin', {
    config: { access: DEALER_ACTION, page: true }, preValidation: app.csrfProtection,
    schema: { params: JourneyParam.extend({ recallId: z.uuid(), vin: z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/) }), body: Csrf },
  }, async (request, reply) => {
    const { id, recallId, vin } = request.params;
    const dealerId = request.principal!.dealerId!;
    const tasks = recallTaskRules(deps.db);
    if (!(await tasks.isDealersTask({ recallId, vin }, id, dealerId))) throw new PageAccessDenied(404, 'not found');
    return act(request, reply, JOURNEY_ACTIONS.recallRepair.update, { dealerId, recallId, vin }, `Recall repair of ${vin} recorded.`, undefined,
      () => tasks.close({ recallId, vin }, request.principal!.name));
  });

  app.post('/workspace/journeys/:id/sale', {
    config: { access: DEALER_ACTION, page: true }, preValidation: app.csrfProtection, schema: { params: JourneyParam, body: SaleForm },
  }, async (request, reply) => {
    const { vin, model, soldOn, price } = request.body;
    // The API's own rules for a sold vehicle; a wrong field is a 400 page naming it.
    const vehicle = SoldVehicle.safeParse({ vin: vin.toUpperCase(), model, soldOn, ...(price?.trim() ? { price: Number(price) } : {}) });
    if (!vehicle.success) {
      const issue = vehicle.error.issues[0]!;
      return page(reply, 'message', { title: 'Please check the sale', message: `${issue.path.join('.')}: ${issue.message}` }, 400);
    }
    return act(request, reply, JOURNEY_ACTIONS.sale.update, { dealerId: request.principal!.dealerId!, vehicle: vehicle.data }, 'Sale recorded: the customer is your customer now.');
  });

  // The OEM lead desk's pages, and the settings and people a manager looks after.
  await app.register(leadDeskPages({ ...deps, desk: createLeadDeskReadModel(deps.db) }));
  await app.register(administrationPages({ ...deps }));
  await app.register(carePages({ db: deps.db, sql: deps.sql, temporal: deps.temporal, defaultCountry: deps.defaultCountry, captains: deps.captains }));
  await app.register(uploadPages({ customerImports: deps.customerImports }));
  await app.register(captainPages({ db: deps.db, sql: deps.sql, captains: deps.captains, kpiTargets: deps.kpiTargets }));

  async function offersOf(dealerId: string) {
    return (await journeys.openOffersTo(dealerId)).map((r) => dealerCustomerSummary(r, dealerId));
  }

  /** Runs the journey's Update and goes back to the customer's page (or `to`) with its answer. */
  function act<R, A>(request: FastifyRequest, reply: FastifyReply, update: Parameters<typeof runPageAction<R, A>>[3], arg: A, done: string, to?: string, afterwards?: () => Promise<void>) {
    const journeyId = (request.params as { id: string }).id;
    return runPageAction<R, A>(temporal, request, reply, update, arg, to ?? withDone(`/workspace/customers/${customerIdOfJourney(journeyId)}`, done), afterwards);
  }
};

/** Where to go after logging in: only a page of the workspace itself (no open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/workspace(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&%_.-]*)?$/.test(next) && !next.startsWith('/workspace/login') ? next : '/workspace';
}
