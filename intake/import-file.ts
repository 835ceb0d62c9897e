// Fair and road-show files: CSV (any of , ; tab separators, BOM, quoted fields) or
// JSON, columns matched by header name (see IMPORT_TEMPLATE), one lead per row.
// Pure: no database, no Temporal; the import activities call it.
import { normalizeEmail, normalizePhone } from '../domain/identity.js';
import type { LeadSource } from '../domain/lead.js';
import type { IncomingLead } from './lead-intake.js';
import { checkLead } from './lead-schema.js';
import { columnMatcher, readRows, TableRejected, type TableFormat, type TableRows } from './table.js';

export type ImportFormat = TableFormat;

/** A person's columns, in every file of people (fair files, the OEM's customer base). */
export const PERSON_COLUMNS = {
  firstName: ['first name', 'given name', 'vorname'],
  lastName: ['last name', 'surname', 'family name', 'nachname'],
  email: ['e-mail', 'mail', 'email address', 'e-mail-adresse'],
  phone: ['telephone', 'mobile', 'phone number', 'telefon', 'handy', 'mobil'],
  postalCode: ['postal code', 'zip', 'zip code', 'postcode', 'plz'],
  country: ['country code', 'land'],
} as const;

/** A company's columns: the company, told apart by VAT id or by name and postal code, and the person's role in it. */
export const COMPANY_COLUMNS = {
  company: ['company name', 'organisation', 'organization', 'firma', 'unternehmen'],
  vatId: ['vat', 'vat id', 'vat number', 'ust-idnr', 'ust id', 'ustid'],
  contactRole: ['role', 'contact role', 'rolle'],
} as const;

/** Marketing consents (yes/no; empty: not asked) and the id of the wording the person signed. */
export const CONSENT_COLUMNS = {
  emailMarketing: ['e-mail marketing', 'newsletter', 'consent e-mail', 'einwilligung e-mail'],
  smsMarketing: ['sms marketing', 'consent sms', 'einwilligung sms'],
  phoneMarketing: ['phone marketing', 'consent phone', 'einwilligung telefon'],
  postMarketing: ['post marketing', 'consent post', 'einwilligung post'],
  consentWording: ['consent wording', 'wording id', 'einwilligungstext'],
} as const;

/** The channel each consent column is about. */
export const CONSENT_CHANNEL_OF = { emailMarketing: 'EMAIL', smsMarketing: 'SMS', phoneMarketing: 'PHONE', postMarketing: 'POST' } as const;
/** How a file says yes and no. */
export const YES = new Set(['yes', 'y', 'ja', 'j', 'x', 'true', '1']);
export const NO = new Set(['no', 'n', 'nein', 'false', '0']);

/** The documented template: our column name, then the header names also understood (any case, spacing or dashes). */
export const IMPORT_TEMPLATE = {
  ...PERSON_COLUMNS,
  model: ['interest', 'model of interest', 'modell'],
  timeframe: ['purchase timeframe', 'kaufzeitraum'],
  message: ['notes', 'comment', 'bemerkung', 'notiz'],
  campaign: ['kampagne'],
  preferredDealerId: ['dealer', 'dealer id', 'preferred dealer', 'händler', 'haendler'],
  // A company's row (B2B), with the fleet size the sheet names.
  ...COMPANY_COLUMNS,
  fleetSize: ['fleet', 'fleet size', 'vehicles', 'flottengröße', 'flottengroesse', 'fuhrpark'],
  // Consents ticked on the sign-up sheet, and the id of the wording printed on it.
  ...CONSENT_COLUMNS,
} as const;
export type ImportField = keyof typeof IMPORT_TEMPLATE;

/** Rows per file: larger files are split by the sender. */
export const MAX_IMPORT_ROWS = 100_000;

export type ImportFile = TableRows<ImportField>;
export type ImportRow = ImportFile['rows'][number];

/** The file as a whole cannot be imported (not a row: the file); `field` is "file". */
export { TableRejected as ImportFileRejected };

export const fieldForHeader = columnMatcher(IMPORT_TEMPLATE);

/** Reads a whole file; throws ImportFileRejected when it is not a readable lead file. */
export function parseImportFile(content: string, format: ImportFormat): ImportFile {
  return readRows(content, format, 'leads', {
    template: IMPORT_TEMPLATE,
    maxRows: MAX_IMPORT_ROWS,
    check: (columns, headers) => {
      if (!columns.has('email') && !columns.has('phone')) throw new TableRejected(`no e-mail or phone column; columns found: ${headers.join(', ') || 'none'}`);
    },
  });
}

