import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { InvalidPhoneNumber, normalizeEmail, normalizePhone } from '../domain/identity.js';
import { journeyIdFor } from '../domain/journey.js';
import type { SalesReportCounts } from '../domain/sales-report.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { checkSaleRow, parseSalesFile, repeatedSales, type SaleRowValues, type SalesFile } from '../matchback/sales-file.js';
import { countSalesReportRows } from '../matchback/sales-reports.js';
import { isNotFound } from '../platform/temporal-errors.js';
import { recordMatchedSaleUpdate } from '../workflows/definitions.js';

export interface SalesMatchBackDeps {
  db: PrismaClient;
  /** Sends each matched sale to its customer's journey. */
  temporal?: Client;
  defaultCountry?: string;
}

type RowOutcome = { row: number; outcome: 'RECORDED' | 'ALREADY_RECORDED' | 'UNMATCHED' | 'CONFLICT' | 'REJECTED'; customerId?: string; dealerId?: string; vin?: string; field?: string; reason?: string };

const ROW_CONCURRENCY = 8;
const PARSED_FILES_KEPT = 4;

/**
 * The work of a salesMatchBack workflow: each row matched to a customer by the same identity
 * keys as leads (normalised e-mail, E.164 phone); a match becomes the journey's own
 * recordMatchedSale update (the journey decides; it answers a repeat unchanged). Each update
 * carries the id `matchback:<report>:<row>`, so a chunk retried after a crash asks once.
 */
export function createSalesMatchBackActivities({ db, temporal, defaultCountry = 'DE' }: SalesMatchBackDeps) {
  const parsed = new Map<string, { file: SalesFile; repeats: Map<number, number> }>();

  async function load(reportId: string) {
    const cached = parsed.get(reportId);
    if (cached) return cached;
    const stored = await db.salesReport.findUniqueOrThrow({ where: { id: reportId } });
    const file = parseSalesFile(stored.content, stored.format as 'CSV' | 'JSON');
    const entry = { file, repeats: repeatedSales(file.rows) };
    if (parsed.size >= PARSED_FILES_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(reportId, entry);
    return entry;
  }

  async function matchRow(
    reportId: string, row: SalesFile['rows'][number], repeats: Map<number, number>, dealers: Set<string>,
    oneAtATime: (customerId: string, work: () => Promise<RowOutcome>) => Promise<RowOutcome>,
  ): Promise<RowOutcome> {
    const earlier = repeats.get(row.row);
    if (earlier !== undefined) return { row: row.row, outcome: 'ALREADY_RECORDED', vin: row.values.vin?.toUpperCase(), reason: `the same sale as row ${earlier}` };
    const checked = checkSaleRow(row.values);
    if ('field' in checked) return { row: row.row, outcome: 'REJECTED', field: checked.field, reason: checked.reason };
    const sale = checked.sale;
    const base = { row: row.row, dealerId: sale.dealerId, vin: sale.vin };
    if (!dealers.has(sale.dealerId)) return { ...base, outcome: 'REJECTED', field: 'dealerId', reason: `no dealer ${sale.dealerId} in the network` };
    let phone: string | null = null;
    try {
      phone = sale.phone ? normalizePhone(sale.phone, sale.country ?? defaultCountry) : null;
    } catch (error) {
      if (!(error instanceof InvalidPhoneNumber)) throw error;
      if (!sale.email) return { ...base, outcome: 'REJECTED', field: 'phone', reason: error.message };
    }
    const [byEmail, byPhone] = await Promise.all([
      sale.email ? db.customer.findUnique({ where: { emailNormalized: normalizeEmail(sale.email) } }) : null,
      phone ? db.customer.findUnique({ where: { phoneE164: phone } }) : null,
    ]);
    if (byEmail && byPhone && byEmail.id !== byPhone.id) return { ...base, outcome: 'CONFLICT', reason: 'the e-mail and the phone belong to different customers' };
    const customer = byEmail ?? byPhone;
    if (!customer) return { ...base, outcome: 'UNMATCHED', reason: 'no customer with this e-mail or phone' };
    const matched = { ...base, customerId: customer.id };
    if (sale.lastName && customer.lastName && sale.lastName.toLowerCase() !== customer.lastName.toLowerCase()) {
      return { ...matched, outcome: 'CONFLICT', reason: "the buyer's last name is not the customer's" };
    }
    // Rows for the same customer go one after another: the second then finds the first's sale on record.
    return oneAtATime(customer.id, () => recordSale(reportId, row.row, sale, matched));
  }

  async function recordSale(reportId: string, row: number, sale: SaleRowValues, matched: Omit<RowOutcome, 'outcome'> & { customerId: string }): Promise<RowOutcome> {
    const recorded = await db.sale.findFirst({ where: { vin: sale.vin }, select: { customerId: true } });
    if (recorded && recorded.customerId !== matched.customerId) return { ...matched, outcome: 'CONFLICT', reason: 'this vehicle is on record as sold to another customer' };
    if (recorded) return { ...matched, outcome: 'ALREADY_RECORDED', reason: 'the sale is on record already' };
    if (!temporal) throw new Error('this worker was started without a Temporal client; it cannot match sales');
    try {
      // The journey answers once its records (the sale among them) are written.
      await temporal.workflow.getHandle(journeyIdFor(matched.customerId)).executeUpdate(recordMatchedSaleUpdate, {
        args: [{ dealerId: sale.dealerId, vehicle: { vin: sale.vin, model: sale.model, soldOn: sale.saleDate } }],
        updateId: `matchback:${reportId}:${row}`,
      });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return { ...matched, outcome: 'CONFLICT', reason: error.cause?.message ?? error.message };
      if (isNotFound(error)) return { ...matched, outcome: 'UNMATCHED', reason: 'the customer has no running journey (erased)' };
      throw error; // infrastructure: the chunk is retried
    }
    return { ...matched, outcome: 'RECORDED' };
  }

  return {
    async matchSalesRows({ reportId, fromRow, toRow }: { reportId: string; fromRow: number; toRow: number }): Promise<SalesReportCounts> {
      const { file, repeats } = await load(reportId);
      const dealers = new Set((await db.dealer.findMany({ select: { id: true } })).map((d) => d.id));
      const limit = pLimit(ROW_CONCURRENCY);
      const perCustomer = new Map<string, Promise<unknown>>();
      const oneAtATime = (customerId: string, work: () => Promise<RowOutcome>) => {
        const next = (perCustomer.get(customerId) ?? Promise.resolve()).then(work);
        perCustomer.set(customerId, next.catch(() => undefined));
        return next;
      };
      const outcomes = await Promise.all(file.rows.slice(fromRow - 1, toRow).map((row) => limit(() => {
        Context.current().heartbeat(row.row);
        return matchRow(reportId, row, repeats, dealers, oneAtATime);
      })));
      await db.salesReportRow.createMany({ data: outcomes.map((o) => ({ reportId, ...o })), skipDuplicates: true });
      const count = (outcome: RowOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
      return { recorded: count('RECORDED'), alreadyRecorded: count('ALREADY_RECORDED'), unmatched: count('UNMATCHED'), conflicts: count('CONFLICT'), rejected: count('REJECTED') };
    },

    /** Marks the report done; the counts come from the stored row outcomes, the durable truth. */
    async finishSalesReport({ reportId }: { reportId: string }): Promise<SalesReportCounts> {
      await db.salesReport.update({ where: { id: reportId }, data: { status: 'COMPLETED', completedAt: new Date() } });
      parsed.delete(reportId);
      return countSalesReportRows(db, reportId);
    },
  };
}
