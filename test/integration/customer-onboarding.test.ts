// Onboarding the OEM's customer base (issue 32) on the real Temporal server, with the real
// intake, activities and database: a file with every kind of row becomes journeys that start where
// each customer is; nothing is sent; each dealer gets one summary; a dry run writes nothing; a bad
// file is a 400; the routes' access for each kind of key.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createLeadIntake } from '../../intake/lead-intake.js';
import { createCustomerImports } from '../../onboarding/customer-imports.js';
import { createLeadOutboxRelay } from '../../workers/lead-outbox-relay.js';
import { createWorkers } from '../../workers/journey-worker.js';
import { recordHistoryFixture } from '../support/histories.js';
import { DEFAULT_POLICY, DAY } from '../../domain/policy.js';
import { journeyIdFor } from '../../domain/journey.js';
import { journeyStateQuery } from '../../workflows/definitions.js';
import { startBulkWorkerProcess } from '../support/bulk-worker.js';
import { apiCaller, createTestKey, eventually, sharedWorkflowBundle, silentLog, startSystem, type System } from '../support/system.js';

let sys: System;
/** Dealer B's CRM endpoint: each request's body and whether its signature verified. */
const hook = { secret: '', received: [] as { body: { type: string; data: Record<string, unknown> }; verified: boolean }[], server: null as Server | null };
beforeAll(async () => {
  sys = await startSystem({ kinds: ['journeys', 'bulk', 'deliveries'] });
  hook.server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c)).on('end', () => {
      let verified = true;
      try { new Webhook(hook.secret).verify(raw, req.headers as Record<string, string>); } catch { verified = false; }
      hook.received.push({ body: JSON.parse(raw), verified });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.server!.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => hook.server?.close(() => resolve()) ?? resolve());
  await sys?.stop();
});

const tag = randomUUID().slice(0, 6).toUpperCase().replace(/[^0-9A-Z]/g, 'X');
const [dealerA, dealerB, closed] = [`DLR-ONB-${tag}-A`, `DLR-ONB-${tag}-B`, `DLR-ONB-${tag}-CLOSED`];
/** A VIN of this run: 17 characters without I, O or Q. */
const vin = (n: number) => `WVW${tag}${String(n).padStart(17 - 3 - tag.length, '0')}`.replace(/[IOQ]/g, 'X');
const mail = (name: string) => `${name}.${tag.toLowerCase()}@example.com`;

const HEADER = 'Kundennummer;Vorname;Nachname;E-Mail;Telefon;PLZ;Land;Firma;USt-IdNr;Rolle;Newsletter;Einwilligungstext;Einwilligungsquelle;Einwilligungsdatum;FIN;Modell;Kaufdatum;Verkaufshändler;Werkstatt;Letzter Service;Wunschmodell;Kaufzeitraum';
type Row = Partial<Record<'id' | 'first' | 'last' | 'email' | 'phone' | 'plz' | 'company' | 'vat' | 'role' | 'newsletter' | 'wording' | 'proof' | 'consentDay' | 'vin' | 'model' | 'bought' | 'seller' | 'workshop' | 'service' | 'wish' | 'when', string>>;
const line = (r: Row) => [r.id, r.first, r.last, r.email, r.phone, r.plz ?? '10115', 'DE', r.company, r.vat, r.role, r.newsletter, r.wording, r.proof, r.consentDay, r.vin, r.model, r.bought, r.seller, r.workshop, r.service, r.wish, r.when]
  .map((v) => v ?? '').join(';');
const csv = (rows: Row[]) => [HEADER, ...rows.map(line)].join('\n');

async function upload(content: string, query: string, key?: string, contentType = 'text/csv') {
  return sys.api({ method: 'POST', url: `/v1/customer-imports?${query}`, payload: content, headers: { 'content-type': contentType } }, key);
}

async function completed(importId: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const view = (await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}` })).json();
    return view.status === 'COMPLETED' ? view : undefined;
  }, timeoutMs);
}

const journeyOf = async (email: string) => {
  const customer = await sys.db.customer.findUniqueOrThrow({ where: { emailNormalized: email } });
  return sys.temporal.workflow.getHandle(journeyIdFor(customer.id)).query(journeyStateQuery);
};

beforeAll(async () => {
  for (const id of [dealerA, dealerB, closed]) {
    const res = await sys.api({ method: 'POST', url: '/v1/dealers', payload: { id, name: `Autohaus ${id}`, territory: [`OB${tag}`], brands: ['VW'] } });
    expect(res.statusCode, res.body).toBe(201);
  }
  await sys.db.dealer.update({ where: { id: closed }, data: { active: false } });
  // Dealer B takes notices by webhook: its summary of the import arrives there too.
  const put = await sys.api({ method: 'PUT', url: `/v1/dealers/${dealerB}/delivery`, payload: { webhookUrl: `http://127.0.0.1:${(hook.server!.address() as AddressInfo).port}/hook`, adfEmail: null } });
  expect(put.statusCode, put.body).toBe(200);
  hook.secret = put.json().webhookSecret;
});

