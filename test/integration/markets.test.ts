// Ownership models per market (issue 13, seed 000) on the real stack: the OEM switches a
// market to PARTNER_LED mid-journey and the journey stops the OEM's promotions at once,
// with the change on its ownership ledger; new leads of the market start under the new
// model; another market's journeys never hear of it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { missingSearchAttributes } from '../../workers/search-attributes-check.js';
import { recordHistoryFixture } from '../support/histories.js';
import { ANY_HOUR_POLICY, createTestKey, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
// Customers in the US: opt-out law, so the OEM's promotion is allowed without a consent and
// only the market's model decides. The suite shares one database: the US is set back after.
const MARKET = 'US';
const promotion = { purpose: 'PROMOTION', channel: 'EMAIL', templateId: 'model-launch', variables: { model: 'ID.7', offer: '0.99 % financing' } };

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerId = `DLR-MK-${tag}`;

beforeAll(async () => {
  sys = await startSystem({ journeyPolicy: ANY_HOUR_POLICY });
  const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerId, name: 'Autohaus Markt', territory: [`MK${tag}`], brands: ['VW'] } });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(async () => {
  await sys?.db.marketOwnershipModel.deleteMany({ where: { market: MARKET } });
  await sys?.stop();
});

async function newCustomer(country: string) {
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.7', timeframe: 'LATER' }, contact: { firstName: 'Ada', email: `ada.${randomUUID().slice(0, 8)}@example.com`, postalCode: `MK${tag}1`, country } },
  });
  expect(res.statusCode, res.body).toBe(202);
  const { customerId, journeyId } = res.json();
  const handle = sys.temporal.workflow.getHandle(journeyId);
  await eventually(async () => ((await handle.query(journeyStateQuery)).stage !== 'CAPTURED' ? true : undefined));
  return { customerId, handle };
}
const promote = async (customerId: string) =>
  (await sys.api({ method: 'POST', url: `/v1/customers/${customerId}/communications`, payload: promotion })).json();

