// A sales file from a dealer's DMS or the OEM's sales system: one sold vehicle per row,
// columns matched by header name like fair files (intake/table.ts reads both formats).
// Pure: no database, no Temporal.
import { z } from 'zod';
import { email, pastDay, text } from '../platform/validation.js';
import { readRows, TableRejected, type TableFormat, type TableRows } from '../intake/table.js';

/** Our column name, then the header names also understood (any case, spacing or dashes). */
export const SALES_TEMPLATE = {
  vin: ['vehicle identification number', 'fin', 'fahrgestellnummer'],
  model: ['modell', 'vehicle model'],
  saleDate: ['sold on', 'sale date', 'date of sale', 'verkaufsdatum'],
  dealerId: ['dealer', 'dealer id', 'selling dealer', 'händler', 'haendler'],
  email: ['e-mail', 'mail', 'buyer email', 'e-mail-adresse'],
  phone: ['telephone', 'mobile', 'phone number', 'buyer phone', 'telefon'],
  firstName: ['first name', 'given name', 'vorname'],
  lastName: ['last name', 'surname', 'family name', 'nachname'],
  postalCode: ['postal code', 'zip', 'zip code', 'postcode', 'plz'],
  country: ['country code', 'land'],
} as const;
export type SalesField = keyof typeof SALES_TEMPLATE;

export const MAX_SALES_ROWS = 100_000;

export type SalesFile = TableRows<SalesField>;

/** Reads the whole file; throws TableRejected when it is not a sales file. */
export function parseSalesFile(content: string, format: TableFormat): SalesFile {
  return readRows(content, format, 'sales', {
    template: SALES_TEMPLATE,
    maxRows: MAX_SALES_ROWS,
    check: (columns, headers) => {
      const missing = (['vin', 'model', 'saleDate', 'dealerId'] as const).filter((f) => !columns.has(f));
      if (missing.length > 0) throw new TableRejected(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; columns found: ${headers.join(', ') || 'none'}`);
      if (!columns.has('email') && !columns.has('phone')) throw new TableRejected(`no buyer e-mail or phone column to match customers by; columns found: ${headers.join(', ')}`);
    },
  });
}

const SaleRow = z.object({
  vin: z.string().toUpperCase().regex(/^[A-HJ-NPR-Z0-9]{17}$/, '17 characters, letters and digits without I, O, Q'),
  model: text(100),
  saleDate: pastDay(),
  dealerId: text(64),
  email: email().optional(),
  phone: text(40).optional(),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  postalCode: text(12).optional(),
  country: z.string().toUpperCase().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. DE').optional(),
});
export type SaleRowValues = z.infer<typeof SaleRow>;

/** One row checked: the sale and its buyer, or the column at fault and why. */
export function checkSaleRow(values: Partial<Record<SalesField, string>>): { sale: SaleRowValues } | { field: string; reason: string } {
  const parsed = SaleRow.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { field: issue.path.join('.') || 'row', reason: issue.message };
  }
  if (!parsed.data.email && !parsed.data.phone) return { field: 'email/phone', reason: "the buyer's e-mail or phone is needed to match the customer" };
  return { sale: parsed.data };
}

/**
 * For each row repeating an earlier row's sale (the same VIN to the same buyer e-mail or
 * phone, as written), that earlier row. The same VIN to someone else is not a repeat: the
 * match finds the conflict.
 */
export function repeatedSales(rows: SalesFile['rows']): Map<number, number> {
  const first = new Map<string, number>();
  const repeats = new Map<number, number>();
  for (const { row, values } of rows) {
    const vin = values.vin?.toUpperCase();
    if (!vin) continue;
    const keys = [values.email && `${vin}|${values.email.trim().toLowerCase()}`, values.phone && `${vin}|${values.phone.replace(/\D/g, '')}`].filter((k): k is string => !!k);
    const earlier = keys.map((k) => first.get(k)).find((r) => r !== undefined);
    if (earlier !== undefined) repeats.set(row, earlier);
    else for (const k of keys) first.set(k, row);
  }
  return repeats;
}