describe('onboarding the customer base', () => {
  // Customers the platform knows before the file: a lead (Meyer) and an owner from an earlier import.
  const earlierOwner: Row = { id: 'K-0', first: 'Eva', last: 'Früh', email: mail('eva'), vin: vin(99), model: 'Golf', bought: '2024-01-10', seller: dealerA, service: '2026-10-01' };
  const rows: Row[] = [
    // 1 an owner with proof of her newsletter consent: DEALER_OWNED with dealer A, the reminder from her last service
    { id: 'K-1', first: 'Anna', last: 'Adler', email: mail('anna'), newsletter: 'ja', wording: 'crm-2023-de', proof: 'Kaufvertrag', consentDay: '2024-05-10', vin: vin(1), model: 'ID.4', bought: '2024-05-10', seller: dealerA, service: '2026-03-01' },
    // 2 an owner whose cycle is over: back in market with dealer A, at his place in the spread
    { id: 'K-2', first: 'Bernd', last: 'Berg', email: mail('bernd'), vin: vin(2), model: 'Passat', bought: '2019-02-01', seller: dealerA, workshop: dealerA },
    // 3-5 a company's fleet: two drivers with their cars, then its fleet manager
    { id: 'K-3', first: 'Carl', last: 'Car', email: mail('carl'), company: `Flotte ${tag} GmbH`, vat: 'DE123456789', role: 'Driver', vin: vin(3), model: 'ID.7', bought: '2025-01-15', seller: dealerB },
    { id: 'K-4', first: 'Dora', last: 'Dreher', email: mail('dora'), company: `Flotte ${tag} GmbH`, vat: 'DE123456789', role: 'Driver', vin: vin(4), model: 'ID.7', bought: '2025-01-15', seller: dealerB },
    { id: 'K-5', first: 'Emil', last: 'Eck', email: mail('emil'), company: `Flotte ${tag} GmbH`, vat: 'DE123456789', role: 'Decision maker' },
    // 6 a prospect who names dealer B
    { id: 'K-6', first: 'Fritz', last: 'Fink', email: mail('fritz'), wish: 'ID.3', when: 'within 3 months', workshop: dealerB },
    // 7 an owner of a dealer we do not know, 8 of a dealer no longer active: the lead desk
    { id: 'K-7', first: 'Gina', last: 'Gast', email: mail('gina'), vin: vin(7), model: 'Tiguan', bought: '2024-02-02', seller: 'DLR-NOBODY' },
    { id: 'K-8', first: 'Hans', last: 'Hof', email: mail('hans'), vin: vin(8), model: 'Tiguan', bought: '2024-02-02', seller: closed },
    // 9 a VIN another customer owns: reported, the vehicle not added
    { id: 'K-9', first: 'Ida', last: 'Irr', email: mail('ida'), vin: vin(99), model: 'Golf', bought: '2024-01-10', seller: dealerA },
    // 10 a consent without proof: not given
    { id: 'K-10', first: 'Jan', last: 'Jung', email: mail('jan'), newsletter: 'ja', vin: vin(10), model: 'Golf', bought: '2025-06-01', seller: dealerB },
    // 11-12 one person in two rows: the second adds her second car
    { id: 'K-11', first: 'Kim', last: 'Kurz', email: mail('kim'), vin: vin(11), model: 'Polo', bought: '2023-03-03', seller: dealerB },
    { id: 'K-11', first: 'Kim', last: 'Kurz', email: mail('kim'), vin: vin(12), model: 'T-Roc', bought: '2025-05-05', seller: dealerB },
    // 13 a customer we know from a lead, under another last name: merged, the name kept
    { id: 'K-13', first: 'Lea', last: 'Schulz', email: mail('lea'), vin: vin(13), model: 'Golf', bought: '2025-02-02', seller: dealerA },
    // 14-17 malformed: a VIN that is none, a day that is none, no way to reach the person, a consent that is neither yes nor no
    { id: 'K-14', first: 'Max', email: mail('max'), vin: 'NOT-A-VIN', model: 'Golf', bought: '2025-02-02', seller: dealerA },
    { id: 'K-15', first: 'Nina', email: mail('nina'), vin: vin(15), model: 'Golf', bought: '31.02.2025', seller: dealerA },
    { id: 'K-16', first: 'Otto', last: 'Ohne' },
    { id: 'K-17', first: 'Paul', email: mail('paul'), newsletter: 'vielleicht', wording: 'w', proof: 'p', consentDay: '2024-01-01' },
  ];
  let importId: string;
  let view: Record<string, unknown> & { byPlacement: Record<string, number> };
  let startedAt: number;

  it('starts each customer where they are, reports conflicts and bad rows, sends nothing', async () => {
    const lead = await sys.api({ method: 'POST', url: '/v1/leads', payload: { source: 'WEB_FORM', contact: { firstName: 'Lea', lastName: 'Meyer', email: mail('lea') } } });
    expect(lead.statusCode, lead.body).toBe(202);
    const earlier = await upload(csv([earlierOwner]), `source=CRM&spreadDays=0&fileName=earlier.csv`);
    expect(earlier.statusCode, earlier.body).toBe(202);
    await completed(earlier.json().import.importId);

    startedAt = Date.now();
    const res = await upload(csv(rows), 'source=CRM&spreadDays=30&fileName=owners.csv');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().import).toMatchObject({ totalRows: 17, dryRun: false, spreadDays: 30, source: 'CRM', format: 'CSV' });
    expect(res.json().ignoredColumns).toEqual([]);
    importId = res.json().import.importId;
    view = await completed(importId);
    expect(view).toMatchObject({
      doneRows: 17, imported: 9, merged: 4, rejected: 4, etaSeconds: 0,
      // Ida's car is another customer's: without it she is nurtured by the OEM.
      byPlacement: { DEALER_OWNED: 4, BACK_IN_MARKET: 1, QUALIFYING: 2, ESCALATED: 2 },
      withConflicts: 4, // the VIN, the consent without proof, Kim's second row, Lea's last name
    });
  });

  it('the report names each bad row\'s column and each conflict', async () => {
    const report = await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}/report` });
    expect(report.statusCode).toBe(200);
    const lines = report.body.trim().split('\n').slice(1);
    const byRow = new Map(lines.map((l) => [Number(l.split(',')[0]), l]));
    expect(byRow.get(9)).toMatch(/vin: .* is another customer's/);
    expect(byRow.get(10)).toMatch(/without its proof/);
    expect(byRow.get(12)).toMatch(/same customer as row 11/);
    expect(byRow.get(13)).toMatch(/lastName: differs/);
    expect(byRow.get(14)).toMatch(/REJECTED,vin,/);
    expect(byRow.get(15)).toMatch(/REJECTED,purchaseDate,/);
    expect(byRow.get(16)).toMatch(/REJECTED,email\/phone,/);
    expect(byRow.get(17)).toMatch(/REJECTED,emailMarketing,/);
    expect(byRow.get(14)).toContain('K-14');
    expect([...byRow.keys()].sort((a, b) => a - b)).toEqual([9, 10, 12, 13, 14, 15, 16, 17]);
  });

  it('an owner is DEALER_OWNED with her dealer, the IMPORTED ledger entry, her car, the reminder from her last service and her consent in force', async () => {
    const anna = await journeyOf(mail('anna'));
    expect(anna).toMatchObject({
      stage: 'DEALER_OWNED', owner: 'DEALER', dealerId: dealerA, vehicle: { vin: vin(1), model: 'ID.4', soldOn: '2024-05-10' },
      serviceReminderDueAt: new Date(Date.parse('2026-03-01T00:00:00Z') + DEFAULT_POLICY.serviceReminderIntervalMs).toISOString(),
      ownershipCycleEndsAt: new Date(Date.parse('2024-05-10T00:00:00Z') + DEFAULT_POLICY.ownershipCycleMs).toISOString(),
      survey: null, lastLeadSource: 'CUSTOMER_IMPORT', imported: { importId, source: 'CRM' },
    });
    expect(anna.consent.granted).toContain('EMAIL:MARKETING');
    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId: anna.customerId } });
    expect(ledger).toMatchObject([{ fromOwner: null, toOwner: 'DEALER', toDealerId: dealerA, reason: 'IMPORTED: CRM', actor: `import:${importId}` }]);
    const consent = await sys.db.consentRecord.findFirstOrThrow({ where: { customerId: anna.customerId } });
    expect(consent).toMatchObject({ method: 'IMPORTED', wordingId: 'crm-2023-de', source: 'Kaufvertrag', granted: true, capturedAt: new Date('2024-05-10T00:00:00Z') });
    expect(await sys.db.sale.findMany({ where: { customerId: anna.customerId } })).toMatchObject([{ vin: vin(1), dealerId: dealerA, imported: true }]);
  });

  it('an owner whose cycle is over goes back in market at his place in the spread, offered to his own dealer first', async () => {
    const bernd = await journeyOf(mail('bernd'));
    const imp = await sys.db.customerImport.findUniqueOrThrow({ where: { id: importId } });
    // Row 2 of 17 over 30 days: 1/17 of the way.
    const slot = imp.createdAt.getTime() + Math.floor((30 * DAY * 1) / 17);
    expect(bernd).toMatchObject({ stage: 'DEALER_OWNED', dealerId: dealerA, preferredDealerId: dealerA, ownershipCycleEndsAt: new Date(slot).toISOString() });
    expect(slot).toBeGreaterThan(startedAt);
  });

  it("a company's rows are one journey: its drivers' cars in its fleet, its people by role", async () => {
    const company = await sys.db.customer.findFirstOrThrow({ where: { vatId: 'DE123456789', kind: 'COMPANY' } });
    const fleet = await sys.temporal.workflow.getHandle(journeyIdFor(company.id)).query(journeyStateQuery);
    const [carl, dora, emil] = await Promise.all(['carl', 'dora', 'emil'].map((n) => sys.db.customer.findUniqueOrThrow({ where: { emailNormalized: mail(n) } })));
    expect(fleet).toMatchObject({ stage: 'DEALER_OWNED', dealerId: dealerB });
    expect(fleet.fleet).toEqual([
      { vin: vin(3), model: 'ID.7', soldOn: '2025-01-15', driverId: carl!.id },
      { vin: vin(4), model: 'ID.7', soldOn: '2025-01-15', driverId: dora!.id },
    ]);
    expect(fleet.account?.contacts.map((c) => [c.contactId, c.role])).toEqual([[carl!.id, 'DRIVER'], [dora!.id, 'DRIVER'], [emil!.id, 'DECISION_MAKER']]);
  });

  it("a company whose fleet manager comes first: its driver's car, a row later, makes it the dealer's owner as if the rows had come together", async () => {
    const vat = `DE9${String(Date.now()).slice(-8)}`;
    const company = `Später ${tag} AG`;
    const res = await upload(csv([
      { id: 'F-1', first: 'Mara', last: 'Manager', email: mail('mara'), company, vat, role: 'Decision maker' },
      { id: 'F-2', first: 'Dirk', last: 'Driver', email: mail('dirk'), company, vat, role: 'Driver', vin: vin(70), model: 'ID.7', bought: '2025-06-01', seller: dealerA },
    ]), 'source=CRM&spreadDays=0&fileName=fleet-later.csv');
    expect(res.statusCode, res.body).toBe(202);
    await completed(res.json().import.importId);
    const customer = await sys.db.customer.findFirstOrThrow({ where: { vatId: vat, kind: 'COMPANY' } });
    const fleet = await eventually(async () => {
      const state = await sys.temporal.workflow.getHandle(journeyIdFor(customer.id)).query(journeyStateQuery);
      return state.stage === 'DEALER_OWNED' ? state : undefined;
    });
    expect(fleet).toMatchObject({ owner: 'DEALER', dealerId: dealerA, vehicle: { vin: vin(70) } });
    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId: customer.id }, orderBy: { at: 'asc' } });
    expect(ledger.map((o) => [o.toOwner, o.toDealerId, o.reason])).toEqual([['OEM', null, 'IMPORTED: CRM'], ['DEALER', dealerA, 'IMPORTED: CRM']]);
  });

  it('a prospect qualifies from his place in the spread, with the dealer he named preferred', async () => {
    const fritz = await journeyOf(mail('fritz'));
    expect(fritz).toMatchObject({ stage: 'QUALIFYING', owner: 'OEM', preferredDealerId: dealerB, vehicle: null });
    expect(Date.parse(fritz.handoffBlockedUntil!)).toBeGreaterThan(startedAt);
  });

  it("customers of a dealer we do not know, or no longer active, are the lead desk's, with a task", async () => {
    for (const [name, reason] of [['gina', 'dealer DLR-NOBODY is not an active dealer'], ['hans', `dealer ${closed} is not an active dealer`]] as const) {
      const state = await journeyOf(mail(name));
      expect(state).toMatchObject({ stage: 'ESCALATED', owner: 'OEM', dealerId: null, escalation: { reason: `IMPORTED_DEALER_UNKNOWN: ${reason}` } });
      const task = await sys.db.journeyTask.findFirstOrThrow({ where: { journeyId: state.journeyId } });
      expect(task).toMatchObject({ assignee: 'OEM', kind: 'ESCALATION' });
    }
  });

  it('a VIN another customer owns is not added; a consent without proof is not given; one person in two rows is one journey with both cars', async () => {
    const ida = await journeyOf(mail('ida'));
    expect(ida).toMatchObject({ stage: 'QUALIFYING', vehicle: null });
    expect(await sys.db.sale.count({ where: { vin: vin(99) } })).toBe(1);
    const jan = await journeyOf(mail('jan'));
    expect(jan.consent.granted).not.toContain('EMAIL:MARKETING');
    expect(await sys.db.consentRecord.count({ where: { customerId: jan.customerId } })).toBe(0);
    const kim = await eventually(async () => {
      const state = await journeyOf(mail('kim'));
      return state.leadCount === 2 ? state : undefined;
    });
    expect(kim).toMatchObject({ stage: 'DEALER_OWNED', vehicle: { vin: vin(11) } });
    await recordHistoryFixture(sys.temporal.workflow.getHandle(kim.journeyId), 'journey-imported-two-rows');
    expect((await sys.db.sale.findMany({ where: { customerId: kim.customerId }, orderBy: { soldOn: 'asc' } })).map((s) => s.vin)).toEqual([vin(11), vin(12)]);
  });

  it("a known customer's row adds what is new and overwrites nothing", async () => {
    const lea = await eventually(async () => {
      const state = await journeyOf(mail('lea'));
      return state.leadCount === 2 ? state : undefined;
    });
    expect(lea).toMatchObject({ stage: 'QUALIFYING', lastLeadSource: 'WEB_FORM', vehicle: { vin: vin(13) } });
    expect(await sys.db.customer.findUniqueOrThrow({ where: { emailNormalized: mail('lea') } })).toMatchObject({ lastName: 'Meyer' });
  });

  it('nothing is sent because of the import; each dealer gets one summary, and reads only its own', async () => {
    const customers = await sys.db.customerImportRow.findMany({ where: { importId, customerId: { not: null } }, select: { customerId: true } });
    expect(customers).toHaveLength(13);
    expect(await sys.db.communication.count({ where: { customerId: { in: customers.map((c) => c.customerId!) } } })).toBe(0);
    // No notice about any one customer; one summary notice per dealer, about the import.
    expect(await sys.db.dealerNotice.count({ where: { dealerId: { in: [dealerA, dealerB] }, kind: { not: 'customers.imported' } } })).toBe(0);
    expect((await sys.db.dealerNotice.findMany({ where: { importId }, orderBy: { dealerId: 'asc' } })).map((n) => [n.dealerId, n.kind, n.journeyId])).toEqual([
      [dealerA, 'customers.imported', null], [dealerB, 'customers.imported', null],
    ]);
    const summaries = await sys.db.customerImportDealerSummary.findMany({ where: { importId }, orderBy: { dealerId: 'asc' } });
    expect(summaries).toMatchObject([
      { dealerId: dealerA, owners: 1, backInMarket: 1, prospects: 0 },
      { dealerId: dealerB, owners: 3, backInMarket: 0, prospects: 1 },
    ]);
    // Dealer B's webhook got its summary, signed, once: counts only, no customer named.
    const pushed = await eventually(async () => (hook.received.length > 0 ? hook.received : undefined), 30_000);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({ verified: true, body: { type: 'customers.imported', data: { dealerId: dealerB, importId, owners: 3, backInMarket: 0, prospects: 1, source: 'CRM' } } });
    // No e-mail address, name or VIN (the dealer's id carries the tag too: look for the people's parts).
    for (const part of [`.${tag.toLowerCase()}@`, 'Carl', 'Dreher', vin(3)]) expect(JSON.stringify(pushed[0]!.body)).not.toContain(part);
    const deliveries = (await sys.api({ method: 'GET', url: `/v1/dealers/${dealerB}/deliveries` })).json();
    expect(deliveries.items.filter((d: { event: string }) => d.event === 'customers.imported')).toMatchObject([{ status: 'DELIVERED', importId, journeyId: null, customerId: null }]);
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerB);
    const own = await sys.api({ method: 'GET', url: '/v1/customer-import-summaries' }, dealerKey);
    expect(own.statusCode).toBe(200);
    expect(own.json().summaries.map((s: { dealerId: string }) => s.dealerId)).toEqual([dealerB]);
    // The rows' personal data is gone once the import is done; their outcomes stay.
    const [{ kept }] = await sys.db.$queryRawUnsafe<[{ kept: number }]>('SELECT count(*)::int AS kept FROM customer_import_row WHERE import_id = $1::uuid AND values IS NOT NULL', importId);
    expect(kept).toBe(0);
  });

  it('the same file again is the same import: 200, nothing new', async () => {
    const journeys = await sys.db.journey.count();
    const again = await upload(csv(rows), 'source=CRM&spreadDays=30&fileName=owners.csv');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ replayed: true, import: { importId, status: 'COMPLETED' } });
    expect(await sys.db.journey.count()).toBe(journeys);
  });

  it('a dry run reports what would happen and writes no customer, lead or journey', async () => {
    const fresh: Row[] = [
      { first: 'Quinn', email: mail('quinn'), vin: vin(20), model: 'Golf', bought: '2025-02-02', seller: dealerA },
      { first: 'Rita', email: mail('rita'), vin: vin(21), model: 'Golf', bought: '2018-02-02', seller: dealerA },
      { first: 'Rita', email: mail('rita'), wish: 'ID.7' },
      { first: 'Sam', email: mail('sam'), vin: vin(22), model: 'Golf', bought: '2025-02-02', seller: 'DLR-NOBODY' },
      { first: 'Tom', email: mail('tom'), vin: vin(99), model: 'Golf', bought: '2025-02-02', seller: dealerA },
      { first: 'Uwe', email: 'not an address' },
    ];
    const [customers, leads, journeys] = [await sys.db.customer.count(), await sys.db.lead.count(), await sys.db.journey.count()];
    const res = await upload(csv(fresh), 'source=CRM&dryRun=true');
    expect(res.statusCode, res.body).toBe(202);
    const dry = await completed(res.json().import.importId);
    expect(dry).toMatchObject({ dryRun: true, imported: 4, merged: 1, rejected: 1, byPlacement: { DEALER_OWNED: 1, BACK_IN_MARKET: 1, QUALIFYING: 1, ESCALATED: 1 } });
    expect([await sys.db.customer.count(), await sys.db.lead.count(), await sys.db.journey.count()]).toEqual([customers, leads, journeys]);
    expect(await sys.db.customerImportDealerSummary.count({ where: { importId: dry.importId } })).toBe(0);
  });

  it('JSON lines are read as well', async () => {
    const body = [{ 'E-Mail': mail('vera'), FIN: vin(30), Modell: 'ID.3', Kaufdatum: '2025-07-07', 'Verkaufshändler': dealerA, 'Letzter Service': '2026-10-01', Lieblingsfarbe: 'blau' }]
      .map((o) => JSON.stringify(o)).join('\n');
    const res = await upload(body, 'source=DMS', undefined, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().ignoredColumns).toEqual(['Lieblingsfarbe']);
    const done = await completed(res.json().import.importId);
    expect(done).toMatchObject({ imported: 1, byPlacement: { DEALER_OWNED: 1 } });
    expect(await journeyOf(mail('vera'))).toMatchObject({ stage: 'DEALER_OWNED', dealerId: dealerA });
  });

  it('a bad file is a 400 naming the problem, and nothing of it is kept', async () => {
    const before = await sys.db.customerImport.count();
    const noContact = await upload('Vorname;Nachname\nAnna;Adler\n', 'source=CRM');
    expect(noContact.statusCode).toBe(400);
    expect(noContact.json().detail).toMatch(/no e-mail or phone column/);
    const badLine = await upload(`{"email":"${mail('w1')}"}\nnot json\n`, 'source=CRM', undefined, 'application/x-ndjson');
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().detail).toMatch(/line 2 is not valid JSON/);
    const empty = await upload(`${HEADER}\n`, 'source=CRM');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/no rows/);
    const noFile = await sys.api({ method: 'POST', url: '/v1/customer-imports?source=CRM' });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().detail).toMatch(/send the file as the body/);
    const noSource = await upload(csv([{ email: mail('w2') }]), 'spreadDays=3');
    expect(noSource.statusCode).toBe(400);
    expect(await sys.db.customerImport.count()).toBe(before);
  });

  it('OEM keys send files and read reports; ops read progress only; dealers are refused', async () => {
    const dealerKey = await createTestKey(sys.db, 'DEALER', dealerA);
    const opsKey = await createTestKey(sys.db, 'OPS');
    const file = csv([{ email: mail('x1') }]);
    expect((await upload(file, 'source=CRM', dealerKey)).statusCode).toBe(403);
    expect((await upload(file, 'source=CRM', opsKey)).statusCode).toBe(403);
    expect((await upload(file, 'source=CRM', null as unknown as string)).statusCode).toBe(401);
    expect((await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}` }, dealerKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}/report` }, dealerKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}` }, opsKey)).statusCode).toBe(200);
    expect((await sys.api({ method: 'GET', url: `/v1/customer-imports/${importId}/report` }, opsKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: '/v1/customer-import-summaries' }, opsKey)).statusCode).toBe(403);
    expect((await sys.api({ method: 'GET', url: `/v1/customer-imports/${randomUUID()}` })).statusCode).toBe(404);
    expect(await sys.db.lead.count({ where: { customer: { emailNormalized: mail('x1') } } })).toBe(0);
  });
});


