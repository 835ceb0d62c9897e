// The OEM's customer file (onboarding): CSV (any of , ; tab, BOM, quoted fields) or JSON lines,
// read as a stream — a file of millions of rows never sits in memory — with columns matched by
// header name (CUSTOMER_TEMPLATE, German headers too), and each row read as a lead of source
// CUSTOMER_IMPORT plus what the journey needs of the customer's record. No database, no Temporal.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CONSENT_CHANNELS, type ConsentGiven } from '../domain/consent.js';
import { PURCHASE_TIMEFRAMES, type PurchaseTimeframe } from '../domain/lead.js';
import type { IncomingLead } from '../intake/lead-intake.js';
import { checkLead } from '../intake/lead-schema.js';
import { columnMatcher, TableRejected } from '../intake/table.js';
import { columnOf, COMPANY_COLUMNS, CONSENT_CHANNEL_OF, CONSENT_COLUMNS, NO, PERSON_COLUMNS, YES } from '../intake/import-file.js';
import { hasControlCharacter } from '../platform/validation.js';

export type CustomerFileFormat = 'CSV' | 'JSONL';

/** Our column name, then the header names also understood (any case, spacing or dashes). */
export const CUSTOMER_TEMPLATE = {
  externalId: ['external id', 'customer id', 'customer number', 'kundennummer', 'kunden nr', 'kundennr'],
  ...PERSON_COLUMNS,
  // A company's row (its fleet): the company and the person's role in it.
  ...COMPANY_COLUMNS,
  // Consents (yes/no; empty: not asked), each with its proof: where it was given, the wording, the day.
  ...CONSENT_COLUMNS,
  consentSource: ['consent source', 'consent proof', 'einwilligungsquelle', 'nachweis'],
  consentDate: ['consent date', 'consent given on', 'einwilligungsdatum'],
  // The customer's car.
  vin: ['vehicle identification number', 'fin', 'fahrgestellnummer'],
  model: ['vehicle model', 'modell', 'fahrzeugmodell'],
  purchaseDate: ['purchase date', 'sold on', 'sale date', 'kaufdatum', 'verkaufsdatum'],
  sellingDealer: ['selling dealer', 'sold by', 'verkaufender händler', 'verkaufshändler', 'verkaufshaendler'],
  servicingDealer: ['servicing dealer', 'service dealer', 'dealer', 'händler', 'haendler', 'servicehändler', 'servicehaendler', 'werkstatt'],
  lastServiceDate: ['last service', 'last service date', 'letzter service', 'letzte inspektion'],
  // The language the customer is written to in (ISO 639-1: de, en, fr…).
  language: ['preferred language', 'correspondence language', 'sprache', 'korrespondenzsprache'],
  // A prospect's open interest.
  interestModel: ['interest', 'model of interest', 'interesse', 'wunschmodell'],
  timeframe: ['purchase timeframe', 'kaufzeitraum'],
} as const;
export type CustomerField = keyof typeof CUSTOMER_TEMPLATE;
export type CustomerRowValues = Partial<Record<CustomerField, string>>;

/** Rows per file: a whole network's customer base fits; larger bases are sent in several files. */
export const MAX_CUSTOMER_ROWS = 2_000_000;

/** A row longer than this is no customer's: the file is refused (and never held in memory whole). */
const MAX_ROW_CHARACTERS = 64 * 1024;

const fieldFor = columnMatcher(CUSTOMER_TEMPLATE);

/** The file as a whole cannot be read (not a row: the file); `field` is "file". */
export { TableRejected as CustomerFileRejected };

export interface CustomerFileReader {
  /** Rows as they stream in, numbered from 1 (the first after the header, or the first line). */
  rows: AsyncIterable<{ row: number; values: CustomerRowValues }>;
  /** Headers that match no template column, known once the file has been read. */
  ignoredColumns(): string[];
}

/** The separator the header line uses: the most frequent of ; , and tab outside quotes. */
function detectDelimiter(firstLine: string): string {
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const [best] = [';', ',', '\t'].map((d) => ({ d, n: unquoted.split(d).length - 1 })).sort((a, b) => b.n - a.n);
  return best && best.n > 0 ? best.d : ',';
}

const cell = (value: unknown) => (value === null || value === undefined ? '' : String(value).trim());

/**
 * Reads a customer file from a stream. Throws CustomerFileRejected (while iterating) for a file
 * that is not readable, lacks a way to reach anyone, or is too long; bad rows are the rows' business.
 */
export function readCustomerFile(body: Readable, format: CustomerFileFormat): CustomerFileReader {
  const ignored = new Set<string>();
  body.setEncoding('utf8');
  return {
    rows: format === 'CSV' ? csvRows(body, ignored) : jsonLineRows(body, ignored),
    ignoredColumns: () => [...ignored],
  };
}

