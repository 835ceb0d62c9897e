// A lead posted through the API reaches a journey on the real Temporal server,
// with real activities writing the real database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JourneyState } from '../../domain/journey.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { eventually, person, startSystem, type System } from '../support/system.js';

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
});
afterAll(async () => {
  await sys?.stop();
});

async function postLead(body: unknown, headers: Record<string, string> = {}) {
  return sys.api({ method: 'POST', url: '/v1/leads', payload: body as object, headers });
}

async function journeyState(journeyId: string, until: (s: JourneyState) => boolean = () => true): Promise<JourneyState> {
  return eventually(async () => {
    const state = await sys.temporal.workflow.getHandle(journeyId).query(journeyStateQuery);
    return until(state) ? state : undefined;
  });
}

async function rowCounts() {
  // Journey rows are written by workflows asynchronously; the workflow side is checked separately.
  const [customers, leads] = await Promise.all([sys.db.customer.count(), sys.db.lead.count()]);
  return { customers, leads };
}

describe('POST /v1/leads', () => {
  it('starts the customer\'s journey, which qualifies the lead and writes its read-model', async () => {
    const { email } = person();
    // Interest too vague for a dealer yet (score below the threshold): the OEM nurtures it.
    const res = await postLead({ source: 'WEB_FORM', campaign: 'spring-ev', interest: { model: 'ID.7', timeframe: 'LATER' }, contact: { firstName: 'Ada', email, postalCode: '10115' } });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ journeyId: `journey-${body.customerId}`, delivered: true });

    const state = await journeyState(body.journeyId, (s) => s.stage === 'QUALIFYING');
    expect(state).toMatchObject({ customerId: body.customerId, owner: 'OEM', dealerId: null, leadCount: 1, lastLeadSource: 'WEB_FORM' });
    expect(state.leads).toEqual([expect.objectContaining({ leadId: body.leadId, campaign: 'spring-ev', interestModel: 'ID.7', hasEmail: true, hasPostalCode: true })]);

    const row = await eventually(async () => (await sys.db.journey.findFirst({ where: { id: body.journeyId, stage: 'QUALIFYING' } })) ?? undefined);
    expect(row).toMatchObject({ customerId: body.customerId, owner: 'OEM', lastLeadSource: 'WEB_FORM', leadCount: 1 });
    // The outbox mark follows the answer (the journey already has the lead).
    const lead = await eventually(async () => (await sys.db.lead.findFirst({ where: { id: body.leadId, deliveredAt: { not: null } } })) ?? undefined);
    expect(lead.deliveredAt).not.toBeNull();

    const viaApi = await sys.api({ method: 'GET', url: `/v1/journeys/${body.journeyId}` });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.json()).toMatchObject({ journeyId: body.journeyId, stage: 'QUALIFYING', leadCount: 1 });
  });

  it('puts the same person, written differently, into ONE journey with two leads', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const first = await postLead({ source: 'WEB_FORM', contact: { email: `Grace.${tag}@Example.COM `, phone: '030 5550123' } });
    const second = await postLead({ source: 'FAIR', event: 'IAA Mobility', contact: { email: ` grace.${tag}@example.com` } });
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(second.json().journeyId).toBe(first.json().journeyId);
    expect(second.json().leadId).not.toBe(first.json().leadId);

    const state = await journeyState(first.json().journeyId, (s) => s.leadCount === 2);
    expect(state.leads.map((l) => l.source)).toEqual(['WEB_FORM', 'FAIR']);
    expect(state.lastLeadSource).toBe('FAIR');
    expect(await sys.db.customer.count({ where: { emailNormalized: `grace.${tag}@example.com` } })).toBe(1);
    expect(await sys.db.lead.count({ where: { customerId: first.json().customerId } })).toBe(2);
  });

  it('recognises a returning person by phone number in another format', async () => {
    const { email, phone } = person();
    const first = await postLead({ source: 'PHONE', contact: { phone } });
    const national = `0${phone.slice(3, 5)} ${phone.slice(5)}`; // +4930xxxxxxx → 030 xxxxxxx
    const second = await postLead({ source: 'WEB_FORM', contact: { email, phone: national, country: 'DE' } });
    expect(second.json().customerId).toBe(first.json().customerId);
    const customer = await sys.db.customer.findUniqueOrThrow({ where: { id: first.json().customerId } });
    expect(customer).toMatchObject({ phoneE164: phone, emailNormalized: email }); // e-mail learnt from the second lead
  });

  it('makes one customer and one journey when the same new person arrives ten times at once', async () => {
    const { email } = person();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => postLead({ source: 'ROADSHOW', event: `stop-${i}`, contact: { email } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(responses.map((r) => r.json().journeyId)).size).toBe(1);
    expect(await sys.db.customer.count({ where: { emailNormalized: email } })).toBe(1);
    const state = await journeyState(responses[0]!.json().journeyId, (s) => s.leadCount === 10);
    expect(new Set(state.leads.map((l) => l.leadId)).size).toBe(10);
  });

  it('honours Idempotency-Key: a resubmitted form is answered once, a reused key with another lead is refused', async () => {
    const { email } = person();
    const key = `form-${email}`;
    const lead = { source: 'WEB_FORM', contact: { email, firstName: 'Lin' } };
    const first = await postLead(lead, { 'idempotency-key': key });
    const again = await postLead({ contact: { firstName: 'Lin', email }, source: 'WEB_FORM' }, { 'idempotency-key': key });
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await sys.db.lead.count({ where: { customerId: first.json().customerId } })).toBe(1);

    const other = await postLead({ ...lead, campaign: 'different' }, { 'idempotency-key': key });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ status: 422, errors: [{ field: 'Idempotency-Key' }] });
    const state = await journeyState(first.json().journeyId);
    expect(state.leadCount).toBe(1);
  });

  describe('bad input: 400 naming the field, nothing written, no journey started', () => {
    const cases: [string, unknown, string][] = [
      ['unknown source', { source: 'BILLBOARD', contact: { email: 'x@example.com' } }, 'source'],
      ['malformed e-mail', { source: 'WEB_FORM', contact: { email: 'not-an-email' } }, 'contact.email'],
      ['invalid phone', { source: 'WEB_FORM', contact: { phone: '12' } }, 'contact.phone'],
      ['no way to reach the person', { source: 'WEB_FORM', contact: { firstName: 'Nobody' } }, 'contact'],
      ['missing contact', { source: 'WEB_FORM' }, 'contact'],
      ['unknown field (no mass assignment)', { source: 'WEB_FORM', contact: { email: 'x@example.com' }, owner: 'DEALER' }, 'body'],
      ['bad date', { source: 'WEB_FORM', contact: { email: 'x@example.com' }, receivedAt: 'yesterday' }, 'receivedAt'],
      ['bad country', { source: 'WEB_FORM', contact: { phone: '0301234567', country: 'germany' } }, 'contact.country'],
      ['unknown preferred dealer', { source: 'WEB_FORM', contact: { email: 'x@example.com' }, preferredDealerId: 'DLR-NOWHERE' }, 'preferredDealerId'],
    ];

    it.each(cases)('%s', async (_name, body, field) => {
      const before = await rowCounts();
      const res = await postLead(body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(problem.detail).toContain(field);
      expect(problem).not.toHaveProperty('stack');
      expect(await rowCounts()).toEqual(before);
    });

    it('starts no workflow for rejected leads', async () => {
      const running = async () => (await sys.temporal.workflow.count(`TaskQueue = "${sys.taskQueue}"`)).count;
      const before = await running();
      for (const [, body] of cases) await postLead(body);
      // A good lead as the control: once visibility shows it, it is the only new workflow.
      await postLead({ source: 'WEB_FORM', contact: { email: person().email } });
      const after = await eventually(async () => ((await running()) > before ? running() : undefined));
      expect(after).toBe(before + 1);
    });
  });
});