describe('no spread', () => {
  it('an owner whose cycle is over is offered to his own dealer at once, the ledger saying why', async () => {
    const res = await upload(csv([{ first: 'Olaf', email: mail('olaf'), vin: vin(40), model: 'Passat', bought: '2019-01-01', seller: dealerB, service: '2026-10-01' }]), 'source=CRM&spreadDays=0');
    expect(res.statusCode, res.body).toBe(202);
    await completed(res.json().import.importId);
    const olaf = await eventually(async () => {
      const state = await journeyOf(mail('olaf'));
      return state.stage === 'HANDED_OFF' && state.handoff?.dealerId ? state : undefined;
    });
    expect(olaf).toMatchObject({ owner: 'OEM', preferredDealerId: dealerB, handoff: { dealerId: dealerB } });
    const ledger = await sys.db.ownershipChange.findMany({ where: { customerId: olaf.customerId }, orderBy: { at: 'asc' } });
    expect(ledger.map((l) => [l.reason, l.toOwner, l.toDealerId])).toEqual([['IMPORTED: CRM', 'DEALER', dealerB], ['BACK_IN_MARKET', 'OEM', null]]);
    // The run the file started (back in market ends its chapter: the journey goes on in a new run).
    if (process.env.RECORD_HISTORIES === '1') {
      const runs = [];
      for await (const run of sys.temporal.workflow.list({ query: `WorkflowId = '${olaf.journeyId}'` })) runs.push(run);
      const first = runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())[0]!;
      await recordHistoryFixture(sys.temporal.workflow.getHandle(olaf.journeyId, first.runId), 'journey-imported-back-in-market');
    }
  });
});