async function* csvRows(body: Readable, ignored: Set<string>): AsyncGenerator<{ row: number; values: CustomerRowValues }> {
  // The first line decides the separator; the rest streams through the parser as it comes.
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<string>;
  let head = '';
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    head += next.value;
    if (head.includes('\n') || head.length > 1_000_000) break;
  }
  const parser = parse({
    delimiter: detectDelimiter(head.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? ''),
    bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: MAX_ROW_CHARACTERS,
  });
  // Fed as the body arrives, no faster than the rows are taken (the parser's back-pressure); a
  // file refused halfway stops the feeding at once.
  const stop = new AbortController();
  void (async () => {
    if (!parser.write(head)) await once(parser, 'drain', { signal: stop.signal });
    for (let next = await chunks.next(); !next.done && !stop.signal.aborted; next = await chunks.next()) {
      if (!parser.write(next.value)) await once(parser, 'drain', { signal: stop.signal });
    }
    parser.end();
  })().catch((error: unknown) => {
    if (!stop.signal.aborted) parser.destroy(error as Error);
  });
  let fields: (CustomerField | null)[] | null = null;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!fields) {
        const headers = record.map((h) => h.trim());
        fields = headers.map((h) => fieldFor(h));
        headers.forEach((h, i) => { if (!fields![i] && h) ignored.add(h); });
        if (!fields.includes('email') && !fields.includes('phone')) {
          throw new TableRejected(`no e-mail or phone column; columns found: ${headers.join(', ') || 'none'}`);
        }
        continue;
      }
      if (++row > MAX_CUSTOMER_ROWS) throw new TableRejected(`more than ${MAX_CUSTOMER_ROWS} rows; split the file`);
      const values: CustomerRowValues = {};
      record.forEach((value, i) => {
        const field = fields![i];
        const text = cell(value);
        if (field && text && values[field] === undefined) values[field] = text;
      });
      yield { row, values };
    }
  } catch (error) {
    if (error instanceof TableRejected) throw error;
    throw new TableRejected(`not readable as CSV: ${(error as Error).message}`);
  } finally {
    stop.abort();
  }
  if (!fields) throw new TableRejected('the file has no header line');
  if (row === 0) throw new TableRejected('the file has no rows');
}

