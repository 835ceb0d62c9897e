// ADF/XML from lead providers through the API, on the real server and database.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { eventually, startSystem, type System } from '../support/system.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/adf/${name}`, import.meta.url), 'utf8');

let sys: System;
beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'] });
});
afterAll(async () => {
  await sys?.stop();
});

const postAdf = (xml: string) => sys.api({ method: 'POST', url: '/v1/leads/adf', payload: xml, headers: { 'content-type': 'application/xml' } });

describe('POST /v1/leads/adf', () => {
  it('turns a prospect into a lead on its journey, with the named vendor as preferred dealer; a resubmission changes nothing', async () => {
    const dealerId = `DLR-ADF-${randomUUID().slice(0, 8)}`;
    await sys.db.dealer.create({ data: { id: dealerId, name: 'Autohaus ADF', territory: ['99999'], brands: ['VW'] } });
    const tag = randomUUID().slice(0, 8);
    const xml = fixture('single-prospect-with-vendor.xml')
      .replace('__VENDOR_ID__', dealerId)
      .replace('Joerg.Mueller@Example.DE', `Joerg.${tag}@Example.DE`)
      .replace('MM-778812', `MM-${tag}`)
      .replace('030 1234 5678', `030 ${Math.floor(1_000_000 + Math.random() * 8_999_999)}`);
    const res = await postAdf(xml);
    expect(res.statusCode).toBe(202);
    const [accepted] = res.json().journeys;
    const customer = await sys.db.customer.findUniqueOrThrow({ where: { id: accepted.customerId } });
    expect(customer).toMatchObject({ firstName: 'Jörg', lastName: 'Müller-Lüdenscheidt', emailNormalized: `joerg.${tag}@example.de`, postalCode: '10117', country: 'DE' });
    const lead = await sys.db.lead.findUniqueOrThrow({ where: { id: accepted.leadId } });
    expect(lead).toMatchObject({ source: 'ADF', campaign: 'MobileMarkt', interestModel: 'Volkswagen ID.7 Tourer', timeframe: 'NOW', preferredDealerId: dealerId });
    const state = await eventually(async () => {
      const s = await sys.temporal.workflow.getHandle(accepted.journeyId).query(journeyStateQuery);
      return s.preferredDealerId ? s : undefined;
    });
    expect(state.preferredDealerId).toBe(dealerId);

    const again = await postAdf(xml);
    expect(again.statusCode).toBe(202);
    expect(again.json().journeys[0].leadId).toBe(accepted.leadId);
    expect(await sys.db.lead.count({ where: { customerId: accepted.customerId } })).toBe(1);
  });

  it('takes several prospects in one document, each to its own journey', async () => {
    const email = `lukasz.${randomUUID().slice(0, 8)}@example.pl`;
    const xml = fixture('two-prospects-minimal.xml').replace('__EMAIL__', email).replace('+46 70 123 45 67', `+46 70 ${Math.floor(1_000_000 + Math.random() * 8_999_999)}`);
    const res = await postAdf(xml);
    expect(res.statusCode).toBe(202);
    const journeys = res.json().journeys;
    expect(journeys).toHaveLength(2);
    expect(new Set(journeys.map((j: { journeyId: string }) => j.journeyId)).size).toBe(2);
    expect((await sys.db.customer.findUniqueOrThrow({ where: { id: journeys[0].customerId } })).lastName).toBe('Ångström');
  });

  it('refuses a document with one unreachable prospect as a whole: 400 naming it, nothing stored', async () => {
    const email = `first.${randomUUID().slice(0, 8)}@example.com`;
    const xml = `<?xml version="1.0"?><adf>
      <prospect><customer><contact><email>${email}</email></contact></customer></prospect>
      <prospect><customer><contact><name part="full">No Way</name><phone>12</phone></contact></customer></prospect>
    </adf>`;
    const res = await postAdf(xml);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('adf.prospect[1].contact.phone');
    expect(await sys.db.customer.count({ where: { emailNormalized: email } })).toBe(0);
  });

  it.each([
    ['malformed XML', '<adf><prospect></adf>', 'body'],
    ['no prospect', '<adf/>', 'adf.prospect'],
    ['empty body', '', 'body'],
  ])('400 for %s', async (_name, xml, field) => {
    const res = await postAdf(xml);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe(field);
  });
});