/** The column a lead field path came from (contact.phone → phone), so a rejection names what the sender sees. */
export function columnOf(path: string): string {
  const leaf = path.split('.').at(-1) ?? path;
  if (leaf === 'contact') return 'email/phone'; // the intake's "no way to reach them"
  if (leaf === 'wordingId') return 'consentWording';
  if (path === 'company.name') return 'company';
  return leaf === 'interest' ? 'row' : leaf;
}

export type RowOutcome = { lead: IncomingLead } | { field: string; reason: string };


/** The consents ticked in a row; a column that is neither yes nor no, or one without the wording, is the row's fault. */
function consentsOf(v: ImportRow['values']): { consents: object[] } | { field: string; reason: string } {
  const consents: object[] = [];
  for (const [column, channel] of Object.entries(CONSENT_CHANNEL_OF) as [keyof typeof CONSENT_CHANNEL_OF, string][]) {
    const answer = v[column]?.toLowerCase();
    if (answer === undefined) continue;
    if (!YES.has(answer) && !NO.has(answer)) return { field: column, reason: `"${v[column]}" is neither yes nor no` };
    if (!v.consentWording) return { field: 'consentWording', reason: 'a consent needs the id of the wording the person signed' };
    consents.push({ channel, purpose: 'MARKETING', granted: YES.has(answer), wordingId: v.consentWording, method: 'FAIR_SIGN_UP' });
  }
  return { consents };
}

/** The row's company, when it names one (a role, VAT id or fleet size without a company name is the row's fault). */
function companyOf(v: ImportRow['values']): { company?: object } | { field: string; reason: string } {
  if (!v.company) {
    const stray = (['vatId', 'fleetSize', 'contactRole'] as const).find((c) => v[c]);
    return stray ? { field: 'company', reason: `${stray} is given without a company name` } : {};
  }
  const fleetSize = v.fleetSize === undefined ? undefined : /^\d+$/.test(v.fleetSize) ? Number(v.fleetSize) : v.fleetSize;
  return {
    company: {
      name: v.company,
      ...(v.vatId ? { vatId: v.vatId } : {}),
      ...(fleetSize !== undefined ? { fleetSize } : {}),
      ...(v.contactRole ? { contactRole: v.contactRole.toUpperCase().replace(/[\s-]+/g, '_') } : {}),
    },
  };
}

/** One row as a lead for the event, checked with the same schema as the API. */
export function leadFromRow(row: ImportRow, event: { source: LeadSource; name: string }): RowOutcome {
  const v = row.values;
  const consent = consentsOf(v);
  if ('field' in consent) return consent;
  const company = companyOf(v);
  if ('field' in company) return company;
  const candidate = {
    ...(consent.consents.length ? { consents: consent.consents } : {}),
    ...company,
    source: event.source,
    event: event.name,
    ...(v.campaign ? { campaign: v.campaign } : {}),
    ...(v.preferredDealerId ? { preferredDealerId: v.preferredDealerId } : {}),
    ...(v.model || v.timeframe || v.message
      ? { interest: { model: v.model, timeframe: v.timeframe?.toUpperCase().replace(/[\s-]+/g, '_'), message: v.message } }
      : {}),
    contact: { firstName: v.firstName, lastName: v.lastName, email: v.email, phone: v.phone, postalCode: v.postalCode, country: v.country?.toUpperCase() },
  };
  const checked = checkLead(candidate);
  return 'lead' in checked ? checked : { field: columnOf(checked.field), reason: checked.message };
}

/** The keys that identify the row's person (normalised e-mail, E.164 phone); none if unreadable. */
function identityKeysOf(row: ImportRow, defaultCountry: string): string[] {
  const keys: string[] = [];
  if (row.values.email) keys.push(`email:${normalizeEmail(row.values.email)}`);
  if (row.values.phone) {
    try {
      keys.push(`phone:${normalizePhone(row.values.phone, row.values.country?.toUpperCase() ?? defaultCountry)}`);
    } catch {
      // An unreadable number identifies no one; the row is rejected when it is imported.
    }
  }
  return keys;
}

/** For each row repeating a person seen in an earlier row of the file, that earlier row. */
export function duplicateRows(rows: readonly ImportRow[], defaultCountry: string): Map<number, number> {
  const firstSeen = new Map<string, number>();
  const duplicates = new Map<number, number>();
  for (const row of rows) {
    const keys = identityKeysOf(row, defaultCountry);
    const earlier = keys.map((k) => firstSeen.get(k)).find((r) => r !== undefined);
    if (earlier !== undefined) duplicates.set(row.row, earlier);
    else for (const k of keys) firstSeen.set(k, row.row);
  }
  return duplicates;
}
