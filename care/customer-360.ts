// Customer care's picture of one customer: who they are, where their journey stands and what it
// waits for next, their cars, their consents with proof, and one timeline of everything that
// happened with them — leads, offers, owners, sales, service, complaints, every message with its
// decision and reason, consents, tasks. Built from the records (care/customer-records.ts) and the
// journey's live state; the timeline itself is a pure function of them.
import { nextDeadline } from '../domain/transitions.js';
import type { JourneyState } from '../domain/journey.js';
import type { CustomerRecords } from './customer-records.js';

export type TimelineKind = 'LEAD' | 'OFFER' | 'OWNER' | 'VEHICLE' | 'SERVICE' | 'COMPLAINT' | 'RECALL' | 'MESSAGE' | 'CONSENT' | 'TASK';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  title: string;
  detail: string | null;
}

const AFTERSALES_TITLES: Record<string, [TimelineKind, string]> = {
  SERVICE_VISIT: ['SERVICE', 'Service visit'],
  COMPLAINT_OPENED: ['COMPLAINT', 'Complaint opened'],
  COMPLAINT_RESOLVED: ['COMPLAINT', 'Complaint resolved'],
  RECALL_REPAIR: ['RECALL', 'Recall repair'],
};
const ownerText = (owner: string | null, dealerId: string | null) => (dealerId ? `${owner === 'DEALER_SALES' ? 'sales at ' : ''}${dealerId}` : (owner ?? 'nobody'));
const words = (code: string) => code.toLowerCase().replaceAll('_', ' ');
const joined = (...parts: (string | null | undefined | false)[]) => parts.filter(Boolean).join(' · ') || null;

/** Everything that happened with the customer, newest first (ties: the order it happened in, reversed). */
export function timelineOf(r: Pick<CustomerRecords, 'leads' | 'handoffs' | 'ownership' | 'sales' | 'aftersales' | 'communications' | 'consents' | 'tasks'>): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...r.leads.map((l) => ({
      at: l.receivedAt, kind: 'LEAD' as const, title: `Lead from ${words(l.source)}`,
      detail: joined(l.interestModel && `interested in ${l.interestModel}`, l.campaign && `campaign ${l.campaign}`, l.event && `at ${l.event}`, l.merged && 'joined the known customer'),
    })),
    ...r.handoffs.map((h) => ({ at: h.at, kind: 'OFFER' as const, title: `Offer to ${h.dealerId}: ${words(h.kind)}`, detail: h.reason })),
    ...r.ownership.map((o) => ({
      at: o.at, kind: 'OWNER' as const, title: `Owner: ${ownerText(o.fromOwner, o.fromDealerId)} → ${ownerText(o.toOwner, o.toDealerId)}`,
      detail: joined(o.reason, `by ${o.actor}`),
    })),
    ...r.sales.map((s) => ({
      at: s.at, kind: 'VEHICLE' as const, title: `${s.imported ? 'Vehicle on record' : 'Sale'}: ${s.model} ${s.vin}`,
      detail: joined(`${s.imported ? 'bought from' : 'sold by'} ${s.dealerId} on ${s.soldOn.toISOString().slice(0, 10)}`),
    })),
    ...r.aftersales.map((a) => {
      const [kind, title] = AFTERSALES_TITLES[a.kind] ?? (['SERVICE', words(a.kind)] as [TimelineKind, string]);
      return { at: a.at, kind, title: `${title} at ${a.dealerId}`, detail: a.ref };
    }),
    // Every message with the journey's word on it and what became of it.
    ...r.communications.map((c) => {
      const decisions = c.log.filter((l) => l.kind === 'DECISION').map((l) => joined(l.decision, l.reason));
      const attempts = c.log.filter((l) => l.kind === 'SEND_ATTEMPT').map((l) => joined(l.transport, l.outcome));
      return {
        at: c.createdAt, kind: 'MESSAGE' as const,
        title: `${words(c.purpose)} by ${words(c.channel)} from ${c.senderDealerId ?? 'the OEM'}: ${words(c.status)}`,
        detail: joined(c.templateId, c.reason, decisions.length > 0 && `decided ${decisions.join(', ')}`, attempts.length > 0 && `sent ${attempts.join(', ')}`),
      };
    }),
    ...r.consents.map((c) => ({
      at: c.capturedAt, kind: 'CONSENT' as const,
      title: `${words(c.channel)} ${words(c.purpose)}: ${c.granted ? 'given' : 'withdrawn'}`,
      detail: joined(words(c.method), `wording ${c.wordingId}`, c.source && `from ${c.source}`, c.recordedBy && `taken down by ${c.recordedBy}`),
    })),
    ...r.tasks.map((t) => ({
      at: t.createdAt, kind: 'TASK' as const, title: `Task for ${t.assignee}: ${words(t.kind)} (${words(t.status)})`,
      detail: joined(t.detail, `due ${t.dueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`),
    })),
  ];
  return entries.map((e, i) => ({ e, i })).sort((a, b) => b.e.at.getTime() - a.e.at.getTime() || b.i - a.i).map(({ e }) => e);
}

