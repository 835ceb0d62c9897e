import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PURCHASE_TIMEFRAMES, type PurchaseTimeframe } from '../domain/lead.js';
import { IntakeRejected, type IncomingLead } from './lead-intake.js';

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
  isArray: (name) => ['prospect', 'name', 'email', 'phone', 'id', 'vehicle', 'contact'].includes(name),
});

type Node = Record<string, unknown>;
const asNode = (v: unknown): Node | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const text = (v: unknown): string | undefined => {
  const raw = typeof v === 'string' ? v : asNode(v)?.['#text'];
  const s = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  return s || undefined;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

export function parseAdf(xml: string): AdfProspect[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new IntakeRejected('body', `malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const document = parser.parse(xml) as Node;
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

  const names = list(contact.name).map((n) => ({ part: asNode(n)?.['@part'], value: text(n) }));
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
  const receivedAt = requestDate && !Number.isNaN(Date.parse(requestDate)) ? new Date(requestDate).toISOString() : undefined;
  const timeframe = timeframeOf(asNode(customer?.timeframe), receivedAt);
  const model = [text(vehicle?.make), text(vehicle?.model)].filter(Boolean).join(' ') || undefined;

  const providerName = text(asNode(prospect.provider)?.name) ?? text(list(asNode(prospect.provider)?.name)[0]);
  const prospectId = list(prospect.id).map(asNode).find(Boolean);
  const idValue = text(prospectId);
  const idSource = prospectId?.['@source'];
  const vendor = asNode(prospect.vendor);
  const vendorId = text(list(vendor?.id)[0]);
  const vendorName = text(vendor?.vendorname);

  const lead: IncomingLead = {
    source: 'ADF',
    ...(providerName ? { campaign: providerName } : {}),
    interest: { ...(model ? { model } : {}), ...(timeframe ? { timeframe } : {}) },
    contact: {
      ...(firstName ? { firstName } : {}),
      ...(lastName ? { lastName } : {}),
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(text(address?.postalcode) ? { postalCode: text(address?.postalcode) } : {}),
      ...(country && /^[A-Z]{2}$/.test(country) ? { country } : {}),
    },
    ...(receivedAt ? { receivedAt } : {}),
  };
  return {
    lead,
    ...(idValue ? { providerKey: `adf:${typeof idSource === 'string' ? idSource : providerName ?? 'unknown'}:${idValue}` } : {}),
    ...(vendorId || vendorName ? { vendor: { ...(vendorId ? { id: vendorId } : {}), ...(vendorName ? { name: vendorName } : {}) } } : {}),
  };
}

/** <timeframe><latestdate> relative to the request: how soon they intend to buy. */
function timeframeOf(timeframe: Node | undefined, receivedAt: string | undefined): PurchaseTimeframe | undefined {
  const latest = text(timeframe?.latestdate) ?? text(timeframe?.earliestdate);
  if (!latest || Number.isNaN(Date.parse(latest))) return undefined;
  const months = (Date.parse(latest) - Date.parse(receivedAt ?? latest)) / (30 * 24 * 3600 * 1000);
  const choice: PurchaseTimeframe = months <= 1 ? 'NOW' : months <= 3 ? 'WITHIN_3_MONTHS' : months <= 12 ? 'WITHIN_12_MONTHS' : 'LATER';
  return PURCHASE_TIMEFRAMES.includes(choice) ? choice : undefined;
}