describe('a market\'s ownership model', () => {
  it('switched to PARTNER_LED mid-journey: the OEM\'s promotions stop at once, the change is on the ledger, the customer goes to a dealer, new leads start under it', async () => {
    const early = await newCustomer(MARKET);
    const elsewhere = await newCustomer('DE');
    // A cold lead: the OEM nurtures it (QUALIFYING) under the shared model.
    expect(await early.handle.query(journeyStateQuery)).toMatchObject({ stage: 'QUALIFYING', market: { market: MARKET, model: 'SHARED', version: 0 } });
    expect(await promote(early.customerId)).toMatchObject({ decision: 'ALLOWED' });

    const set = await sys.api({ method: 'PUT', url: `/v1/markets/${MARKET}`, payload: { model: 'PARTNER_LED', reason: 'dealer council 2026-12' } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ market: MARKET, model: 'PARTNER_LED', version: 1, changed: true, rollout: { workflowId: 'market-model-US-v1' } });

    // The roll-out's first pass reaches the running journey: it decides by the new model from then on.
    await eventually(async () => ((await early.handle.query(journeyStateQuery)).market?.model === 'PARTNER_LED' ? true : undefined), 30_000);
    expect(await promote(early.customerId)).toMatchObject({ decision: 'SUPPRESSED', reason: 'MARKET_MODEL' });
    // The OEM no longer nurtures it: the customer is offered to the dealer of the area.
    await eventually(async () => ((await early.handle.query(journeyStateQuery)).handoff?.dealerId === dealerId ? true : undefined));
    // Law and the customer's own business still reach them.
    const recall = await sys.api({ method: 'POST', url: `/v1/customers/${early.customerId}/communications`, payload: { purpose: 'LEGAL', channel: 'EMAIL', templateId: 'recall-notice', variables: { recallCode: '97X1' } } });
    expect(recall.json()).toMatchObject({ decision: 'ALLOWED' });

    const ledger: { reason: string; actor: string }[] = (await sys.api({ method: 'GET', url: `/v1/customers/${early.customerId}/ownership` })).json().changes;
    const changeRow = ledger.find((c) => c.reason.startsWith('MARKET_MODEL'));
    expect(changeRow).toMatchObject({ from: { owner: 'OEM', dealerId: null }, to: { owner: 'OEM', dealerId: null }, reason: 'MARKET_MODEL: US PARTNER_LED (v1): dealer council 2026-12' });
    expect(changeRow!.actor).toMatch(/^oem:/);

    // A new customer of the market starts under the new model: no signal needed.
    const late = await newCustomer(MARKET);
    expect((await late.handle.query(journeyStateQuery)).market).toEqual({ market: MARKET, model: 'PARTNER_LED', version: 1 });
    await eventually(async () => ((await late.handle.query(journeyStateQuery)).handoff?.dealerId === dealerId ? true : undefined)); // cold, and still a dealer's
    expect(await promote(late.customerId)).toMatchObject({ decision: 'SUPPRESSED', reason: 'MARKET_MODEL' });

    // Another market's journey never heard of it (and the OEM still nurtures it).
    expect(await elsewhere.handle.query(journeyStateQuery)).toMatchObject({ stage: 'QUALIFYING', market: { market: 'DE', model: 'SHARED', version: 0 } });
    expect((await sys.api({ method: 'GET', url: `/v1/customers/${elsewhere.customerId}/ownership` })).json().changes.map((c: { reason: string }) => c.reason))
      .not.toContainEqual(expect.stringMatching(/^MARKET_MODEL/));

    // Setting the model in force again is no new version and no second ledger row.
    const again = await sys.api({ method: 'PUT', url: `/v1/markets/${MARKET}`, payload: { model: 'PARTNER_LED', reason: 'again' } });
    expect(again.json()).toMatchObject({ version: 1, changed: false });
    await new Promise((r) => setTimeout(r, 1_000));
    const after = (await sys.api({ method: 'GET', url: `/v1/customers/${early.customerId}/ownership` })).json().changes;
    expect(after.filter((c: { reason: string }) => c.reason.startsWith('MARKET_MODEL'))).toHaveLength(1);

    // And back to SHARED: the OEM speaks again.
    expect((await sys.api({ method: 'PUT', url: `/v1/markets/${MARKET}`, payload: { model: 'SHARED', reason: 'pilot ended' } })).json()).toMatchObject({ version: 2, changed: true });
    await eventually(async () => ((await early.handle.query(journeyStateQuery)).market?.version === 2 ? true : undefined), 30_000);
    expect(await promote(early.customerId)).toMatchObject({ decision: 'ALLOWED' });
    const market = (await sys.api({ method: 'GET', url: `/v1/markets/${MARKET}` })).json();
    expect(market).toMatchObject({ market: MARKET, model: 'SHARED', version: 2 });
    expect(market.history.map((v: { model: string }) => v.model)).toEqual(['SHARED', 'PARTNER_LED']);
    await recordHistoryFixture(early.handle, 'journey-market-model-changed');
  });

  it('the journeys\' search attributes, Market included, are registered: workers refuse to start otherwise', async () => {
    expect(await missingSearchAttributes(sys.temporal)).toEqual([]);
  });

  it('is the OEM\'s to set: dealers and ops 403; a bad market or model is a 400 naming it, nothing stored', async () => {
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerId);
    const opsKey = await createTestKey(sys.db, 'OPS', null);
    const body = { model: 'OEM_DIRECT', reason: 'x' };
    expect((await sys.api({ method: 'PUT', url: '/v1/markets/FR', payload: body }, dealerKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'PUT', url: '/v1/markets/FR', payload: body }, opsKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: '/v1/markets' }, opsKey)).statusCode).toBe(200);
    const lower = await sys.api({ method: 'PUT', url: '/v1/markets/fr', payload: body });
    expect(lower.statusCode).toBe(400);
    expect(lower.json().errors[0].field).toContain('market');
    const model = await sys.api({ method: 'PUT', url: '/v1/markets/FR', payload: { model: 'OEM_ONLY', reason: 'x' } });
    expect(model.statusCode).toBe(400);
    expect(model.json().errors[0].field).toContain('model');
    expect(await sys.db.marketOwnershipModel.count({ where: { market: 'FR' } })).toBe(0);
  });
});