describe('Temporal down when the file arrives', () => {
  it('the file is stored RECEIVED, and the relay starts its import later', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
    const app = await buildApp({ db: sys.db, temporal: unreachable, log: silentLog, taskQueue: sys.taskQueue });
    try {
      const res = await apiCaller(app, sys.oemKey)({
        method: 'POST', url: '/v1/customer-imports?source=CRM', headers: { 'content-type': 'text/csv' },
        payload: csv([{ email: mail('outage'), vin: vin(60), model: 'Golf', bought: '2025-05-05', seller: dealerA, service: '2026-10-01' }]),
      });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ started: false, import: { status: 'RECEIVED', doneRows: 0 } });
      const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, defaultCountry: 'DE', log: silentLog });
      const customerImports = createCustomerImports({ db: sys.db, temporal: sys.temporal, taskQueue: sys.taskQueue, log: silentLog });
      expect(await createLeadOutboxRelay({ db: sys.db, intake, customerImports, log: silentLog, minAgeMs: 0 }).relayOnce()).toBeGreaterThanOrEqual(1);
      expect(await completed(res.json().import.importId)).toMatchObject({ imported: 1, byPlacement: { DEALER_OWNED: 1 } });
    } finally {
      await app.close();
    }
  });
});

describe('npm run import -- --customers', () => {
  it('streams the file over HTTP, follows the import to its end and saves the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l2l-cli-'));
    const file = join(dir, 'owners.csv');
    writeFileSync(file, csv([
      { id: 'C-1', email: mail('cli1'), vin: vin(50), model: 'Golf', bought: '2025-04-04', seller: dealerA, service: '2026-10-01' },
      { id: 'C-2', email: mail('cli2'), vin: 'NOT-A-VIN', model: 'Golf', bought: '2025-04-04', seller: dealerA },
    ]));
    const address = await sys.app.listen({ port: 0, host: '127.0.0.1' });
    const cli = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../cli/import.ts', import.meta.url)), '--customers', file, '--source', 'CLI', '--spread-days', '0'], {
      env: { ...process.env, L2L_API_URL: address, L2L_API_KEY: sys.oemKey }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/uploaded: owners\.csv → customer import [0-9a-f-]{36} \(2 rows\)/);
    expect(out).toMatch(/done: 1 new journeys \(DEALER_OWNED 1, BACK_IN_MARKET 0, QUALIFYING 0, ESCALATED 0\), 0 merged, 1 rejected, 0 with conflicts/);
    const report = readdirSync(dir).find((f) => f.startsWith('owners.report-'));
    expect(readFileSync(join(dir, report!), 'utf8')).toMatch(/^row,externalId,outcome,column,reason,conflicts\n2,C-2,REJECTED,vin,/);
    expect(await journeyOf(mail('cli1'))).toMatchObject({ stage: 'DEALER_OWNED', dealerId: dealerA });
  });
});

