/**
 * Companies and fleets (B2B, B2B2C; seed 004): the decision-maker, the people who pay and
 * the people who drive are different persons. A company has one journey; its contacts are
 * persons (customers) in roles, known to the journey by id and role only. Pure.
 */
import type { Purpose } from './messages.js';

/** DECISION_MAKER: the fleet manager who chooses and renews; PROCUREMENT: purchasing and accounts payable; DRIVER: drives one of the cars. */
export const CONTACT_ROLES = ['DECISION_MAKER', 'PROCUREMENT', 'DRIVER'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** A person of the company as the journey knows them: id, role, how they can be reached (presence only). */
export interface AccountContact {
  contactId: string;
  role: ContactRole;
  hasEmail: boolean;
  hasPhone: boolean;
}

/** What a company's journey knows of the company (the journey's customer): its fleet size and its people by role. */
export interface FleetAccount {
  /** Vehicles the company runs, as its latest lead says (null: not said). */
  fleetSize: number | null;
  contacts: AccountContact[];
}

/** One vehicle of a fleet sale, and the driver it is assigned to (a contact in the DRIVER role). */
export interface FleetVehicle {
  vin: string;
  model: string;
  soldOn: string;
  price?: number;
  driverId: string;
}

/** Contacts a journey keeps; a fleet larger than this is unusual for one account (the database keeps all). */
export const MAX_ACCOUNT_CONTACTS = 2_000;
/** Vehicles one fleet sale may carry. */
export const MAX_FLEET_SALE_VEHICLES = 500;

/**
 * Who may receive what, by role. Renewal and commercial offers go to the decision-maker;
 * the people who drive get their car's service reminders and surveys; procurement gets the
 * sales conversation (quotes, orders). Transactional and legal messages reach anyone of the
 * company they concern.
 *
 * | purpose          | DECISION_MAKER | PROCUREMENT | DRIVER |
 * |------------------|----------------|-------------|--------|
 * | PROMOTION        | yes            | no          | no     |
 * | SALES_FOLLOW_UP  | yes            | yes         | no     |
 * | SERVICE_REMINDER | no             | no          | yes    |
 * | SURVEY           | yes            | no          | yes    |
 * | TRANSACTIONAL    | yes            | yes         | yes    |
 * | LEGAL            | yes            | yes         | yes    |
 */
const ROLE_TABLE: Record<ContactRole, readonly Purpose[]> = {
  DECISION_MAKER: ['PROMOTION', 'SALES_FOLLOW_UP', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'],
  PROCUREMENT: ['SALES_FOLLOW_UP', 'TRANSACTIONAL', 'LEGAL'],
  DRIVER: ['SERVICE_REMINDER', 'SURVEY', 'TRANSACTIONAL', 'LEGAL'],
};

export function roleMayReceive(role: ContactRole, purpose: Purpose): boolean {
  return ROLE_TABLE[role].includes(purpose);
}

/** The contact's roles in the company (a person may be decision-maker and driver). */
export function rolesOf(account: FleetAccount, contactId: string): ContactRole[] {
  return account.contacts.filter((c) => c.contactId === contactId).map((c) => c.role);
}

/** Whether any of the person's roles may receive a message of this purpose. */
export function contactMayReceive(account: FleetAccount, contactId: string, purpose: Purpose): boolean {
  return rolesOf(account, contactId).some((role) => roleMayReceive(role, purpose));
}

/** The company's decision-maker (the one named most recently), if it has one. */
export function decisionMakerOf(account: FleetAccount): AccountContact | null {
  return account.contacts.findLast((c) => c.role === 'DECISION_MAKER') ?? null;
}

/** The account with this person in this role (their reachability as now known); the same person in another role is another entry. */
export function withContact(account: FleetAccount, contact: AccountContact): FleetAccount {
  const others = account.contacts.filter((c) => !(c.contactId === contact.contactId && c.role === contact.role));
  return { ...account, contacts: [...others, contact].slice(-MAX_ACCOUNT_CONTACTS) };
}

/** Why a fleet sale cannot be taken as it is (a VIN twice, a driver who is not the company's), or null. */
export function fleetSaleProblem(account: FleetAccount, vehicles: readonly FleetVehicle[]): string | null {
  if (vehicles.length === 0) return 'a fleet sale has at least one vehicle';
  if (vehicles.length > MAX_FLEET_SALE_VEHICLES) return `at most ${MAX_FLEET_SALE_VEHICLES} vehicles in one sale`;
  const vins = new Set<string>();
  for (const v of vehicles) {
    if (vins.has(v.vin)) return `${v.vin} is in the sale twice`;
    vins.add(v.vin);
    if (!rolesOf(account, v.driverId).includes('DRIVER')) return `${v.driverId} is not a driver of this company`;
  }
  return null;
}

/**
 * A company's identity key when it has no VAT id: its name without case, accents, punctuation
 * or legal form (GmbH, AG, Ltd, Inc, …), with its postal code. "Müller Logistik GmbH" and
 * "MUELLER-LOGISTIK gmbh" are not folded together (ü is not ue): conservative, like persons.
 */
export function normalizeCompanyName(name: string): string {
  const words = name
    .normalize('NFKD').replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  while (words.length > 1 && LEGAL_FORMS.has(words.at(-1)!)) words.pop();
  return words.join(' ');
}
const LEGAL_FORMS = new Set(['gmbh', 'ag', 'kg', 'ohg', 'ug', 'se', 'ltd', 'limited', 'plc', 'llc', 'inc', 'corp', 'co', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'ab', 'as', 'oy', 'kft', 'sro']);

/** A VAT id as the EU writes it: country prefix and number, no spaces, dots or dashes (DE 123.456.789 → DE123456789). */
export function normalizeVatId(raw: string): string {
  return raw.toUpperCase().replace(/[\s.\-/]/g, '');
}

/** A VAT id's shape: two letters, then 2–13 letters or digits (the EU's VIES formats, loosely). */
export const VAT_ID_PATTERN = /^[A-Z]{2}[0-9A-Z]{2,13}$/;

/** How a company is told apart: its VAT id, else its normalised name with its postal code. */
export interface CompanyIdentity {
  /** VAT:<normalised VAT id>, when the lead names one. */
  vatKey: string | null;
  /** NAME:<normalised name>|<postal code without spaces>, when it names a postal code. */
  nameKey: string | null;
}

/** The company's identity keys; a company with neither a VAT id nor a postal code cannot be told apart (null). */
export function companyIdentityOf(company: { name: string; vatId?: string | null; postalCode?: string | null }): CompanyIdentity | null {
  const vatKey = company.vatId ? `VAT:${normalizeVatId(company.vatId)}` : null;
  const postal = company.postalCode?.replace(/\s+/g, '').toUpperCase();
  const nameKey = postal ? `NAME:${normalizeCompanyName(company.name)}|${postal}` : null;
  return vatKey || nameKey ? { vatKey, nameKey } : null;
}
