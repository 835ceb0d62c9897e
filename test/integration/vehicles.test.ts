// The connected car (issue 13, seed 002) on the real stack: the OEM's connected-vehicle
// backend reports on a sold vehicle; the VIN finds the buyer's journey through the sale;
// service due → a reminder from the dealer through arbitration, a warning light → a service
// task for the dealer; a repeated event id is answered once; an unknown VIN stores nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { recordHistoryFixture } from '../support/histories.js';
import { ANY_HOUR_POLICY, createTestKey, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const dealerId = `DLR-CV-${tag}`;
let dealerKey = '';
// A US vehicle (check digit X in position 9) bought by a US customer: opt-out law, so the
// service reminder is decided by ownership alone.
const VIN = '1M8GDM9AXKP042788';

beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys'], journeyPolicy: ANY_HOUR_POLICY });
  const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id: dealerId, name: 'Autohaus Connected', territory: [`CV${tag}`], brands: ['VW'] } });
  expect(res.statusCode, res.body).toBe(201);
  dealerKey = await createTestKey(sys.db, 'DEALER', dealerId);
});
afterAll(async () => {
  await sys?.stop();
});

async function soldCustomer(vin: string) {
  const lead = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.4', timeframe: 'NOW' }, contact: { firstName: 'Vera', email: `vera.${randomUUID().slice(0, 8)}@example.com`, postalCode: `CV${tag}1`, country: 'US' } },
  });
  expect(lead.statusCode, lead.body).toBe(202);
  const { journeyId, customerId } = lead.json();
  const handle = sys.temporal.workflow.getHandle(journeyId);
  await eventually(async () => ((await handle.query(journeyStateQuery)).handoff?.dealerId === dealerId ? true : undefined));
  expect((await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/accept` }, dealerKey)).statusCode).toBe(200);
  const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${journeyId}/sale`, payload: { vehicle: { vin, model: 'ID.4', soldOn: '2026-11-20' } } }, dealerKey);
  expect(sold.statusCode, sold.body).toBe(200);
  return { journeyId, customerId, handle };
}
const report = (vin: string, body: Record<string, unknown>, key?: string) => sys.api({ method: 'POST', url: `/v1/vehicles/${vin}/events`, payload: body }, key);

describe('vehicle events', () => {
  it('service due → a reminder from the owning dealer; a warning → a service task; a repeat is answered once', async () => {
    const { journeyId, customerId, handle } = await soldCustomer(VIN);

    const due = await report(VIN, { eventId: `svc-${tag}`, kind: 'SERVICE_DUE', mileageKm: 29_800 });
    expect(due.statusCode, due.body).toBe(202);
    expect(due.json()).toEqual({ eventId: `svc-${tag}`, journeyId, duplicate: false });
    const reminders = async () => (await sys.api({ method: 'GET', url: `/v1/customers/${customerId}/communications` })).json().items
      .filter((m: { purpose: string }) => m.purpose === 'SERVICE_REMINDER');
    // Decided by arbitration like any message, and allowed: the dealer owns the customer.
    const reminder = await eventually(async () => (await reminders()).find((m: { status: string }) => m.status === 'ALLOWED' || m.status === 'SENT'));
    expect(reminder).toMatchObject({ sender: { kind: 'DEALER', dealerId }, channel: 'EMAIL', templateId: 'service-reminder' });

    // The backend sends the same event again: answered, nothing new.
    const again = await report(VIN, { eventId: `svc-${tag}`, kind: 'SERVICE_DUE', mileageKm: 29_800 });
    expect(again.json()).toMatchObject({ duplicate: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(await reminders()).toHaveLength(1);
    expect(await sys.db.vehicleEvent.count({ where: { vin: VIN } })).toBe(1);

    const warning = await report(VIN, { eventId: `warn-${tag}`, kind: 'WARNING_LIGHT', warningCode: 'P0420' });
    expect(warning.statusCode, warning.body).toBe(202);
    const task = await eventually(() => sys.db.journeyTask.findFirst({ where: { journeyId, kind: 'VEHICLE_SERVICE' } }).then((t) => t ?? undefined));
    expect(task).toMatchObject({ assignee: dealerId, detail: 'WARNING_LIGHT P0420' });
    expect(await handle.query(journeyStateQuery)).toMatchObject({ stage: 'DEALER_OWNED', vehicleMileageKm: 29_800 });
    await recordHistoryFixture(handle, 'journey-vehicle-events');
  });

  it('an unknown VIN is a 404 and nothing is stored; a malformed VIN or event a 400 naming it; dealers 403', async () => {
    const unknown = await report('WVWZZZE1ZPP099999', { eventId: `u-${tag}`, kind: 'SERVICE_DUE' });
    expect(unknown.statusCode).toBe(404);
    expect(await sys.db.vehicleEvent.count({ where: { eventId: `u-${tag}` } })).toBe(0);
    const bad = await report('WVWZZZE1ZPP0999O9', { eventId: `b-${tag}`, kind: 'SERVICE_DUE' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: expect.stringContaining('vin'), message: expect.stringContaining('never I, O or Q') });
    const noMileage = await report(VIN, { eventId: `m-${tag}`, kind: 'MILEAGE' });
    expect(noMileage.json().errors[0].field).toContain('mileageKm');
    expect((await report(VIN, { eventId: `d-${tag}`, kind: 'SERVICE_DUE' }, dealerKey)).statusCode).toBe(403);
    expect(await sys.db.vehicleEvent.count({ where: { eventId: { in: [`b-${tag}`, `m-${tag}`, `d-${tag}`] } } })).toBe(0);
  });

  it('a VIN whose check digit is wrong for the buyer\'s market is a 400; a buyer no longer the dealer\'s customer a 409, nothing kept', async () => {
    const wrongDigit = '1M8GDM9A1KP042788';
    await soldCustomer(wrongDigit);
    const refused = await report(wrongDigit, { eventId: `cd-${tag}`, kind: 'SERVICE_DUE' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0].message).toBe('the check digit (position 9) of a VIN in US must be X');

    const other = await soldCustomer('11111111111111111');
    const erased = await sys.api({ method: 'POST', url: `/v1/customers/${other.customerId}/erasure`, payload: { ground: 'CUSTOMER_REQUEST' } });
    expect(erased.statusCode, erased.body).toBe(202);
    const gone = await report('11111111111111111', { eventId: `er-${tag}`, kind: 'SERVICE_DUE' });
    expect(gone.statusCode).toBe(409);
    expect(await sys.db.vehicleEvent.count({ where: { eventId: `er-${tag}` } })).toBe(0);
  });
});