/**
 * Block `b` of the 2,000-row file: every kind of row of the hand-written file above (but the known
 * customer, who needs a lead of her own first), each block its own people, cars and company.
 * Per block: 9 rows imported, 3 merged into them (two of the company's people, Kim's second car),
 * 4 rejected; placed DEALER_OWNED 4 (an owner, the company, the consent without proof, Kim), back in
 * market 1, qualifying 2 (the prospect, the VIN another customer owns), the lead desk's 2.
 */
function blockOfEveryKind(b: number, takenVin: string): Row[] {
  const who = (name: string) => mail(`${name}${b}`);
  const car = (k: number) => vin(10_000 + b * 20 + k);
  const company = `Flotte ${tag} ${b} GmbH`;
  const vat = `DE${tag}${b}`;
  return [
    { id: `B${b}-1`, first: 'Anna', last: 'Adler', email: who('anna'), newsletter: 'ja', wording: 'crm-2023-de', proof: 'Kaufvertrag', consentDay: '2024-05-10', vin: car(1), model: 'ID.4', bought: '2024-05-10', seller: dealerA, service: '2026-03-01' },
    { id: `B${b}-2`, first: 'Bernd', last: 'Berg', email: who('bernd'), vin: car(2), model: 'Passat', bought: '2019-02-01', seller: dealerA, workshop: dealerA },
    { id: `B${b}-3`, first: 'Carl', last: 'Car', email: who('carl'), company, vat, role: 'Driver', vin: car(3), model: 'ID.7', bought: '2025-01-15', seller: dealerB },
    { id: `B${b}-4`, first: 'Dora', last: 'Dreher', email: who('dora'), company, vat, role: 'Driver', vin: car(4), model: 'ID.7', bought: '2025-01-15', seller: dealerB },
    { id: `B${b}-5`, first: 'Emil', last: 'Eck', email: who('emil'), company, vat, role: 'Decision maker' },
    { id: `B${b}-6`, first: 'Fritz', last: 'Fink', email: who('fritz'), wish: 'ID.3', when: 'within 3 months', workshop: dealerB },
    { id: `B${b}-7`, first: 'Gina', last: 'Gast', email: who('gina'), vin: car(7), model: 'Tiguan', bought: '2024-02-02', seller: 'DLR-NOBODY' },
    { id: `B${b}-8`, first: 'Hans', last: 'Hof', email: who('hans'), vin: car(8), model: 'Tiguan', bought: '2024-02-02', seller: closed },
    { id: `B${b}-9`, first: 'Ida', last: 'Irr', email: who('ida'), vin: takenVin, model: 'Golf', bought: '2024-01-10', seller: dealerA },
    { id: `B${b}-10`, first: 'Jan', last: 'Jung', email: who('jan'), newsletter: 'ja', vin: car(10), model: 'Golf', bought: '2025-06-01', seller: dealerB },
    { id: `B${b}-11`, first: 'Kim', last: 'Kurz', email: who('kim'), vin: car(11), model: 'Polo', bought: '2023-03-03', seller: dealerB },
    { id: `B${b}-11`, first: 'Kim', last: 'Kurz', email: who('kim'), vin: car(12), model: 'T-Roc', bought: '2025-05-05', seller: dealerB },
    { id: `B${b}-14`, first: 'Max', email: who('max'), vin: 'NOT-A-VIN', model: 'Golf', bought: '2025-02-02', seller: dealerA },
    { id: `B${b}-15`, first: 'Nina', email: who('nina'), vin: car(15), model: 'Golf', bought: '31.02.2025', seller: dealerA },
    { id: `B${b}-16`, first: 'Otto', last: 'Ohne' },
    { id: `B${b}-17`, first: 'Paul', email: who('paul'), newsletter: 'vielleicht', wording: 'w', proof: 'p', consentDay: '2024-01-01' },
  ];
}

