// A lead as an ADF 1.0 document (the Auto-lead Data Format every dealer CRM ingests), built
// with fast-xml-parser's XMLBuilder (the library that also parses ADF coming in), so escaping
// is the library's. Our own ADF intake parses it back to the same lead (tested).
import { XMLBuilder } from 'fast-xml-parser';
import type { PurchaseTimeframe } from '../domain/lead.js';

export interface AdfLead {
  /** Our journey id: the CRM's key for this prospect (resubmissions carry the same). */
  prospectId: string;
  requestDate: string;
  interest: { model: string | null; timeframe: PurchaseTimeframe | null; message: string | null };
  contact: { firstName: string | null; lastName: string | null; email: string | null; phone: string | null; postalCode: string | null; country: string | null };
  vendor: { id: string; name: string };
  provider: { name: string; service: string };
}

/** Days after the request a timeframe's latest date lies (read back by intake/adf.ts). */
const TIMEFRAME_DAYS: Partial<Record<PurchaseTimeframe, number>> = { NOW: 14, WITHIN_3_MONTHS: 60, WITHIN_12_MONTHS: 180, LATER: 540 };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', format: true, suppressEmptyNode: true });

export function adfDocument(lead: AdfLead): string {
  const { contact, interest } = lead;
  const days = interest.timeframe ? TIMEFRAME_DAYS[interest.timeframe] : undefined;
  const latest = days ? new Date(Date.parse(lead.requestDate) + days * 86_400_000).toISOString() : null;
  const prospect = {
    '@status': 'new',
    id: { '@sequence': '1', '@source': lead.provider.service, '#text': lead.prospectId },
    requestdate: lead.requestDate,
    ...(interest.model ? { vehicle: { '@interest': 'buy', '@status': 'new', model: interest.model } } : {}),
    customer: {
      contact: {
        ...(contact.firstName || contact.lastName
          ? { name: [contact.firstName && { '@part': 'first', '#text': contact.firstName }, contact.lastName && { '@part': 'last', '#text': contact.lastName }].filter(Boolean) }
          : {}),
        ...(contact.email ? { email: contact.email } : {}),
        ...(contact.phone ? { phone: { '@type': 'voice', '#text': contact.phone } } : {}),
        ...(contact.postalCode || contact.country
          ? { address: { ...(contact.postalCode ? { postalcode: contact.postalCode } : {}), ...(contact.country ? { country: contact.country } : {}) } }
          : {}),
      },
      ...(latest ? { timeframe: { description: interest.timeframe, latestdate: latest } } : {}),
      ...(interest.message ? { comments: interest.message } : {}),
    },
    vendor: { id: { '@source': lead.provider.service, '#text': lead.vendor.id }, vendorname: lead.vendor.name },
    provider: { name: { '@part': 'full', '#text': lead.provider.name }, service: lead.provider.service },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n${builder.build({ adf: { prospect } })}`;
}
