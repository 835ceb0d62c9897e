import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PURCHASE_TIMEFRAMES, type PurchaseTimeframe } from '../domain/lead.js';
import { hasControlCharacter } from '../platform/validation.js';
import { IntakeRejected, type IncomingLead } from './lead-intake.js';
import { checkLead } from './lead-schema.js';

/**
 * ADF 1.0 (Auto-lead Data Format), the lead providers' XML standard, mapped to our
 * leads. Parsing is fast-xml-parser's; this module only knows what ADF elements mean.
 */
export interface AdfProspect {
  lead: IncomingLead;
  /** The prospect's own id from the provider, when given: a resubmission is recognised by it. */
  providerKey?: string;
  /** What <vendor> names: a dealer id or name, matched against our dealers by the caller. */
  vendor?: { id?: string; name?: string };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['prospect', 'name', 'email', 'phone', 'id', 'vehicle', 'contact', 'consent', 'company'].includes(name),
});

type Node = Record<string, unknown>;
const asNode = (v: unknown): Node | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const text = (v: unknown): string | undefined => {
  const raw = typeof v === 'string' ? v : asNode(v)?.['#text'];
  const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  return s || undefined;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A DOCTYPE can declare entities (external files, "billion laughs"); ADF needs none. */
const DOCUMENT_TYPE_DECLARATION = /<!DOCTYPE|<!ENTITY/i;
/** A character reference to a control character (&#0; &#x1F; …), which no text field may hold. */
const CONTROL_CHARACTER_REFERENCE = /&#(?:0*(?:[0-8]|1[1-2]|1[4-9]|2\d|3[01]|127)|x0*(?:[0-8bcef]|1[0-9a-f]|7f));/i;

export function parseAdf(xml: string): AdfProspect[] {
  if (DOCUMENT_TYPE_DECLARATION.test(xml)) throw new IntakeRejected('adf', 'document type declarations are not accepted');
  if (hasControlCharacter(xml) || CONTROL_CHARACTER_REFERENCE.test(xml)) {
    throw new IntakeRejected('adf', 'control characters are not accepted');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new IntakeRejected('body', `malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  let document: Node;
  try {
    document = parser.parse(xml) as Node;
  } catch (error) {
    throw new IntakeRejected('body', `not readable as XML: ${(error as Error).message}`);
  }
  if (!('adf' in document)) throw new IntakeRejected('adf', 'the document has no <adf> root element');
  const adf = asNode(document.adf) ?? {}; // <adf></adf> parses as an empty string
  const prospects = list(adf.prospect);
  if (prospects.length === 0) throw new IntakeRejected('adf.prospect', 'the document has no <prospect>');
  return prospects.map((p, i) => mapProspect(asNode(p) ?? {}, `adf.prospect[${i}]`));
}

function mapProspect(prospect: Node, path: string): AdfProspect {
  const customer = asNode(prospect.customer);
  const contacts = list(customer?.contact).map(asNode).filter((c): c is Node => !!c);
  const contact = contacts.find((c) => c['@primarycontact'] === '1') ?? contacts[0];
  if (!contact) throw new IntakeRejected(`${path}.customer.contact`, 'the prospect has no <customer><contact>');

  // ADF's <name type="business"> names the organisation the contact speaks for (B2B).
  const allNames = list(contact.name).map((n) => ({ part: asNode(n)?.['@part'], type: asNode(n)?.['@type'], value: text(n) }));
  const names = allNames.filter((n) => n.type !== 'business');
  const businessName = allNames.find((n) => n.type === 'business')?.value;
  const full = names.find((n) => n.part === 'full')?.value;
  const firstName = names.find((n) => n.part === 'first')?.value ?? full?.split(/\s+/).slice(0, -1).join(' ') ?? undefined;
  const lastName = names.find((n) => n.part === 'last')?.value ?? full?.split(/\s+/).at(-1);
  const email = list(contact.email).map(text).find(Boolean);
  const phone = list(contact.phone).map(text).find(Boolean);
  if (!email && !phone) {
    throw new IntakeRejected(`${path}.customer.contact`, 'the prospect has no <email> or <phone> to reach the customer');
  }
  const address = asNode(contact.address);
  const country = text(address?.country)?.toUpperCase();

  const vehicle = list(prospect.vehicle).map(asNode).find((v) => v?.['@interest'] !== 'trade-in') ?? undefined;
  const requestDate = text(prospect.requestdate);
  const timeframe = timeframeOf(asNode(customer?.timeframe), requestDate);
  const model = [text(vehicle?.make), text(vehicle?.model)].filter(Boolean).join(' ') || undefined;
  const comments = text(customer?.comments) ?? text(prospect.comments);

  const providerName = text(asNode(prospect.provider)?.name) ?? text(list(asNode(prospect.provider)?.name)[0]);
  const prospectId = list(prospect.id).map(asNode).find(Boolean);
  const idValue = text(prospectId);
  const idSource = prospectId?.['@source'];
  const vendor = asNode(prospect.vendor);
  const vendorId = text(list(vendor?.id)[0]);
  const vendorName = text(vendor?.vendorname);

  // ADF 1.0 has no element for consent; providers that capture it send our documented
  // extension, <customer><consent channel="email" purpose="marketing" wording="…">yes</consent>.
  const consents = list(customer?.consent).map((c) => {
    const node = asNode(c) ?? {};
    const answer = text(c)?.toLowerCase();
    return {
      channel: String(node['@channel'] ?? '').toUpperCase().replace('-', '_'),
      purpose: String(node['@purpose'] ?? '').toUpperCase().replace('-', '_'),
      granted: answer === 'yes' || answer === 'true' ? true : answer === 'no' || answer === 'false' ? false : answer,
      wordingId: node['@wording'],
      method: 'LEAD_PROVIDER',
    };
  });

  // ADF 1.0 says nothing of fleets; providers that know more send our documented extension,
  // <customer><company vatid="DE123456789" fleetsize="25" role="decision-maker"/>.
  const extension = asNode(list(customer?.company)[0]) ?? {};
  const fleetSize = extension['@fleetsize'] === undefined ? undefined : Number(extension['@fleetsize']);
  const company = businessName
    ? {
      name: businessName,
      ...(extension['@vatid'] !== undefined ? { vatId: extension['@vatid'] } : {}),
      ...(fleetSize !== undefined ? { fleetSize } : {}),
      ...(extension['@role'] !== undefined ? { contactRole: String(extension['@role']).toUpperCase().replace('-', '_') } : {}),
      ...(text(address?.street) ? { street: text(address?.street) } : {}),
      ...(text(address?.city) ? { city: text(address?.city) } : {}),
    }
    : undefined;

  // The same rules as a lead sent as JSON: one schema, whichever door a lead comes in by.
  const checked = checkLead({
    ...(consents.length ? { consents } : {}),
    ...(company ? { company } : {}),
    source: 'ADF',
    campaign: providerName,
    interest: model || timeframe || comments ? { model, timeframe, message: comments } : undefined,
    contact: { firstName, lastName, email, phone, postalCode: text(address?.postalcode), country },
    receivedAt: requestDate,
  });
  if (!('lead' in checked)) throw new IntakeRejected(`${path}.${adfElementOf(checked.field)}`, checked.message);
  return {
    lead: { ...checked.lead, ...(checked.lead.receivedAt ? { receivedAt: new Date(checked.lead.receivedAt).toISOString() } : {}) },
    ...(idValue ? { providerKey: `adf:${typeof idSource === 'string' ? idSource : providerName ?? 'unknown'}:${idValue}` } : {}),
    ...(vendorId || vendorName ? { vendor: { ...(vendorId ? { id: vendorId } : {}), ...(vendorName ? { name: vendorName } : {}) } } : {}),
  };
}

/** Where a lead field comes from in an ADF prospect, so a refusal names what the provider sent. */
const ADF_ELEMENT: Record<string, string> = {
  receivedAt: 'requestdate',
  campaign: 'provider.name',
  'interest.model': 'vehicle',
  'interest.message': 'customer.comments',
  contact: 'customer.contact',
  'contact.firstName': 'customer.contact.name',
  'contact.lastName': 'customer.contact.name',
  'contact.email': 'customer.contact.email',
  'contact.phone': 'customer.contact.phone',
  'contact.postalCode': 'customer.contact.address.postalcode',
  'contact.country': 'customer.contact.address.country',
  consents: 'customer.consent',
  company: 'customer.contact.name',
  'company.name': 'customer.contact.name',
  'company.vatId': 'customer.company.@vatid',
  'company.fleetSize': 'customer.company.@fleetsize',
  'company.contactRole': 'customer.company.@role',
  'company.street': 'customer.contact.address.street',
  'company.city': 'customer.contact.address.city',
};

function adfElementOf(field: string): string {
  const consent = /^consents\.(\d+)\.(\w+)$/.exec(field);
  if (consent) return `customer.consent[${consent[1]}].${({ wordingId: '@wording', granted: '#text' } as Record<string, string>)[consent[2]!] ?? `@${consent[2]}`}`;
  return ADF_ELEMENT[field] ?? field;
}

/** <timeframe><latestdate> relative to the request: how soon they intend to buy. */
function timeframeOf(timeframe: Node | undefined, receivedAt: string | undefined): PurchaseTimeframe | undefined {
  const latest = text(timeframe?.latestdate) ?? text(timeframe?.earliestdate);
  if (!latest || Number.isNaN(Date.parse(latest))) return undefined;
  const months = (Date.parse(latest) - Date.parse(receivedAt ?? latest)) / (30 * 24 * 3600 * 1000);
  const choice: PurchaseTimeframe = months <= 1 ? 'NOW' : months <= 3 ? 'WITHIN_3_MONTHS' : months <= 12 ? 'WITHIN_12_MONTHS' : 'LATER';
  return PURCHASE_TIMEFRAMES.includes(choice) ? choice : undefined;
}
