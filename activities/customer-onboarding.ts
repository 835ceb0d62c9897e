// The work of a customerOnboarding workflow: a chunk of an onboarding file's rows becomes
// customers, leads (source CUSTOMER_IMPORT) and journeys through the lead intake, each journey
// told the customer's record. Each row's lead carries the key `customer-import:<import>:<row>`
// and a row is marked done with its outcome only after its journey has it: a chunk retried after
// a kill skips the rows done and finds the leads of the others by key (every row exactly once).
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { BulkPace } from '../platform/bulk-pace.js';
import { companyIdentityOf, normalizeVatId } from '../domain/fleets.js';
import { normalizeEmail, normalizePhone } from '../domain/identity.js';
import { IMPORT_PLACEMENTS, placementOf, spreadSlot, type CustomerRecord, type ImportPlacement, type RowOutcome } from '../domain/onboarding.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { BatchLead, LeadIntake } from '../intake/lead-intake.js';
import { columnOf } from '../intake/import-file.js';
import { readCustomerRow, type CustomerRowValues } from '../onboarding/customer-file.js';
import { countCustomerImportRows, placedColumnOf } from '../onboarding/customer-imports.js';
import { createJourneyPolicyStore } from '../platform/journey-policy.js';
import { inTransaction, sqlPoolOf, type PrismaClient } from '../platform/db.js';
import { deliveriesStarter, recordImportSummaryNoticesWithin, type DealerDeliveryDeps } from './dealer-delivery.js';

export interface CustomerOnboardingDeps extends Pick<DealerDeliveryDeps, 'temporal' | 'taskQueue' | 'delivery'> {
  db: PrismaClient;
  intake?: LeadIntake;
  defaultCountry?: string;
  /** The pace of this process's bulk work towards the journeys (activities/index.ts; shared with lead imports and campaigns). */
  bulkPace?: BulkPace;
}

/** What became of one row. */
interface RowResult {
  row: number;
  outcome: RowOutcome;
  placement: ImportPlacement | null;
  customerId: string | null;
  dealerId: string | null;
  vins: string[];
  field: string | null;
  reason: string | null;
  conflicts: string[];
  personKey: string | null;
}

/** Counts a chunk reports to its workflow. */
export interface ChunkCounts {
  imported: number;
  merged: number;
  rejected: number;
  withConflicts: number;
  placements: Partial<Record<ImportPlacement, number>>;
  /** Rows of the chunk done before (a retried chunk): not counted again. */
  doneBefore: number;
}

/** A hash of who the row's person is (e-mail, else phone; a company by its key): finds them in later rows, names no one. */
const personKeyOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