describe('GET /v1/journeys/:id', () => {
  it('404s for an unknown journey and 400s for a malformed id', async () => {
    const unknown = await sys.api({ method: 'GET', url: '/v1/journeys/journey-00000000-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ status: 404, title: 'Not found', detail: 'no journey journey-00000000-0000-4000-8000-000000000000' });
    const malformed = await sys.api({ method: 'GET', url: '/v1/journeys/42' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0].field).toBe('params.id');
  });
});

describe('visibility: ops find journeys by search attribute', () => {
  it('`temporal workflow list` filters on JourneyStage, CustomerOwner and LeadSource', async () => {
    const { email, phone } = person();
    const res = await postLead({ source: 'DEALER_WALKIN', contact: { email, phone, lastName: 'Hopper' } });
    const { journeyId } = res.json();
    await journeyState(journeyId, (s) => s.stage === 'QUALIFYING');
    const query = `WorkflowId = "${journeyId}" AND JourneyStage = "QUALIFYING" AND CustomerOwner = "OEM" AND LeadSource = "DEALER_WALKIN"`;
    const listed = await eventually(async () => {
      const { stdout } = await promisify(execFile)(inject('temporalCli'), ['workflow', 'list', '--address', inject('temporalAddress'), '--query', query, '--output', 'json']);
      const rows = JSON.parse(stdout || '[]') as { execution: { workflowId: string }; memo: object; searchAttributes: { indexedFields: Record<string, { data: string }> } }[];
      return rows.length === 1 ? rows[0] : undefined;
    });
    expect(listed.execution.workflowId).toBe(journeyId);
    const decoded = Object.fromEntries(
      Object.entries(listed.searchAttributes.indexedFields).map(([k, v]) => [k, JSON.parse(Buffer.from(v.data, 'base64').toString())]),
    );
    expect(decoded).toMatchObject({ JourneyStage: 'QUALIFYING', CustomerOwner: 'OEM', LeadSource: 'DEALER_WALKIN' });
    expect(decoded).not.toHaveProperty('DealerId');
    // No personal data in visibility or memo.
    const visible = JSON.stringify({ decoded, memo: listed.memo });
    for (const personal of [email, phone, 'Hopper']) expect(visible).not.toContain(personal);
  });

  it('the Temporal UI shows a summary and the current details of each journey, without personal data', async () => {
    const { email, phone } = person();
    const res = await postLead({ source: 'FAIR', event: 'IAA Mobility', contact: { email, phone, lastName: 'Lovelace' } });
    const { journeyId, customerId } = res.json();
    await journeyState(journeyId, (s) => s.stage === 'QUALIFYING');
    const handle = sys.temporal.workflow.getHandle(journeyId);
    const summary = await (await handle.describe()).staticSummary();
    expect(summary).toBe(`Journey of customer ${customerId}, first lead from FAIR`);
    // The UI asks the worker for this (the SDK's built-in metadata query).
    const details = await eventually(async () => {
      const { currentDetails } = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return currentDetails?.includes('QUALIFYING') ? currentDetails : undefined;
    });
    expect(details).toContain('**Stage** QUALIFYING · **Owner** OEM');
    expect(details).toContain('**Leads** 1, last from FAIR');
    for (const personal of [email, phone, 'Lovelace']) expect(`${summary} ${details}`).not.toContain(personal);
  });
});

describe('PATCH /v1/customers/:id/contact', () => {
  it('saves the new details and the journey re-scores with what is now known', async () => {
    const { email, phone } = person();
    const res = await postLead({ source: 'WEB_FORM', interest: { timeframe: 'LATER' }, contact: { email } });
    const { journeyId, customerId } = res.json();
    const before = await journeyState(journeyId, (s) => s.stage === 'QUALIFYING' && s.score != null);

    const patched = await sys.api({ method: 'PATCH', url: `/v1/customers/${customerId}/contact`, payload: { phone, postalCode: '10115' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toEqual({ customerId, journeyNotified: true });
    const after = await journeyState(journeyId, (s) => s.contact?.hasPhone === true && s.score !== before.score);
    expect(after.contact).toEqual({ hasEmail: true, hasPhone: true, hasPostalCode: true });
    expect(after.score).toBe(before.score! + 15); // phone 10 + postal code 5
    expect(await sys.db.customer.findUniqueOrThrow({ where: { id: customerId } })).toMatchObject({ phoneE164: phone, postalCode: '10115' });
  });

  it('refuses details that identify another customer (409, nothing changed) and bad bodies (400)', async () => {
    const a = person();
    const b = person();
    const first = (await postLead({ source: 'WEB_FORM', contact: { email: a.email } })).json();
    await postLead({ source: 'WEB_FORM', contact: { email: b.email } });
    const conflict = await sys.api({ method: 'PATCH', url: `/v1/customers/${first.customerId}/contact`, payload: { email: b.email } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().errors).toEqual([{ field: 'email', message: 'already identifies another customer' }]);
    expect((await sys.db.customer.findUniqueOrThrow({ where: { id: first.customerId } })).emailNormalized).toBe(a.email);

    const empty = await sys.api({ method: 'PATCH', url: `/v1/customers/${first.customerId}/contact`, payload: {} });
    expect(empty.statusCode).toBe(400);
    const badPhone = await sys.api({ method: 'PATCH', url: `/v1/customers/${first.customerId}/contact`, payload: { phone: '12' } });
    expect(badPhone.json().errors[0].field).toBe('phone');
    const unknown = await sys.api({ method: 'PATCH', url: '/v1/customers/00000000-0000-4000-8000-000000000000/contact', payload: { postalCode: '1' } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents every route from the same zod schemas that validate them', async () => {
    const res = await sys.api({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz', '/v1/api-keys', '/v1/api-keys/{id}', '/v1/brands', '/v1/brands/{id}',
      '/v1/campaigns', '/v1/campaigns/{id}', '/v1/campaigns/{id}/cancel', '/v1/campaigns/{id}/pause', '/v1/campaigns/{id}/resume', '/v1/campaigns/{id}/start',
      '/v1/campaigns/{id}/targets.csv', '/v1/campaigns/{id}/vehicles', '/v1/captains', '/v1/captains/{captainId}', '/v1/captains/{captainId}/digest', '/v1/consents/confirm',
      '/v1/customer-import-summaries', '/v1/customer-imports', '/v1/customer-imports/{id}', '/v1/customer-imports/{id}/report', '/v1/customers', '/v1/customers/{id}/communications', '/v1/customers/{id}/consent', '/v1/customers/{id}/contact',
      '/v1/customers/{id}/counterparts/{process}',
      '/v1/customers/{id}/engagements', '/v1/customers/{id}/erasure', '/v1/customers/{id}/export',
      '/v1/customers/{id}/opt-out', '/v1/customers/{id}/ownership', '/v1/customers/{id}/people',
      '/v1/dealer/customers', '/v1/dealer/customers/{id}', '/v1/dealer/deliveries', '/v1/dealer/handoffs', '/v1/dealer/tasks', '/v1/dealer/tasks/{taskId}/done', '/v1/dealers', '/v1/dealers/{id}',
      '/v1/dealers/{id}/deliveries', '/v1/dealers/{id}/deliveries/{deliveryId}/redeliver', '/v1/dealers/{id}/delivery', '/v1/dealers/{id}/delivery/webhook-secret',
      '/v1/dealers/{id}/statements/{month}', '/v1/dealers/{id}/statements/{month}.csv',
      '/v1/form-keys', '/v1/form-keys/{id}', '/v1/forms/{formKey}/engagements', '/v1/forms/{formKey}/leads',
      '/v1/imports', '/v1/imports/{id}', '/v1/imports/{id}/rejections',
      '/v1/journey-policy', '/v1/journey-policy/versions', '/v1/journey-policy/versions/{version}/rollout',
      '/v1/journeys/{id}', '/v1/journeys/{id}/accept', '/v1/journeys/{id}/complaints', '/v1/journeys/{id}/complaints/{complaintId}/resolution', '/v1/journeys/{id}/consents',
      '/v1/journeys/{id}/decline', '/v1/journeys/{id}/disqualify', '/v1/journeys/{id}/fleet-sale', '/v1/journeys/{id}/lost', '/v1/journeys/{id}/no-show',
      '/v1/journeys/{id}/reassign', '/v1/journeys/{id}/recall-repairs', '/v1/journeys/{id}/sale', '/v1/journeys/{id}/service-appointments', '/v1/journeys/{id}/service-visits',
      '/v1/kpi-targets', '/v1/kpi-targets/{targetId}', '/v1/leads', '/v1/leads/adf',
      '/v1/markets', '/v1/markets/{market}', '/v1/recall-tasks', '/v1/recalls',
      '/v1/reports/kpi-trend', '/v1/reports/scorecard', '/v1/reports/scorecard.csv',
      '/v1/sales-reports', '/v1/sales-reports/{id}', '/v1/sales-reports/{id}/rows', '/v1/segments', '/v1/segments/preview', '/v1/segments/{id}/preview', '/v1/unsubscribe', '/v1/users', '/v1/users/{id}', '/v1/vehicles/{vin}/events',
    ]);
    // Public: the health probe, the links in customers' e-mails (the signed token is the credential)
    // and web forms (the publishable form key is). Every other route names its roles, needs a key
    // and documents the refusals.
    const PUBLIC = ['/healthz', '/v1/consents/confirm', '/v1/unsubscribe', '/v1/forms/{formKey}/leads', '/v1/forms/{formKey}/engagements'];
    for (const [path, operations] of Object.entries<Record<string, { description?: string; security?: unknown; responses: Record<string, unknown> }>>(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (PUBLIC.includes(path)) {
          expect(op.security, `${method} ${path}`).toBeUndefined();
          continue;
        }
        expect(op.description, `${method} ${path}`).toMatch(/\*\*Roles:\*\* (OEM|DEALER|OPS)/);
        expect(op.security, `${method} ${path}`).toEqual([{ apiKey: [] }]);
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/leads'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(doc.paths['/v1/leads/adf'].post.requestBody.content)).toContain('application/xml');
    expect((await sys.api({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