/** The care page's customer: the records, the journey's live state (when it answered) and the timeline. */
export function customer360(records: CustomerRecords, state: JourneyState | null) {
  const { customer, journey } = records;
  const deadline = state ? nextDeadline(state) : null;
  return {
    customerId: customer.id,
    kind: customer.kind,
    name: (customer.kind === 'COMPANY' ? customer.companyName : [customer.firstName, customer.lastName].filter(Boolean).join(' ')) || '(no name)',
    contact: {
      firstName: customer.firstName, lastName: customer.lastName, companyName: customer.companyName, vatId: customer.vatId,
      email: customer.emailNormalized, phone: customer.phoneE164, street: customer.street, postalCode: customer.postalCode, city: customer.city,
      country: customer.country, language: customer.language, since: customer.createdAt,
    },
    people: records.people.map((p) => ({
      customerId: p.contactId, role: p.role, name: [p.contact.firstName, p.contact.lastName].filter(Boolean).join(' ') || '(no name)', email: p.contact.emailNormalized,
      counterpartFor: records.counterparts.filter((c) => c.contactId === p.contactId).map((c) => c.process),
    })),
    companies: records.companies.map((c) => ({ customerId: c.companyId, role: c.role, name: c.company.companyName ?? '(no name)' })),
    journey: journey ? {
      journeyId: records.journeyId, stage: state?.stage ?? journey.stage, owner: state?.owner ?? journey.owner, dealerId: state?.dealerId ?? journey.dealerId,
      offeredTo: state?.handoff?.dealerId ?? journey.offeredDealerId, stageSince: journey.stageChangedAt,
      /** What the journey waits for next, and when; null without the live state or when it waits for nothing. */
      next: deadline ? { at: new Date(deadline.at), event: deadline.event } : null,
      live: state !== null,
      optedOut: state?.optedOut ?? null,
      complaintOpen: state?.complaint?.complaintId ?? null,
    } : null,
    consent: state ? {
      regime: state.consent?.regime ?? null, granted: state.consent?.granted ?? [], refused: state.consent?.refused ?? [],
      awaiting: (state.consent?.awaitingConfirmation ?? []).map((a) => ({ consent: a.key, until: new Date(a.until) })),
      withdrawnChannels: state.communications.withdrawn,
    } : null,
    vehicles: records.sales.map((s) => ({ vin: s.vin, model: s.model, dealerId: s.dealerId, soldOn: s.soldOn.toISOString().slice(0, 10), imported: s.imported })),
    consentRecords: [...records.consents].reverse(),
    openTasks: records.tasks.filter((t) => t.status === 'OPEN'),
    timeline: timelineOf(records),
  };
}
export type Customer360 = ReturnType<typeof customer360>;