async function* jsonLineRows(body: Readable, ignored: Set<string>): AsyncGenerator<{ row: number; values: CustomerRowValues }> {
  let line = 0;
  let row = 0;
  for await (const text of createInterface({ input: body, crlfDelay: Infinity })) {
    line++;
    if (text.length > MAX_ROW_CHARACTERS) throw new TableRejected(`line ${line} is longer than ${MAX_ROW_CHARACTERS} characters`);
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (!trimmed) continue;
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch (error) {
      throw new TableRejected(`line ${line} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new TableRejected(`line ${line} is not a JSON object`);
    if (++row > MAX_CUSTOMER_ROWS) throw new TableRejected(`more than ${MAX_CUSTOMER_ROWS} rows; split the file`);
    const values: CustomerRowValues = {};
    for (const [key, value] of Object.entries(record)) {
      const field = fieldFor(key);
      if (!field) { ignored.add(key); continue; }
      const text = cell(value);
      if (text && values[field] === undefined) values[field] = text;
    }
    yield { row, values };
  }
  if (row === 0) throw new TableRejected('the file has no rows');
}

// ---- One row ----

/** What a row says of the customer beyond the lead: their car, their dealer, their interest. */
export interface CustomerRowFacts {
  externalId: string | null;
  /** At most one per row: a customer with two cars comes in two rows (the second adds its car). */
  vehicle: { vin: string; model: string; soldOn: string; sellingDealerId: string | null } | null;
  servicingDealerId: string | null;
  lastServiceOn: string | null;
  openInterest: boolean;
  /** ISO 639-1, lower case. */
  language: string | null;
  /** What the row said and the import did not take (a consent without proof). */
  notes: string[];
}

export type CustomerRowReading = { lead: IncomingLead; facts: CustomerRowFacts } | { field: string; reason: string };

/** A VIN (ISO 3779): 17 letters and digits without I, O and Q. */
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const EARLIEST_DAY = '1950-01-01';

/** A past day as YYYY-MM-DD, from YYYY-MM-DD or the German DD.MM.YYYY; null when it is none. */
export function dayOf(value: string, today: string): string | null {
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value);
  const iso = german ? `${german[3]}-${german[2]!.padStart(2, '0')}-${german[1]!.padStart(2, '0')}` : value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const parsed = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) return null;
  return iso >= EARLIEST_DAY && iso <= today ? iso : null;
}

/**
 * One row as a lead of source CUSTOMER_IMPORT (contact and company checked by the API's rules)
 * and the facts of the customer's record; a rejection names the column. `today`: YYYY-MM-DD.
 */
export function readCustomerRow(v: CustomerRowValues, { importSource, today }: { importSource: string; today: string }): CustomerRowReading {
  // The API's input guard does not see a streamed file: each value is checked here.
  const garbled = (Object.entries(v) as [CustomerField, string][]).find(([, value]) => hasControlCharacter(value));
  if (garbled) return { field: garbled[0], reason: 'must not contain control characters' };
  const notes: string[] = [];
  const day = (field: 'purchaseDate' | 'lastServiceDate' | 'consentDate'): string | null | { field: string; reason: string } => {
    const value = v[field];
    if (value === undefined) return null;
    return dayOf(value, today) ?? { field, reason: `"${value}" is not a past day (YYYY-MM-DD or DD.MM.YYYY, from ${EARLIEST_DAY})` };
  };

  // Consents: a grant counts only with its proof (source, wording, day); a refusal counts always.
  const consentDay = day('consentDate');
  if (consentDay && typeof consentDay === 'object') return consentDay;
  const consents: ConsentGiven[] = [];
  for (const [column, channel] of Object.entries(CONSENT_CHANNEL_OF) as [keyof typeof CONSENT_CHANNEL_OF, (typeof CONSENT_CHANNELS)[number]][]) {
    const answer = v[column]?.toLowerCase();
    if (answer === undefined) continue;
    if (!YES.has(answer) && !NO.has(answer)) return { field: column, reason: `"${v[column]}" is neither yes nor no` };
    const granted = YES.has(answer);
    const proof = v.consentSource && v.consentWording && consentDay;
    if (granted && !proof) {
      notes.push(`${column}: a consent without its proof (consentSource, consentWording, consentDate) is not imported`);
      continue;
    }
    consents.push({
      channel, purpose: 'MARKETING', granted, wordingId: v.consentWording ?? 'none', method: 'IMPORTED',
      ...(consentDay ? { capturedAt: `${consentDay}T00:00:00.000Z` } : {}), source: v.consentSource ?? importSource,
    });
  }

  // The car: its VIN, model, day of sale and a dealer who sold or services it.
  let vehicle: CustomerRowFacts['vehicle'] = null;
  if (v.vin || v.model || v.purchaseDate) {
    const vin = v.vin?.toUpperCase().replace(/[\s-]/g, '');
    if (!vin) return { field: 'vin', reason: 'a vehicle needs its VIN' };
    if (!VIN.test(vin)) return { field: 'vin', reason: `"${v.vin}" is not a VIN (17 letters and digits, no I, O or Q)` };
    if (!v.model) return { field: 'model', reason: 'a vehicle needs its model' };
    const soldOn = day('purchaseDate');
    if (!soldOn) return { field: 'purchaseDate', reason: 'a vehicle needs the day it was bought' };
    if (typeof soldOn === 'object') return soldOn;
    if (!v.sellingDealer && !v.servicingDealer) return { field: 'sellingDealer', reason: 'a vehicle needs the dealer that sold or services it' };
    vehicle = { vin, model: v.model.slice(0, 100), soldOn, sellingDealerId: v.sellingDealer ?? null };
  }
  const lastService = day('lastServiceDate');
  if (lastService && typeof lastService === 'object') return lastService;

  let timeframe: PurchaseTimeframe | undefined;
  if (v.timeframe) {
    const t = v.timeframe.toUpperCase().replace(/[\s-]+/g, '_');
    if (!(PURCHASE_TIMEFRAMES as readonly string[]).includes(t)) return { field: 'timeframe', reason: `"${v.timeframe}" is not one of ${PURCHASE_TIMEFRAMES.join(', ')}` };
    timeframe = t as PurchaseTimeframe;
  }

  const language = v.language ? v.language.toLowerCase() : null;
  if (language && !/^[a-z]{2}$/.test(language)) return { field: 'language', reason: `"${v.language}" is not a language code (ISO 639-1: de, en, fr…)` };

  // Contact and company by the API's rules (the source here is a stand-in: an import's is its own).
  const checked = checkLead({
    source: 'FAIR',
    ...(v.company ? {
      company: {
        name: v.company, ...(v.vatId ? { vatId: v.vatId } : {}),
        ...(v.contactRole ? { contactRole: v.contactRole.toUpperCase().replace(/[\s-]+/g, '_') } : {}),
      },
    } : {}),
    contact: { firstName: v.firstName, lastName: v.lastName, email: v.email, phone: v.phone, postalCode: v.postalCode, country: v.country?.toUpperCase() },
  });
  if ('field' in checked) return { field: columnOf(checked.field), reason: checked.message };
  if (!v.company && (v.vatId || v.contactRole)) return { field: 'company', reason: `${v.vatId ? 'vatId' : 'contactRole'} is given without a company name` };

  const openInterest = Boolean(v.interestModel || timeframe);
  const lead: IncomingLead = {
    ...checked.lead,
    source: 'CUSTOMER_IMPORT',
    event: importSource,
    ...(openInterest ? { interest: { ...(v.interestModel ? { model: v.interestModel.slice(0, 100) } : {}), ...(timeframe ? { timeframe } : {}) } } : {}),
    ...(consents.length > 0 ? { consents } : {}),
  };
  return {
    lead,
    facts: {
      externalId: v.externalId ?? null, vehicle, servicingDealerId: v.servicingDealer ?? null,
      lastServiceOn: typeof lastService === 'string' ? lastService : null, openInterest, language, notes,
    },
  };
}
