// A company's people named outside a lead: the drivers a dealer names with a fleet sale.
// Each is a person found by the same identity keys as a lead's (normalised e-mail, else
// phone), or a new one; they are written, and linked to the company as drivers, only once
// the journey has taken the sale, so a refused sale leaves nothing behind.
import { createHash } from 'node:crypto';
import type { AccountContact } from '../domain/fleets.js';
import { normalizeEmail, normalizePhone } from '../domain/identity.js';
import type { PrismaClient } from '../platform/db.js';
import { IntakeRejected } from './lead-intake.js';

export interface NamedPerson {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
}

/** A named person with the customer id they have, or will have once linked. */
export interface ResolvedPerson {
  contactId: string;
  known: boolean;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
}

/**
 * A new person's id follows from their key: a request retried after the journey took the
 * sale but before the link was written names the same id the journey already holds.
 */
function personIdFor(key: string): string {
  const h = createHash('sha256').update(`person:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Finds (or names the id of) each person; `field(i)` names the request field of the i-th for a bad phone number. */
export async function resolvePeople(db: PrismaClient, people: readonly NamedPerson[], country: string, field: (i: number) => string): Promise<ResolvedPerson[]> {
  const keys = people.map((p, i) => {
    const email = p.email ? normalizeEmail(p.email) : null;
    let phone: string | null = null;
    if (p.phone) {
      try {
        phone = normalizePhone(p.phone, country);
      } catch {
        throw new IntakeRejected(`${field(i)}.phone`, `"${p.phone}" is not a valid phone number`);
      }
    }
    if (!email && !phone) throw new IntakeRejected(field(i), 'a person needs an e-mail address or a phone number');
    return { email, phone };
  });
  const known = await db.customer.findMany({
    where: { kind: 'PERSON', OR: [{ emailNormalized: { in: keys.flatMap((k) => (k.email ? [k.email] : [])) } }, { phoneE164: { in: keys.flatMap((k) => (k.phone ? [k.phone] : [])) } }] },
    select: { id: true, emailNormalized: true, phoneE164: true },
  });
  return people.map((p, i) => {
    const { email, phone } = keys[i]!;
    const found = known.find((c) => (email && c.emailNormalized === email)) ?? known.find((c) => phone && c.phoneE164 === phone);
    return {
      contactId: found?.id ?? personIdFor((email ?? phone)!), known: !!found, email, phone,
      firstName: p.firstName ?? null, lastName: p.lastName ?? null,
    };
  });
}

/** What the journey learns of them: id, role, and whether they can be reached (no personal data). */
export function asDrivers(people: readonly ResolvedPerson[]): AccountContact[] {
  const seen = new Set<string>();
  return people.filter((p) => !seen.has(p.contactId) && seen.add(p.contactId))
    .map((p) => ({ contactId: p.contactId, role: 'DRIVER' as const, hasEmail: p.email !== null, hasPhone: p.phone !== null }));
}

/** Writes the new people and links everyone to the company as a driver, in one transaction; repeats change nothing. */
export async function linkDrivers(db: PrismaClient, companyId: string, people: readonly ResolvedPerson[]): Promise<void> {
  const fresh = people.filter((p) => !p.known);
  await db.$transaction([
    db.customer.createMany({
      data: fresh.map((p) => ({ id: p.contactId, emailNormalized: p.email, phoneE164: p.phone, firstName: p.firstName, lastName: p.lastName })),
      skipDuplicates: true,
    }),
    db.companyContact.createMany({
      data: people.map((p) => ({ companyId, contactId: p.contactId, role: 'DRIVER' })),
      skipDuplicates: true,
    }),
  ]);
}