describe('a 2,000-row file with every kind of row, its worker killed in the middle', () => {
  it('resumes: every row exactly once; the journeys start where each customer is, with their ledger entries and dates; nothing sent; one summary per dealer', async () => {
    const taskQueue = `onboarding-kill-${randomUUID()}`;
    const journeyQueue = `journeys-kill-${randomUUID()}`;
    const app = await buildApp({ db: sys.db, temporal: sys.temporal, log: silentLog, taskQueue });
    const api = apiCaller(app, sys.oemKey);
    const blocks = 125;
    const rows = blocks * 16;
    const source = `CRM kill ${tag}`;
    // The VIN the file's Idas give is an owner's from an earlier import.
    const takenVin = vin(9_999);
    const earlier = await upload(csv([{ id: 'KK-0', first: 'Olga', last: 'Alt', email: mail('olga'), vin: takenVin, model: 'Golf', bought: '2024-01-10', seller: dealerA }]), 'source=CRM&spreadDays=0&fileName=olga.csv');
    expect(earlier.statusCode, earlier.body).toBe(202);
    await completed(earlier.json().import.importId);
    const file = csv(Array.from({ length: blocks }, (_, b) => blockOfEveryKind(b, takenVin)).flat());
    const child = await startBulkWorkerProcess({ databaseUrl: sys.databaseUrl, taskQueue, journeyQueue });
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    let journeysRunning: Promise<void> = Promise.resolve();
    let stopJourneys = () => {};
    try {
      const res = await api({ method: 'POST', url: `/v1/customer-imports?source=${encodeURIComponent(source)}&spreadDays=30`, payload: file, headers: { 'content-type': 'text/csv' } });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().import.totalRows).toBe(rows);
      const { importId } = res.json().import;
      const created = (await sys.db.customerImport.findUniqueOrThrow({ where: { id: importId } })).createdAt.getTime();

      // Killed mid-file: some rows done, the file not.
      const doneRows = () => sys.db.customerImportRow.count({ where: { importId, outcome: { not: null } } });
      await eventually(async () => ((await doneRows()) >= 300 ? true : undefined), 90_000);
      child.kill('SIGKILL');
      expect(await doneRows()).toBeLessThan(rows);

      // Resumed by another worker; the journeys' worker takes what the rows started.
      const intake = createLeadIntake({ db: sys.db, temporal: sys.temporal, taskQueue: journeyQueue, defaultCountry: 'DE', log: silentLog });
      const bulk = await createWorkers(connection, { db: sys.db, intake }, { taskQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['bulk'] });
      const journeys = await createWorkers(connection, { db: sys.db, intake, temporal: sys.temporal }, { taskQueue: journeyQueue, workflowBundle: sharedWorkflowBundle(), kinds: ['journeys'] });
      const customerIds = async () => [...new Set((await sys.db.customerImportRow.findMany({ where: { importId, customerId: { not: null } }, select: { customerId: true } })).map((r) => r.customerId!))];
      // The journeys' worker runs to the end of the test: the checks below query the journeys.
      journeysRunning = journeys.run();
      stopJourneys = () => journeys.shutdown();
      const done = await bulk.runUntil(() => completed(importId, 180_000));
      // Every imported journey has taken its first task (its stage in the read model).
      const stages = await eventually(async () => {
        const counts = await sys.db.journey.groupBy({ by: ['stage'], where: { customerId: { in: await customerIds() } }, _count: true });
        const byStage = Object.fromEntries(counts.map((c) => [c.stage, c._count]));
        return Object.values(byStage).reduce((a, n) => a + n, 0) === blocks * 9 && !byStage.CAPTURED ? byStage : undefined;
      }, 120_000);

      // Every row exactly once.
      expect(done).toMatchObject({
        totalRows: rows, doneRows: rows, imported: blocks * 9, merged: blocks * 3, rejected: blocks * 4, withConflicts: blocks * 3,
        byPlacement: { DEALER_OWNED: blocks * 4, BACK_IN_MARKET: blocks, QUALIFYING: blocks * 2, ESCALATED: blocks * 2 },
      });
      expect(await sys.db.customerImportRow.count({ where: { importId } })).toBe(rows);
      // The counts the import keeps as chunks finish (one written twice by the killed worker's chunk
      // and its retry would show here) against the rows themselves.
      const outcomes = await sys.db.customerImportRow.groupBy({ by: ['outcome', 'placement'], where: { importId }, _count: true });
      const rowsWith = (outcome: string, placement?: string) => outcomes.filter((o) => o.outcome === outcome && (!placement || o.placement === placement)).reduce((a, o) => a + o._count, 0);
      expect({ imported: rowsWith('IMPORTED'), merged: rowsWith('MERGED'), rejected: rowsWith('REJECTED'), owned: rowsWith('IMPORTED', 'DEALER_OWNED') })
        .toEqual({ imported: done.imported, merged: done.merged, rejected: done.rejected, owned: done.byPlacement.DEALER_OWNED });
      const leads = await sys.db.lead.findMany({ where: { event: source }, select: { customerId: true, idempotencyKey: true, deliveredAt: true } });
      expect(leads).toHaveLength(rows - blocks * 4); // a lead per row not rejected
      expect(new Set(leads.map((l) => l.idempotencyKey)).size).toBe(leads.length);
      expect(leads.filter((l) => l.deliveredAt === null)).toEqual([]); // every row reached its journey
      expect(await sys.db.customer.count({ where: { emailNormalized: { in: Array.from({ length: blocks }, (_, b) => mail(`anna${b}`)) } } })).toBe(blocks); // one customer per person

      // The journeys, where each customer is: back in market waits for its place in the spread.
      expect(stages).toEqual({ DEALER_OWNED: blocks * 5, QUALIFYING: blocks * 2, ESCALATED: blocks * 2 });
      const ledger = await sys.db.ownershipChange.groupBy({ by: ['toOwner'], where: { actor: `import:${importId}` }, _count: true });
      expect(Object.fromEntries(ledger.map((l) => [l.toOwner, l._count]))).toEqual({ DEALER: blocks * 5, OEM: blocks * 4 });
      for (const b of [0, blocks - 1]) {
        const anna = await journeyOf(mail(`anna${b}`));
        expect(anna).toMatchObject({
          stage: 'DEALER_OWNED', dealerId: dealerA, imported: { importId },
          serviceReminderDueAt: new Date(Date.parse('2026-03-01T00:00:00Z') + DEFAULT_POLICY.serviceReminderIntervalMs).toISOString(),
          ownershipCycleEndsAt: new Date(Date.parse('2024-05-10T00:00:00Z') + DEFAULT_POLICY.ownershipCycleMs).toISOString(),
        });
        // Bernd is row 16b + 2: his place is (16b + 1) / 2,000 of the 30 days.
        const bernd = await journeyOf(mail(`bernd${b}`));
        expect(bernd).toMatchObject({ stage: 'DEALER_OWNED', preferredDealerId: dealerA, ownershipCycleEndsAt: new Date(created + Math.floor((30 * DAY * (16 * b + 1)) / rows)).toISOString() });
      }

      // Nothing sent because of the import; one summary per dealer.
      expect(await sys.db.communication.count({ where: { customerId: { in: await customerIds() } } })).toBe(0);
      expect((await sys.db.dealerNotice.findMany({ where: { importId }, orderBy: { dealerId: 'asc' } })).map((n) => [n.dealerId, n.kind])).toEqual([
        [dealerA, 'customers.imported'], [dealerB, 'customers.imported'],
      ]);
      expect(await sys.db.customerImportDealerSummary.findMany({ where: { importId }, orderBy: { dealerId: 'asc' } })).toMatchObject([
        { dealerId: dealerA, owners: blocks, backInMarket: blocks, prospects: 0 },
        { dealerId: dealerB, owners: blocks * 3, backInMarket: 0, prospects: blocks },
      ]);
    } finally {
      child.kill('SIGKILL');
      stopJourneys();
      await journeysRunning.catch(() => undefined);
      await connection.close();
      await app.close();
    }
  }, 420_000);
});
