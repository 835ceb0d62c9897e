// DMS sales match-back (issue 10): a 1,000-row sales file with matches, misses, conflicts and
// bad rows, matched by a workflow on the real Temporal server against real journeys; matched
// sales the dealer never reported are recorded on the journey with actor DMS_MATCHBACK.
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { createTestKey, eventually, startSystem, type System } from '../support/system.js';

let sys: System;
const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const territory = `MB${tag}`;
const offering = `DLR-MB-OFFER-${tag}`;
const selling = `DLR-MB-SELL-${tag}`;
let offeringKey = '';

beforeAll(async () => {
  sys = await startSystem();
  for (const [id, t] of [[offering, territory], [selling, `MS${tag}`]] as const) {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [t] } });
    expect(res.statusCode, res.body).toBe(201);
  }
  offeringKey = await createTestKey(sys.db, 'DEALER', offering);
});
afterAll(async () => {
  await sys?.stop();
});

let vinCounter = 0;
/** A valid, unique VIN (17 characters, no I, O or Q). */
const vin = () => `WVWZZZ${tag.replace(/[IOQ]/g, 'X').padEnd(6, 'X')}${String(++vinCounter).padStart(5, '0')}`;
const phone = () => `+4930${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;

interface Customer { customerId: string; journeyId: string; email: string; phone: string }

async function customer(timeframe: 'NOW' | 'LATER', lastName = 'Becker'): Promise<Customer> {
  const email = `mb.${randomUUID().slice(0, 8)}@example.com`;
  const p = phone();
  const res = await sys.api({
    method: 'POST', url: '/v1/leads',
    payload: { source: 'WEB_FORM', interest: { model: 'ID.4', timeframe }, contact: { firstName: 'Jo', lastName, email, phone: p, postalCode: `${territory}1` } },
  });
  expect(res.statusCode, res.body).toBe(202);
  return { ...(res.json() as { customerId: string; journeyId: string }), email, phone: p };
}
const stateOf = (c: Customer) => sys.temporal.workflow.getHandle(c.journeyId).query(journeyStateQuery);
/** Offered to the dealer, as the read model (which dealer keys are checked against) knows it. */
const offeredTo = (c: Customer, dealerId: string) =>
  eventually(async () => ((await sys.db.journey.findUnique({ where: { id: c.journeyId } }))?.offeredDealerId === dealerId ? true : undefined));
const until = (c: Customer, check: (s: Awaited<ReturnType<typeof stateOf>>) => boolean) =>
  eventually(async () => (check(await stateOf(c)) ? true : undefined));

describe('a sales file matched back to customers', () => {
  it('records what dealers never reported, skips what is on record, and reports misses, conflicts and bad rows without storing them', async () => {
    // Customers in every stage the match may meet.
    const qualifying = await Promise.all(Array.from({ length: 4 }, () => customer('LATER')));
    for (const c of qualifying) await until(c, (s) => s.stage === 'QUALIFYING');
    const offered = await customer('NOW');
    await offeredTo(offered, offering);
    const inSales = await customer('NOW');
    await offeredTo(inSales, offering);
    expect((await sys.api({ method: 'POST', url: `/v1/journeys/${inSales.journeyId}/accept` }, offeringKey)).statusCode).toBe(200);
    const owned = await customer('NOW');
    await offeredTo(owned, offering);
    await sys.api({ method: 'POST', url: `/v1/journeys/${owned.journeyId}/accept` }, offeringKey);
    const ownedVin = vin();
    const sold = await sys.api({ method: 'POST', url: `/v1/journeys/${owned.journeyId}/sale`, payload: { vehicle: { vin: ownedVin, model: 'ID.4', soldOn: '2026-11-01' } } }, offeringKey);
    expect(sold.statusCode, sold.body).toBe(200);
    const [emailOwner, phoneOwner, renamed] = await Promise.all([customer('LATER'), customer('LATER'), customer('LATER', 'Wagner')]);

    const row = (o: Record<string, string>) => ({ vin: vin(), model: 'ID.4 Pro', saleDate: '2026-11-20', dealerId: selling, email: '', phone: '', lastName: '', ...o });
    const matched = [...qualifying, offered, inSales].map((c, i) => row(i % 2 ? { email: c.email.toUpperCase() } : { phone: c.phone.replace('+49', '0') }));
    const repeatVin = matched[0]!.vin;
    const rows = [
      ...matched,
      row({ vin: repeatVin, email: qualifying[0]!.email }), // the same sale twice in the file
      row({ vin: ownedVin, email: owned.email }), // reported by the dealer already
      row({ email: owned.email }), // an owned customer's other car
      row({ email: emailOwner.email, phone: phoneOwner.phone }), // two customers in one row
      row({ email: renamed.email, lastName: 'Becker' }), // not the customer's name
      row({ vin: ownedVin, email: emailOwner.email }), // another customer's car
      row({ vin: 'WVWZZZ1JZXW00000I' , email: emailOwner.email }), // bad VIN
      row({ dealerId: 'DLR-NOWHERE', email: emailOwner.email }),
      row({ saleDate: '2999-01-01', email: emailOwner.email }),
      row({}), // no buyer to match
    ];
    while (rows.length < 1_000) rows.push(row({ email: `nobody.${randomUUID().slice(0, 8)}@example.com` }));
    const csv = stringify(rows, { header: true, columns: ['vin', 'model', 'saleDate', 'dealerId', 'email', 'phone', 'lastName'], delimiter: ';' });

    const sent = await sys.api({ method: 'POST', url: '/v1/sales-reports?fileName=dms-november.csv', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(sent.statusCode, sent.body).toBe(202);
    const { reportId } = sent.json().report;
    const report = await eventually(async () => {
      const res = await sys.api({ method: 'GET', url: `/v1/sales-reports/${reportId}` });
      return res.json().status === 'COMPLETED' ? res.json() : undefined;
    }, 120_000);
    expect(report).toMatchObject({ totalRows: 1_000, doneRows: 1_000, recorded: 6, alreadyRecorded: 2, conflicts: 4, rejected: 4, unmatched: 984, fileName: 'dms-november.csv' });

    // Each matched journey is now the selling dealer's customer, on the ledger as DMS_MATCHBACK.
    for (const c of [...qualifying, offered, inSales]) {
      const s = await stateOf(c);
      expect(s).toMatchObject({ stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: selling, handoff: null, sales: null });
      const ledger = await sys.db.ownershipChange.findFirst({ where: { customerId: c.customerId, actor: 'DMS_MATCHBACK' } });
      expect(ledger).toMatchObject({ toOwner: 'DEALER', toDealerId: selling, reason: 'DMS_MATCHBACK' });
      expect(await sys.db.sale.count({ where: { customerId: c.customerId, dealerId: selling } })).toBe(1);
    }
    // The dealer that held the offer or the sales team is told why it ended.
    const told = await sys.db.dealerNotice.findMany({ where: { dealerId: offering, journeyId: { in: [offered.journeyId, inSales.journeyId] }, kind: { in: ['handoff.withdrawn', 'ownership.ended'] } } });
    expect(told.map((n) => [n.journeyId, n.kind, n.reason]).sort()).toEqual([
      [offered.journeyId, 'handoff.withdrawn', 'SALE_REPORTED'], [inSales.journeyId, 'ownership.ended', 'SALE_REPORTED'],
    ].sort());

    // Nothing stored for what did not match: the owned customer keeps its one car, the others none.
    expect(await sys.db.sale.count({ where: { customerId: owned.customerId } })).toBe(1);
    for (const c of [emailOwner, phoneOwner, renamed]) {
      expect(await sys.db.sale.count({ where: { customerId: c.customerId } })).toBe(0);
      expect((await stateOf(c)).stage).toBe('QUALIFYING');
    }

    // The row report names each problem, without the buyer's data.
    const problems = await sys.api({ method: 'GET', url: `/v1/sales-reports/${reportId}/rows?outcome=CONFLICT` });
    expect(problems.json().items.map((r: { reason: string }) => r.reason)).toEqual([
      expect.stringContaining('already owns'), 'the e-mail and the phone belong to different customers',
      "the buyer's last name is not the customer's", 'this vehicle is on record as sold to another customer',
    ]);
    const rejected = await sys.api({ method: 'GET', url: `/v1/sales-reports/${reportId}/rows?outcome=REJECTED` });
    expect(rejected.json().items.map((r: { field: string }) => r.field)).toEqual(['vin', 'dealerId', 'saleDate', 'email/phone']);
    expect(JSON.stringify(rejected.json())).not.toContain('@example.com');

    // The same file again is the same report.
    const again = await sys.api({ method: 'POST', url: '/v1/sales-reports', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(again.statusCode).toBe(200);
    expect(again.json().report.reportId).toBe(reportId);
  });

  it('a file that is not sales data → 400 naming the file, nothing stored; dealers and ops may not send one', async () => {
    const before = await sys.db.salesReport.count();
    const bad = await sys.api({ method: 'POST', url: '/v1/sales-reports', headers: { 'content-type': 'text/csv' }, payload: 'email;model\nx@example.com;ID.4\n' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'file', message: expect.stringContaining('missing columns vin, saleDate, dealerId') }]);
    const csv = `vin,model,saleDate,dealerId,email\n${vin()},ID.4,2026-11-01,${selling},someone@example.com\n`;
    expect((await sys.api({ method: 'POST', url: '/v1/sales-reports', headers: { 'content-type': 'text/csv' }, payload: csv }, offeringKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'POST', url: '/v1/sales-reports', headers: { 'content-type': 'text/csv' }, payload: csv }, await createTestKey(sys.db, 'OPS'))).statusCode).toBe(403);
    expect(await sys.db.salesReport.count()).toBe(before);
  });
});