export function createCustomerOnboardingActivities({ db, intake, defaultCountry = 'DE', bulkPace: pace, temporal, taskQueue, delivery }: CustomerOnboardingDeps) {
  const startDeliveries = deliveriesStarter({ temporal, taskQueue, delivery });
  const pool = sqlPoolOf(db);
  const policies = createJourneyPolicyStore(db);

  return {
    async onboardCustomerRows({ importId, fromRow, toRow }: { importId: string; fromRow: number; toRow: number }): Promise<ChunkCounts> {
      if (!intake) throw new Error('this worker was started without the lead intake; it cannot onboard customers');
      const imp = await db.customerImport.findUniqueOrThrow({ where: { id: importId } });
      const rows = await db.customerImportRow.findMany({ where: { importId, row: { gte: fromRow, lte: toRow }, outcome: null }, orderBy: { row: 'asc' } });
      const doneBefore = toRow - fromRow + 1 - rows.length;
      const now = new Date();
      const at = now.toISOString();
      const today = at.slice(0, 10);
      const policy = await policies.current().then((c) => ({ ...DEFAULT_POLICY, ...c.policy })).catch(() => DEFAULT_POLICY);

      const results: RowResult[] = [];
      const reject = (row: number, field: string, reason: string) =>
        results.push({ row, outcome: 'REJECTED', placement: null, customerId: null, dealerId: null, vins: [], field, reason, conflicts: [], personKey: null });

      // Each row read on its own; then the chunk's look-ups in a handful of queries.
      type Candidate = { row: number; reading: Extract<ReturnType<typeof readCustomerRow>, { lead: unknown }>; email?: string; phone?: string; companyKey?: string };
      const candidates: Candidate[] = [];
      for (const r of rows) {
        const reading = readCustomerRow((r.values ?? {}) as CustomerRowValues, { importSource: imp.source, today });
        if ('field' in reading) { reject(r.row, reading.field, reading.reason); continue; }
        const c = reading.lead.contact;
        let email: string | undefined;
        let phone: string | undefined;
        try {
          email = c.email ? normalizeEmail(c.email) : undefined;
          phone = c.phone ? normalizePhone(c.phone, c.country ?? defaultCountry) : undefined;
        } catch {
          reject(r.row, 'phone', `"${c.phone}" is not a valid phone number`);
          continue;
        }
        const company = reading.lead.company;
        const identity = company ? companyIdentityOf({ name: company.name, vatId: company.vatId, postalCode: company.postalCode ?? c.postalCode }) : null;
        if (company && !identity) { reject(r.row, 'vatId', 'a company needs a VAT id or a postal code to be told apart from others of its name'); continue; }
        candidates.push({ row: r.row, reading, email, phone, ...(identity ? { companyKey: (identity.vatKey ?? identity.nameKey)! } : {}) });
      }

      const dealerIds = [...new Set(candidates.flatMap(({ reading: { facts } }) => [facts.servicingDealerId, facts.vehicle?.sellingDealerId].filter((d): d is string => !!d)))];
      const active = new Set((await db.dealer.findMany({ where: { id: { in: dealerIds }, active: true }, select: { id: true } })).map((d) => d.id));
      const people = candidates.filter((c) => !c.companyKey);
      const { rows: known } = await pool.query<{ id: string; email_normalized: string | null; phone_e164: string | null; last_name: string | null }>(
        `SELECT id, email_normalized, phone_e164, last_name FROM customer WHERE email_normalized = ANY($1::text[]) OR phone_e164 = ANY($2::text[])`,
        [people.flatMap((c) => (c.email ? [c.email] : [])), people.flatMap((c) => (c.phone ? [c.phone] : []))],
      );
      const companies = candidates.filter((c) => c.companyKey);
      const { rows: knownCompanies } = companies.length === 0 ? { rows: [] } : await pool.query<{ id: string; vat_id: string | null; company_key: string }>(
        `SELECT id, vat_id, company_key FROM customer WHERE kind = 'COMPANY' AND (company_key = ANY($1::text[]) OR vat_id = ANY($2::text[]))`,
        [companies.map((c) => c.companyKey!), companies.flatMap((c) => (c.reading.lead.company?.vatId ? [normalizeVatId(c.reading.lead.company.vatId)] : []))],
      );
      // The same rules as the lead store's: e-mail first, else phone; a company by VAT id, else its key.
      const byEmail = new Map(known.flatMap((k) => (k.email_normalized ? [[k.email_normalized, k] as const] : [])));
      const byPhone = new Map(known.flatMap((k) => (k.phone_e164 ? [[k.phone_e164, k] as const] : [])));
      const byVat = new Map(knownCompanies.flatMap((k) => (k.vat_id ? [[k.vat_id, k] as const] : [])));
      const byCompanyKey = new Map(knownCompanies.map((k) => [k.company_key, k] as const));
      const customerOf = (c: Candidate) => {
        if (c.companyKey) {
          const vat = c.reading.lead.company?.vatId ? normalizeVatId(c.reading.lead.company.vatId) : null;
          return (vat ? byVat.get(vat) : undefined) ?? byCompanyKey.get(c.companyKey) ?? null;
        }
        return (c.email ? byEmail.get(c.email) : undefined) ?? (c.phone ? byPhone.get(c.phone) : undefined) ?? null;
      };
      const keyOf = (c: Candidate) => personKeyOf(c.companyKey ?? (c.email ? `email:${c.email}` : `phone:${c.phone}`));
      // The same person in an earlier row of this file (done in an earlier chunk, or earlier in this one).
      const keys = candidates.map(keyOf);
      const { rows: earlierRows } = await pool.query<{ person_key: string; row: number }>(
        `SELECT person_key, min(row) AS row FROM customer_import_row
         WHERE import_id = $1 AND person_key = ANY($2::text[]) AND row < $3 GROUP BY person_key`,
        [importId, keys, fromRow],
      );
      const earlierRow = new Map(earlierRows.map((e) => [e.person_key, e.row]));
      const existingIds = candidates.map((c) => customerOf(c)?.id).filter((id): id is string => !!id);
      const { rows: journeyRows } = await pool.query<{ customer_id: string; dealer_id: string | null; stage: string }>(
        'SELECT customer_id, dealer_id, stage FROM journey WHERE customer_id = ANY($1::uuid[])', [existingIds],
      );
      const journeys = new Map(journeyRows.map((j) => [j.customer_id, j]));
      // Whose each VIN is already: a sale on record, or a row of an import (this one's earlier rows too).
      const vins = candidates.flatMap((c) => (c.reading.facts.vehicle ? [c.reading.facts.vehicle.vin] : []));
      const { rows: vinOwners } = await pool.query<{ vin: string; customer_id: string | null; person_key: string | null }>(
        `SELECT vin, customer_id::text, NULL AS person_key FROM sale WHERE vin = ANY($1::text[])
         UNION ALL
         SELECT v.vin, r.customer_id::text, r.person_key FROM customer_import_row r JOIN customer_import i ON i.id = r.import_id, unnest(r.vins) AS v(vin)
         WHERE r.vins && $1::text[] AND r.outcome IN ('IMPORTED', 'MERGED') AND (NOT i.dry_run OR r.import_id = $2)`,
        [vins, importId],
      );

      // A row tried before (the chunk's worker was killed) finds its own lead: whether the customer
      // was new then is what the database said when it was written (lead.merged), not what it says now.
      const { rows: ownLeads } = await pool.query<{ idempotency_key: string; merged: boolean }>(
        'SELECT idempotency_key, merged FROM lead WHERE idempotency_key = ANY($1::text[])',
        [candidates.map((c) => `customer-import:${importId}:${c.row}`)],
      );
      const triedBefore = new Map(ownLeads.map((l) => [l.idempotency_key, l.merged]));

      const ownersOf = new Map<string, typeof vinOwners>();
      for (const o of vinOwners) ownersOf.set(o.vin, [...(ownersOf.get(o.vin) ?? []), o]);

      // Each row's record, what conflicts in it, and where it lands.
      const firstInChunk = new Map<string, number>();
      const vinInChunk = new Map<string, string>();
      const batch: (BatchLead & { result: RowResult })[] = [];
      const languageOf = new Map<RowResult, string>();
      candidates.forEach((c, i) => {
        const { lead, facts } = c.reading;
        const personKey = keys[i]!;
        const existing = customerOf(c);
        const conflicts = [...facts.notes];
        const sameAs = earlierRow.get(personKey) ?? firstInChunk.get(personKey);
        if (!firstInChunk.has(personKey)) firstInChunk.set(personKey, c.row);
        const mergedBefore = triedBefore.get(`customer-import:${importId}:${c.row}`);
        const merged = mergedBefore ?? (existing !== null || sameAs !== undefined);
        if (existing && 'last_name' in existing && existing.last_name && lead.contact.lastName
          && existing.last_name.trim().toLowerCase() !== lead.contact.lastName.trim().toLowerCase()) {
          conflicts.push("lastName: differs from the customer's record (the record's is kept)");
        }
        let vehicle = facts.vehicle;
        if (vehicle) {
          const owners = ownersOf.get(vehicle.vin) ?? [];
          const othersOwn = owners.some((o) => (existing ? o.customer_id !== existing.id : true) && o.person_key !== personKey)
            || (vinInChunk.has(vehicle.vin) && vinInChunk.get(vehicle.vin) !== personKey);
          if (othersOwn) {
            conflicts.push(`vin: ${vehicle.vin} is another customer's (the vehicle is not added)`);
            vehicle = null;
          } else {
            vinInChunk.set(vehicle.vin, personKey);
          }
        }
        // The customer's dealer: who services them, else who sold the car (not a car another customer owns).
        const dealerId = facts.servicingDealerId ?? vehicle?.sellingDealerId ?? null;
        const journey = existing ? journeys.get(existing.id) : undefined;
        if (journey?.dealer_id && dealerId && journey.dealer_id !== dealerId && (journey.stage === 'DEALER_OWNED' || journey.stage === 'IN_SALES')) {
          conflicts.push(`dealer: the customer is with dealer ${journey.dealer_id}; ${dealerId} is not taken`);
        }
        // (A company's further rows are its other people and cars: no note for those.)
        if (sameAs !== undefined && !c.companyKey) conflicts.push(`row: the same customer as row ${sameAs} (what is new is added)`);
        const record: CustomerRecord = {
          importId, row: c.row, source: imp.source,
          vehicles: vehicle ? [{ vin: vehicle.vin, model: vehicle.model, soldOn: vehicle.soldOn, dealerId: vehicle.sellingDealerId ?? dealerId! }] : [],
          dealerId, dealerActive: dealerId !== null && active.has(dealerId),
          lastServiceOn: facts.lastServiceOn, openInterest: facts.openInterest,
          // The row's place in the spread: row 1 at the import's start, the last row at its end.
          notBefore: spreadSlot(imp.createdAt.getTime(), imp.spreadDays, c.row, imp.totalRows),
        };
        const result: RowResult = {
          row: c.row, outcome: merged ? 'MERGED' : 'IMPORTED', placement: merged ? null : placementOf(record, at, policy),
          customerId: existing?.id ?? null, dealerId, vins: record.vehicles.map((v) => v.vin), field: null, reason: null, conflicts, personKey,
        };
        batch.push({ lead, idempotencyKey: `customer-import:${importId}:${c.row}`, record, result });
        if (facts.language) languageOf.set(result, facts.language);
      });

      if (!imp.dryRun && batch.length > 0) {
        // The chunk's people and leads in one statement, then each to its journey at the bulk pace.
        const activity = Context.current();
        const heartbeat = setInterval(() => activity.heartbeat(fromRow), 5_000);
        try {
          // A customer's rows reach their journey in row order (its first row starts it): the rows
          // that are a customer's first in this chunk, then their second ones, and so on.
          const seen = new Map<string, number>();
          const levels: (typeof batch)[] = [];
          for (const item of batch) {
            const level = seen.get(item.result.personKey!) ?? 0;
            seen.set(item.result.personKey!, level + 1);
            (levels[level] ??= []).push(item);
          }
          const answers = new Map<(typeof batch)[number], Awaited<ReturnType<LeadIntake['acceptMany']>>[number]>();
          for (const level of levels) (await intake.acceptMany(level, { pace })).forEach((answer, i) => answers.set(level[i]!, answer));
          batch.forEach((item) => {
            const answer = answers.get(item)!;
            const { result } = item;
            if ('rejected' in answer) {
              Object.assign(result, { outcome: 'REJECTED', placement: null, vins: [], field: columnOf(answer.rejected.field), reason: answer.rejected.message });
            } else if (!answer.delivered) {
              // Temporal is out of reach: the chunk fails and is retried (the leads are found by key).
              throw new Error(`row ${result.row}: the journey could not be reached; the chunk will be retried`);
            } else {
              result.customerId = answer.customerId;
            }
          });
          // The language each customer is written to in, where the file names one (the first kept, as the rest of the record).
          const languages = batch.filter((b) => b.result.customerId && languageOf.has(b.result));
          if (languages.length > 0) {
            await pool.query({
              name: 'l2l-onboarding-languages',
              text: `UPDATE customer c SET language = u.language FROM unnest($1::uuid[], $2::text[]) AS u(id, language)
                     WHERE c.id = u.id AND c.language IS NULL`,
              values: [languages.map((b) => b.result.customerId), languages.map((b) => languageOf.get(b.result))],
            });
          }
        } finally {
          clearInterval(heartbeat);
        }
      }
      results.push(...batch.map((b) => b.result));

      // The outcomes, and the import's counts of them in the same statement; a row already done (a
      // chunk that ran twice at once) keeps its first, and only the rows this one wrote are counted.
      await pool.query({
        name: 'l2l-onboarding-row-outcomes',
        text: `WITH done AS (
                 UPDATE customer_import_row r SET outcome = u.outcome, placement = u.placement, customer_id = u.customer_id, dealer_id = u.dealer_id,
                   vins = COALESCE(string_to_array(NULLIF(u.vins, ''), ','), ARRAY[]::text[]), field = u.field, reason = u.reason,
                   conflicts = COALESCE(string_to_array(NULLIF(u.conflicts, ''), E'\\x1f'), ARRAY[]::text[]), person_key = u.person_key, done_at = now()
                 FROM unnest($2::int[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
                   AS u(row, outcome, placement, customer_id, dealer_id, vins, field, reason, conflicts, person_key)
                 WHERE r.import_id = $1 AND r.row = u.row AND r.outcome IS NULL
                 RETURNING r.outcome, r.placement, cardinality(r.conflicts) > 0 AS conflicted)
               UPDATE customer_import i SET
                 done_rows = i.done_rows + c.done, imported = i.imported + c.imported, merged = i.merged + c.merged, rejected = i.rejected + c.rejected,
                 with_conflicts = i.with_conflicts + c.with_conflicts,
                 ${IMPORT_PLACEMENTS.map((p) => `${placedColumnOf(p)} = i.${placedColumnOf(p)} + c.${placedColumnOf(p)}`).join(', ')}
               FROM (SELECT count(*) AS done, count(*) FILTER (WHERE outcome = 'IMPORTED') AS imported, count(*) FILTER (WHERE outcome = 'MERGED') AS merged,
                            count(*) FILTER (WHERE outcome = 'REJECTED') AS rejected, count(*) FILTER (WHERE conflicted) AS with_conflicts,
                            ${IMPORT_PLACEMENTS.map((p) => `count(*) FILTER (WHERE outcome = 'IMPORTED' AND placement = '${p}') AS ${placedColumnOf(p)}`).join(', ')}
                     FROM done) c
               WHERE i.id = $1`,
        values: [
          importId, results.map((r) => r.row), results.map((r) => r.outcome), results.map((r) => r.placement), results.map((r) => r.customerId),
          results.map((r) => r.dealerId), results.map((r) => r.vins.join(',')), results.map((r) => r.field), results.map((r) => r.reason),
          results.map((r) => r.conflicts.join('\x1f')), results.map((r) => r.personKey),
        ],
      });
      const placements: ChunkCounts['placements'] = {};
      for (const r of results) if (r.outcome === 'IMPORTED' && r.placement) placements[r.placement] = (placements[r.placement] ?? 0) + 1;
      return {
        imported: results.filter((r) => r.outcome === 'IMPORTED').length,
        merged: results.filter((r) => r.outcome === 'MERGED').length,
        rejected: results.filter((r) => r.outcome === 'REJECTED').length,
        withConflicts: results.filter((r) => r.conflicts.length > 0).length,
        placements,
        doneBefore,
      };
    },

    /**
     * Marks the import done: each dealer's one summary (not a dry run's), and the rows' values
     * dropped (the customers' data lives in their records now; the outcomes stay for the report).
     */
    async finishCustomerImport({ importId }: { importId: string }) {
      const imp = await db.customerImport.findUniqueOrThrow({ where: { id: importId } });
      // Each dealer's summary, and its notice into the dealer's webhook and ADF inbox (once per import
      // and dealer: a retried activity finds both and starts the same deliveries, which start once).
      if (!imp.dryRun) {
        const deliveries = await inTransaction(pool, async (sql) => {
          await sql.query(
          `INSERT INTO customer_import_dealer_summary (import_id, dealer_id, owners, back_in_market, prospects)
           SELECT import_id, dealer_id, count(*) FILTER (WHERE placement = 'DEALER_OWNED'), count(*) FILTER (WHERE placement = 'BACK_IN_MARKET'),
                  count(*) FILTER (WHERE placement = 'QUALIFYING')
           FROM customer_import_row WHERE import_id = $1 AND outcome = 'IMPORTED' AND placement <> 'ESCALATED' AND dealer_id IS NOT NULL
             AND dealer_id IN (SELECT id FROM dealer)
           GROUP BY import_id, dealer_id
           ON CONFLICT DO NOTHING`,
            [importId],
          );
          return recordImportSummaryNoticesWithin(sql, importId, new Date().toISOString());
        });
        await startDeliveries(deliveries);
      }
      await pool.query('UPDATE customer_import_row SET values = NULL WHERE import_id = $1 AND values IS NOT NULL', [importId]);
      await db.customerImport.update({ where: { id: importId }, data: { status: 'COMPLETED', completedAt: new Date() } });
      const { imported, merged, rejected, withConflicts, byPlacement } = await countCustomerImportRows(db, importId);
      return { imported, merged, rejected, withConflicts, byPlacement };
    },
  };
}
